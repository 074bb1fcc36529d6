#include "pages/digest_text.h"

#include <cstdio>
#include <set>

namespace listdigest::pages {
namespace {

const std::string kSeparator(70, '-');

std::string Count(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%7d", n);
  return buf;
}

std::string AuthorLine(const mail::Address& a) {
  if (a.name.empty()) return "<" + a.email + ">";
  return a.name + " <" + a.email + ">";
}

}  // namespace

std::string DigestText(const model::Archive& a, const model::Digest& d, const std::string& list,
                       int top) {
  const std::string from = d.range.from.substr(0, 9), to = d.range.to.substr(0, 9);
  std::string out;
  out += "From " + from + " to " + to + "\n";
  out += list + " mailing list update from " + from + " to " + to + "\n\n";
  out += "Top " + std::to_string(top) + " contributor Email domains (Based on Email Body)\n\n";
  for (size_t i = 0; i < d.domains.size() && int(i) < top; ++i) {
    out += Count(d.domains[i].count) + " " + d.domains[i].domain + "\n";
  }
  out += "\nTop " + std::to_string(top) + " contributors (Based on Email Body)\n\n";
  for (size_t i = 0; i < d.contributors.size() && int(i) < top; ++i) {
    const model::Person& p = a.people[d.contributors[i].person];
    out += Count(d.contributors[i].count) + "  " + p.name + " <" + p.email + ">\n";
  }
  out += "\n===== Patch list in this time period =====\n\n";
  for (int v : d.versions) {
    const model::SeriesVersion& version = a.versions[v];
    const model::MessageFacts& head = a.messages[version.head];
    out += head.subject.text + " (" + a.people[version.author].name + ")\n";
  }
  out += "\n===== Patch Commit Messages ====\n\n";
  // Newest first, as git log shows them; a subject seen again (a resend, a
  // copy in another epoch) is named, not repeated.
  std::set<std::string> shown;
  bool after_skip = false;
  for (auto it = d.messages.rbegin(); it != d.messages.rend(); ++it) {
    const model::MessageFacts& m = a.messages[*it];
    if (!m.subject.head_like()) continue;
    if (after_skip) out += "\n";
    after_skip = false;
    if (!shown.insert(m.subject.text).second) {
      out += "Exist: " + m.subject.text + "\n";
      out += " Skip: " + m.subject.text + "\n";
      after_skip = true;
      continue;
    }
    out += "New:  ";
    out += m.subject.title();
    out += "\n";
    out += m.subject.text + "\n";
    out += "Author: " + AuthorLine(*m.author_as_written) + "\n\n";
    out += a.Excerpt(m) + "\n\n";
    out += kSeparator + "\n\n";
  }
  return out;
}

std::string DigestMarkdown(const model::Archive& a, const model::Digest& d,
                           const std::string& list, int top) {
  const std::string from = d.range.from.substr(0, 9), to = d.range.to.substr(0, 9);
  std::string out = "# " + list + " mailing list update from " + from + " to " + to + "\n\n";
  out += std::to_string(d.messages.size()) + " messages: " + std::to_string(d.patches) +
         " patches, " + std::to_string(d.replies) + " replies.\n\n";
  out += "## Top " + std::to_string(top) + " contributor email domains\n\n| patches | domain |\n|--:|:--|\n";
  for (size_t i = 0; i < d.domains.size() && int(i) < top; ++i) {
    out += "| " + std::to_string(d.domains[i].count) + " | " + d.domains[i].domain + " |\n";
  }
  out += "\n## Top " + std::to_string(top) + " contributors\n\n| patches | name |\n|--:|:--|\n";
  for (size_t i = 0; i < d.contributors.size() && int(i) < top; ++i) {
    const model::Person& p = a.people[d.contributors[i].person];
    out += "| " + std::to_string(d.contributors[i].count) + " | " + p.name + " <" + p.email + "> |\n";
  }
  out += "\n## Patch series\n\n";
  for (int v : d.versions) {
    const model::SeriesVersion& version = a.versions[v];
    out += "- `" + a.messages[version.head].subject.text + "` (" + a.people[version.author].name +
           ", " + model::StateName(version.state) + ")\n";
  }
  return out;
}

}  // namespace listdigest::pages
