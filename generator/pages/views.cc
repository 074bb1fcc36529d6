#include "pages/views.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "model/series.h"
#include "pages/series_views.h"
#include "render/theme.h"

namespace listdigest::pages {
namespace {

using nlohmann::json;

json PersonJson(const model::Person& p) { return {{"name", p.name}, {"email", p.email}}; }

json IdOrNull(const model::Archive& a, int message) {
  if (message < 0) return nullptr;
  return a.messages[message].message_id;
}

int FirstPatch(const model::Archive& a, const model::SeriesVersion& v) {
  for (int p : v.patches) {
    if (a.messages[p].subject.number <= 1) return p;
  }
  return -1;
}

}  // namespace

std::string IsoTime(int64_t time) {
  const std::time_t t = static_cast<std::time_t>(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string SeriesPath(const model::Series& series) { return "series/" + series.id + "/"; }

std::string PersonPath(const model::Person& person) { return "contributors/" + person.slug + "/"; }

std::string MessageUrl(const SiteInfo& site, const std::string& message_id) {
  if (site.message_url.empty()) return "";
  std::string url = site.message_url;
  const size_t at = url.find("{message_id}");
  url.replace(at, 12, render::UrlEncode(message_id));
  return render::SafeUrl(url);
}

json DigestJson(const model::Archive& a, const model::Digest& d, const SiteInfo& site) {
  json j;
  j["id"] = d.range.id;
  j["list"] = site.list;
  j["from"] = d.range.from;
  j["to"] = d.range.to;
  j["messages"] = d.messages.size();
  j["patches"] = d.patches;
  j["replies"] = d.replies;
  j["pulls"] = d.pulls;
  j["contributors"] = json::array();
  for (const auto& c : d.contributors) {
    json row = PersonJson(a.people[c.person]);
    row["count"] = c.count;
    j["contributors"].push_back(row);
  }
  j["domains"] = json::array();
  for (const auto& c : d.domains) j["domains"].push_back({{"domain", c.domain}, {"count", c.count}});
  j["reviewers"] = json::array();
  for (const auto& c : d.reviewers) {
    json row = PersonJson(a.people[c.person]);
    row["count"] = c.count;
    j["reviewers"].push_back(row);
  }
  j["series"] = json::array();
  std::set<size_t> in_range(d.range.positions.begin(), d.range.positions.end());
  for (int vi : d.versions) {
    const model::SeriesVersion& v = a.versions[vi];
    const model::MessageFacts& head = a.messages[v.head];
    json s;
    s["id"] = a.series[v.series].id;
    s["title"] = v.title;
    s["subject"] = head.subject.text;
    s["version"] = v.version;
    s["rfc"] = v.rfc;
    s["total"] = v.total;
    s["author"] = PersonJson(a.people[v.author]);
    s["cover"] = IdOrNull(a, v.cover);
    s["first_patch"] = IdOrNull(a, FirstPatch(a, v));
    s["new"] = in_range.count(head.position) > 0;
    s["state"] = model::StateName(v.state);
    s["date"] = IsoTime(head.date);
    s["messages"] = 0;
    int count = 0;
    for (int p : v.patches) count += in_range.count(a.messages[p].position) ? 1 : 0;
    if (v.cover >= 0) count += in_range.count(a.messages[v.cover].position) ? 1 : 0;
    s["messages"] = count;
    j["series"].push_back(s);
  }
  return j;
}

json PageBase(const SiteInfo& site, const std::string& root, const std::string& title) {
  return {{"site_title", site.title}, {"list", site.list}, {"root", root}, {"page_title", title},
          {"generator", site.generator}, {"search_url", site.search_url}};
}

json DigestSummary(const model::Archive& a, const model::Digest& d) {
  int new_versions = 0;
  std::set<size_t> in_range(d.range.positions.begin(), d.range.positions.end());
  for (int vi : d.versions) {
    if (in_range.count(a.messages[a.versions[vi].head].position)) ++new_versions;
  }
  return {{"id", d.range.id},
          {"from", d.range.from.substr(0, 9)},
          {"to", d.range.to.substr(0, 9)},
          {"messages", d.messages.size()},
          {"patches", d.patches},
          {"replies", d.replies},
          {"series", d.versions.size()},
          {"new_series", new_versions},
          {"contributors", d.contributors.size()},
          {"start", d.messages.empty() ? "" : IsoTime(a.messages[d.messages.front()].time).substr(0, 10)},
          {"end", d.messages.empty() ? "" : IsoTime(a.messages[d.messages.back()].time).substr(0, 10)}};
}

json DigestPageView(const model::Archive& a, const model::Digest& d, const SiteInfo& site,
                    int top) {
  json view = PageBase(site, "../../", site.list + " digest " + d.range.id);
  view["digest"] = DigestSummary(a, d);
  {
    const json& sum = view["digest"];
    view["description"] = sum["messages"].dump() + " messages, " + sum["patches"].dump() +
                          " patches, " + sum["replies"].dump() + " replies and " +
                          sum["new_series"].dump() + " new series postings on the " + site.list +
                          " list" +
                          (sum["start"] == "" ? std::string()
                                              : ", " + sum["start"].get<std::string>() + " to " +
                                                    sum["end"].get<std::string>()) +
                          ".";
  }
  view["top"] = top;
  auto people_rows = [&a, top](const std::vector<model::PersonCount>& rows) {
    json out = json::array();
    for (size_t i = 0; i < rows.size() && int(i) < top; ++i) {
      const model::Person& p = a.people[rows[i].person];
      out.push_back({{"count", rows[i].count}, {"name", p.name}, {"email", p.email},
                     {"url", "../../" + PersonPath(p) + "index.html"}});
    }
    return out;
  };
  view["contributors"] = people_rows(d.contributors);
  view["reviewers"] = people_rows(d.reviewers);
  view["has_reviewers"] = !d.reviewers.empty();
  json domains = json::array();
  for (size_t i = 0; i < d.domains.size() && int(i) < top; ++i) {
    domains.push_back({{"count", d.domains[i].count}, {"domain", d.domains[i].domain}});
  }
  view["domains"] = domains;
  // Only with [archive.domains]: without it the domains table says the same.
  json organisations = json::array();
  if (!site.organisations.empty()) {
    for (const auto& o : model::DigestOrganisations(a, d, site.organisations)) {
      if (int(organisations.size()) == top) break;
      organisations.push_back({{"name", o.name}, {"patches", o.patches}, {"reviews", o.reviews},
                               {"people", o.people}});
    }
  }
  view["organisations"] = organisations;
  view["has_organisations"] = !organisations.empty();
  std::set<size_t> in_range(d.range.positions.begin(), d.range.positions.end());
  json entries = json::array();
  json updates = json::array();
  for (int vi : d.versions) {
    const model::SeriesVersion& v = a.versions[vi];
    const model::MessageFacts& head = a.messages[v.head];
    json e;
    e["subject"] = head.subject.text;
    e["title"] = v.title;
    e["author"] = a.people[v.author].name;
    e["author_email"] = a.people[v.author].email;
    e["author_url"] = "../../" + PersonPath(a.people[v.author]) + "index.html";
    e["state"] = model::StateName(v.state);
    e["date"] = IsoTime(head.date).substr(0, 10);
    e["url"] = MessageUrl(site, head.message_id);
    e["message_id"] = head.message_id;
    e["excerpt"] = a.Excerpt(head);
    e["patches"] = v.patches.size();
    e["replies"] = v.replies.size();
    e["anchor"] = "v-" + model::ShortHash(head.message_id);
    e["series_url"] = "../../" + SeriesPath(a.series[v.series]) + "index.html#" + VersionAnchor(a, vi);
    if (const std::string note = SupersedesNote(a, vi); !note.empty()) e["reroll"] = note;
    if (in_range.count(head.position)) entries.push_back(e);
    else updates.push_back(e);
  }
  view["entries"] = entries;
  view["updates"] = updates;
  view["has_updates"] = !updates.empty();
  view["waiting"] = WaitingForReviewView(a, d, site, "../../");
  view["has_waiting"] = !view["waiting"].empty();
  return view;
}

json DigestsIndexView(const model::Archive& a, const std::vector<model::Digest>& digests,
                      const SiteInfo& site) {
  json view = PageBase(site, "../", site.list + " digests");
  json rows = json::array();
  for (auto it = digests.rbegin(); it != digests.rend(); ++it) rows.push_back(DigestSummary(a, *it));
  view["digests"] = rows;
  return view;
}

json HomeView(const model::Archive& a, const std::vector<model::Digest>& digests,
              const SiteInfo& site) {
  json view = PageBase(site, "", site.title);
  view["messages"] = a.messages.size();
  view["series_count"] = a.series.size();
  view["people_count"] = a.people.size();
  view["digest_count"] = digests.size();
  view["description"] = std::to_string(a.messages.size()) + " messages of the " + site.list +
                        " list in " + std::to_string(digests.size()) + " digests; " +
                        std::to_string(a.series.size()) + " patch series from " +
                        std::to_string(a.people.size()) + " people.";
  // The series whose newest version was posted last: what is new on the list.
  std::vector<int> newest;
  for (size_t i = 0; i < a.series.size(); ++i) {
    if (!a.series[i].versions.empty()) newest.push_back(static_cast<int>(i));
  }
  auto posted = [&a](int s) {
    return a.messages[a.versions[a.series[s].versions.back()].head].time;
  };
  const size_t shown = std::min<size_t>(newest.size(), 8);
  std::partial_sort(newest.begin(), newest.begin() + shown, newest.end(), [&](int x, int y) {
    return posted(x) != posted(y) ? posted(x) > posted(y) : a.series[x].id < a.series[y].id;
  });
  json rows = json::array();
  for (size_t i = 0; i < shown; ++i) {
    const model::Series& s = a.series[newest[i]];
    const model::SeriesVersion& v = a.versions[s.versions.back()];
    const model::Person& author = a.people[v.author];
    rows.push_back({{"title", s.title},
                    {"url", SeriesPath(s) + "index.html"},
                    {"label", model::VersionLabel(v)},
                    {"patches", v.patches.size()},
                    {"patches_text", std::to_string(v.patches.size()) +
                                         (v.patches.size() == 1 ? " patch" : " patches")},
                    {"state", model::StateName(v.state)},
                    {"date", IsoTime(a.messages[v.head].time).substr(0, 10)},
                    {"author", author.name},
                    {"author_url", PersonPath(author) + "index.html"}});
  }
  view["newest_series"] = rows;
  view["has_newest_series"] = !rows.empty();
  view["has_recent"] = false;
  if (!digests.empty()) {
    view["latest"] = DigestSummary(a, digests.back());
    json recent = json::array();
    for (size_t i = 0; i < digests.size() && i < 10; ++i) {
      recent.push_back(DigestSummary(a, digests[digests.size() - 1 - i]));
    }
    view["recent"] = recent;
    view["has_recent"] = !recent.empty();
  }
  return view;
}

}  // namespace listdigest::pages
