// The digest pages and the site's front door: digests/<id>/ (text, JSON,
// HTML), the digests index, the home page, 404, the Atom feed and the
// theme's static files.
#include "pages/digest_text.h"
#include "pages/views.h"
#include "render/theme.h"
#include "site/context.h"

namespace listdigest::site {
namespace {

std::string AtomFeed(const model::Archive& a, const std::vector<model::Digest>& digests,
                     const config::Config& c) {
  using render::XmlEscape;
  std::string updated = "1970-01-01T00:00:00Z";
  if (!digests.empty() && !digests.back().messages.empty()) {
    updated = pages::IsoTime(a.messages[digests.back().messages.back()].time);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  out += "  <title>" + XmlEscape(c.title) + "</title>\n";
  out += "  <id>" + XmlEscape(c.base_url.empty() ? "urn:listdigest:" + c.list : c.base_url) + "</id>\n";
  if (!c.base_url.empty()) {
    out += "  <link href=\"" + XmlEscape(c.base_url) + "\"/>\n";
    out += "  <link rel=\"self\" href=\"" + XmlEscape(c.base_url + "feed.xml") + "\"/>\n";
  }
  out += "  <updated>" + updated + "</updated>\n";
  out += "  <author><name>" + XmlEscape(c.list) + "</name></author>\n";
  int n = 0;
  for (auto it = digests.rbegin(); it != digests.rend() && n < 50; ++it, ++n) {
    const model::Digest& d = *it;
    if (d.messages.empty()) continue;
    const std::string link = c.base_url + "digests/" + d.range.id + "/";
    out += "  <entry>\n";
    out += "    <title>" + XmlEscape(c.list + " digest " + d.range.id) + "</title>\n";
    out += "    <id>" + XmlEscape(c.base_url.empty() ? "urn:listdigest:" + c.list + ":" + d.range.id
                                                     : link) + "</id>\n";
    if (!c.base_url.empty()) out += "    <link href=\"" + XmlEscape(link) + "\"/>\n";
    out += "    <updated>" + pages::IsoTime(a.messages[d.messages.back()].time) + "</updated>\n";
    out += "    <summary>" + XmlEscape(std::to_string(d.messages.size()) + " messages, " +
                               std::to_string(d.patches) + " patches, " +
                               std::to_string(d.replies) + " replies, " +
                               std::to_string(d.versions.size()) + " series") +
           "</summary>\n";
    out += "  </entry>\n";
  }
  out += "</feed>\n";
  return out;
}

}  // namespace

void WriteDigestPages(BuildContext& ctx) {
  const auto& a = ctx.archive;
  const auto& config = ctx.site.config;
  ParallelFor(ctx.digests.size(), ctx.jobs, [&](size_t i) {
    const model::Digest& d = ctx.digests[i];
    const std::string dir = "digests/" + d.range.id + "/";
    ctx.out.Write(dir + "digest.txt", pages::DigestText(a, d, config.list, config.top));
    ctx.out.WriteJson(dir + "digest.json", pages::DigestJson(a, d, ctx.info));
    ctx.out.Render(dir + "index.html", "digest", pages::DigestPageView(a, d, ctx.info, config.top));
  });
  ctx.out.Render("digests/index.html", "digests", pages::DigestsIndexView(a, ctx.digests, ctx.info));
  ctx.out.Render("index.html", "home", pages::HomeView(a, ctx.digests, ctx.info));
  // Served for any missing path, so its links cannot be relative: they go
  // from the site's root as base_url names it.
  std::string root = "/";
  const size_t scheme = config.base_url.find("://");
  if (scheme != std::string::npos) {
    const size_t path = config.base_url.find('/', scheme + 3);
    if (path != std::string::npos) root = config.base_url.substr(path);
  }
  ctx.out.Render("404.html", "404", pages::PageBase(ctx.info, root, "Not found"));
  ctx.out.Write("feed.xml", AtomFeed(a, ctx.digests, config));
  for (const auto& [path, bytes] : ctx.site.theme.static_files()) {
    ctx.out.Write("static/" + path, bytes);
  }
}

void WriteSitemap(BuildContext& ctx) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const std::string& page : ctx.out.pages()) {
    if (page == "404.html") continue;
    std::string path = page;
    if (path.size() >= 10 && path.compare(path.size() - 10, 10, "index.html") == 0) {
      path.erase(path.size() - 10);
    }
    out += "  <url><loc>" + render::XmlEscape(ctx.site.config.base_url + path) + "</loc></url>\n";
  }
  out += "</urlset>\n";
  ctx.out.Write("sitemap.xml", out);
}

}  // namespace listdigest::site
