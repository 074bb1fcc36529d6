#include "pages/atom.h"

#include <algorithm>

#include "render/theme.h"

namespace listdigest::pages {

std::string RenderAtom(const AtomFeed& feed) {
  using render::XmlEscape;
  std::string updated = "1970-01-01T00:00:00Z";
  for (const auto& e : feed.entries) updated = std::max(updated, e.updated);
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  out += "  <title>" + XmlEscape(feed.title) + "</title>\n";
  out += "  <id>" + XmlEscape(feed.id) + "</id>\n";
  if (!feed.link.empty()) out += "  <link href=\"" + XmlEscape(feed.link) + "\"/>\n";
  if (!feed.self.empty()) out += "  <link rel=\"self\" href=\"" + XmlEscape(feed.self) + "\"/>\n";
  out += "  <updated>" + updated + "</updated>\n";
  out += "  <author><name>" + XmlEscape(feed.author) + "</name></author>\n";
  out += "  <generator>listdigest</generator>\n";
  for (const auto& e : feed.entries) {
    out += "  <entry>\n";
    out += "    <title>" + XmlEscape(e.title) + "</title>\n";
    out += "    <id>" + XmlEscape(e.id) + "</id>\n";
    if (!e.link.empty()) out += "    <link href=\"" + XmlEscape(e.link) + "\"/>\n";
    out += "    <updated>" + e.updated + "</updated>\n";
    if (!e.author.empty()) out += "    <author><name>" + XmlEscape(e.author) + "</name></author>\n";
    // RFC 4287 4.1.1: an entry needs an alternate link or a content; without
    // a link (no base_url, no message_url) its text is the content.
    const char* text = e.link.empty() ? "content" : "summary";
    out += std::string("    <") + text + ">" + XmlEscape(e.summary) + "</" + text + ">\n";
    out += "  </entry>\n";
  }
  out += "</feed>\n";
  return out;
}

}  // namespace listdigest::pages
