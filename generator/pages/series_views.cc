#include "pages/series_views.h"

#include <algorithm>
#include <map>
#include <set>

#include "model/digest.h"
#include "model/series.h"
#include "pages/inputs.h"

namespace listdigest::pages {
namespace {

using nlohmann::json;

constexpr model::State kStates[] = {model::State::kNew, model::State::kReviewed,
                                    model::State::kSuperseded, model::State::kApplied,
                                    model::State::kNoReply};

json PersonJson(const model::Person& p) { return {{"name", p.name}, {"email", p.email}}; }

// Templates test strings with sections ({{#url}}…{{/url}}), and an empty
// string counts as set there: what is absent is null.
json OrNull(std::string_view text) { return text.empty() ? json(nullptr) : json(text); }

json ReviewsJson(const model::Archive& a, const std::vector<model::Review>& reviews) {
  json out = json::array();
  for (const auto& r : reviews) {
    json row = PersonJson(a.people[r.person]);
    row["kind"] = r.kind;
    out.push_back(row);
  }
  return out;
}

json CarriedJson(const std::vector<model::Trailer>& trailers) {
  json out = json::array();
  for (const auto& t : trailers) {
    out.push_back({{"kind", t.kind}, {"name", t.who->name}, {"email", t.who->email}});
  }
  return out;
}

json IdOrNull(const model::Archive& a, int message) {
  if (message < 0) return nullptr;
  return a.messages[message].message_id;
}

json DigestOrNull(const model::Archive& a, int message, const DigestIds& digests) {
  const std::string* id = digests.Find(a.messages[message].position);
  if (!id) return nullptr;
  return *id;
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// How a version differs from the one before it, counted.
struct ChangeCounts {
  int added = 0, dropped = 0, changed = 0, unchanged = 0;
};

ChangeCounts Count(const std::vector<model::PatchComparison>& changes) {
  ChangeCounts c;
  for (const auto& p : changes) {
    switch (p.change) {
      case model::PatchChange::kAdded: ++c.added; break;
      case model::PatchChange::kDropped: ++c.dropped; break;
      case model::PatchChange::kChanged: ++c.changed; break;
      case model::PatchChange::kUnchanged: ++c.unchanged; break;
    }
  }
  return c;
}

std::string CountsText(const ChangeCounts& c) {
  std::vector<std::string> parts;
  if (c.added) parts.push_back(std::to_string(c.added) + " added");
  if (c.dropped) parts.push_back(std::to_string(c.dropped) + " dropped");
  if (c.changed) parts.push_back(std::to_string(c.changed) + " changed");
  if (c.unchanged) parts.push_back(std::to_string(c.unchanged) + " unchanged");
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out.empty() ? "no patches" : out;
}

// The people a series involves: its authors, repliers and reviewers.
std::vector<int> PeopleOf(const model::Archive& a, const model::Series& s) {
  std::set<int> people;
  for (int vi : s.versions) {
    const model::SeriesVersion& v = a.versions[vi];
    people.insert(v.author);
    for (int p : v.patches) people.insert(a.messages[p].author);
    for (int r : v.replies) people.insert(a.messages[r].sender);
  }
  people.erase(-1);
  std::vector<int> out(people.begin(), people.end());
  std::sort(out.begin(), out.end(), [&a](int x, int y) {
    return std::tie(a.people[x].name, a.people[x].email) < std::tie(a.people[y].name, a.people[y].email);
  });
  return out;
}

int FirstPatch(const model::SeriesVersion& v) { return v.patches.empty() ? -1 : v.patches.front(); }

}  // namespace

DigestIds DigestIdsOf(const std::vector<model::Digest>& digests) {
  DigestIds ids;
  ids.digests_ = &digests;
  for (size_t i = 0; i < digests.size(); ++i) {
    for (size_t position : digests[i].range.positions) {
      if (position >= ids.first_.size()) ids.first_.resize(position + 1, -1);
      if (ids.first_[position] < 0) ids.first_[position] = static_cast<int32_t>(i);
    }
  }
  return ids;
}

std::string VersionAnchor(const model::Archive& a, int version) {
  const model::SeriesVersion& v = a.versions[version];
  const std::string label = model::Slugify(model::VersionLabel(v));
  int seen = 0;
  for (int other : a.series[v.series].versions) {
    if (model::Slugify(model::VersionLabel(a.versions[other])) == label) ++seen;
    if (other == version) break;
  }
  return seen <= 1 ? label : label + "-" + std::to_string(seen);
}

std::string SupersedesNote(const model::Archive& a, int version) {
  const int previous = model::PreviousVersion(a, version);
  if (previous < 0) return "";
  const model::SeriesVersion& p = a.versions[previous];
  return model::VersionLabel(a.versions[version]) + ", supersedes " + model::VersionLabel(p) +
         " from " + model::PeriodId("week", a.messages[p.head].time);
}

json WaitingForReviewView(const model::Archive& a, const model::Digest& d, const SiteInfo& site,
                          const std::string& root) {
  constexpr int64_t kWindow = 8 * 7 * 24 * 3600;
  json rows = json::array();
  if (d.messages.empty()) return rows;
  int64_t end = 0;
  for (int m : d.messages) end = std::max(end, a.messages[m].time);
  for (int vi : model::WaitingForReview(a, end, kWindow)) {
    const model::SeriesVersion& v = a.versions[vi];
    const model::MessageFacts& head = a.messages[v.head];
    rows.push_back({{"subject", head.subject.text},
                    {"url", OrNull(MessageUrl(site, head.message_id))},
                    {"series_url", root + SeriesPath(a.series[v.series]) + "index.html#" +
                                       VersionAnchor(a, vi)},
                    {"author", a.people[v.author].name},
                    {"author_url", root + PersonPath(a.people[v.author]) + "index.html"},
                    {"date", IsoTime(head.time).substr(0, 10)},
                    {"days", (end - head.time) / (24 * 3600)},
                    {"patches", v.patches.size()}});
  }
  return rows;
}

json SeriesJson(const model::Archive& a, int series, const SiteInfo& site,
                const DigestIds& digests) {
  const model::Series& s = a.series[series];
  json j;
  j["id"] = s.id;
  j["list"] = site.list;
  j["title"] = s.title;
  j["author"] = PersonJson(a.people[s.author]);
  j["state"] = model::StateName(a.versions[s.versions.back()].state);
  j["last_activity"] = IsoTime(s.last_activity);
  j["versions"] = json::array();
  for (int vi : s.versions) {
    const model::SeriesVersion& v = a.versions[vi];
    const model::MessageFacts& head = a.messages[v.head];
    const model::VersionActivity activity = model::ActivityOf(a, vi);
    json jv;
    jv["version"] = v.version;
    jv["revision"] = v.revision;
    jv["label"] = model::VersionLabel(v);
    jv["rfc"] = v.rfc;
    jv["resend"] = v.resend;
    jv["date"] = IsoTime(head.date);
    jv["committed"] = IsoTime(head.time);
    jv["state"] = model::StateName(v.state);
    jv["subject"] = head.subject.text;
    jv["title"] = v.title;
    jv["author"] = PersonJson(a.people[v.author]);
    jv["total"] = v.total;
    jv["cover"] = IdOrNull(a, v.cover);
    jv["first_patch"] = IdOrNull(a, FirstPatch(v));
    jv["pull"] = IdOrNull(a, v.pull);
    jv["digest"] = DigestOrNull(a, v.head, digests);
    jv["replies"] = v.replies.size();
    jv["repliers"] = activity.repliers.size();
    jv["reviews"] = ReviewsJson(a, activity.reviews);
    jv["cover_reviews"] = ReviewsJson(a, activity.cover_reviews);
    jv["cover_replies"] = activity.cover_replies.size();
    jv["applied"] = nullptr;
    if (v.applied_message >= 0) {
      const model::MessageFacts& note = a.messages[v.applied_message];
      jv["applied"] = {{"by", PersonJson(a.people[v.applied_by])},
                       {"date", IsoTime(note.date)},
                       {"message_id", note.message_id}};
    }
    jv["patches"] = json::array();
    for (const auto& pa : activity.patches) {
      const model::MessageFacts& m = a.messages[pa.message];
      // A single unnumbered patch is patch 1 of 1.
      jv["patches"].push_back({{"number", std::max(m.subject.number, 1)},
                               {"message_id", m.message_id},
                               {"title", m.subject.title()},
                               {"subject", m.subject.text},
                               {"author", PersonJson(a.people[m.author])},
                               {"reviews", ReviewsJson(a, pa.reviews)},
                               {"carried", CarriedJson(pa.carried)},
                               {"replies", pa.replies.size()},
                               {"repliers", pa.repliers.size()},
                               {"notes", a.Notes(m)}});
    }
    jv["replaced"] = json::array();
    for (int r : v.replaced) jv["replaced"].push_back(a.messages[r].message_id);
    jv["changelog"] = model::VersionChangelog(a, vi);
    jv["changes"] = nullptr;
    if (const int previous = model::PreviousVersion(a, vi); previous >= 0) {
      const auto changes = model::ComparePatches(a, previous, vi);
      const ChangeCounts c = Count(changes);
      json rows = json::array();
      for (const auto& ch : changes) {
        const int shown = ch.newer >= 0 ? ch.newer : ch.older;
        rows.push_back({{"change", model::PatchChangeName(ch.change)},
                        {"title", a.messages[shown].subject.title()},
                        {"number", ch.newer >= 0 ? json(std::max(a.messages[ch.newer].subject.number, 1))
                                                 : json(nullptr)},
                        {"previous_number", ch.older >= 0
                                                ? json(std::max(a.messages[ch.older].subject.number, 1))
                                                : json(nullptr)}});
      }
      jv["changes"] = {{"from", model::VersionLabel(a.versions[previous])},
                       {"added", c.added}, {"dropped", c.dropped}, {"changed", c.changed},
                       {"unchanged", c.unchanged}, {"patches", rows}};
    }
    j["versions"].push_back(jv);
  }
  return j;
}

json SeriesPageView(const model::Archive& a, int series, const SiteInfo& site,
                    const DigestIds& digests) {
  const model::Series& s = a.series[series];
  const std::string root = "../../";
  json view = PageBase(site, root, s.title);
  const model::SeriesVersion& newest = a.versions[s.versions.back()];
  const model::Person& author = a.people[s.author];
  view["title"] = s.title;
  view["id"] = s.id;
  view["author"] = author.name;
  view["author_email"] = author.email;
  view["author_url"] = root + PersonPath(author) + "index.html";
  view["state"] = model::StateName(newest.state);
  view["last_activity"] = IsoTime(s.last_activity).substr(0, 10);
  view["version_count"] = s.versions.size();
  view["newest_label"] = model::VersionLabel(newest);
  view["feed_url"] = "feed.xml";
  view["feed_title"] = "Versions of " + s.title;
  view["description"] = "A patch series by " + author.name + " on the " + site.list + " list: " +
                        std::to_string(s.versions.size()) +
                        (s.versions.size() == 1 ? " version" : " versions") + ", newest " +
                        model::VersionLabel(newest) + ", " + model::StateName(newest.state) + ".";
  json timeline = json::array();
  json versions = json::array();
  // Newest first: the version people ask about is the current one.
  for (auto it = s.versions.rbegin(); it != s.versions.rend(); ++it) {
    const int vi = *it;
    const model::SeriesVersion& v = a.versions[vi];
    const model::MessageFacts& head = a.messages[v.head];
    const model::VersionActivity activity = model::ActivityOf(a, vi);
    const std::string anchor = VersionAnchor(a, vi);
    const json digest = DigestOrNull(a, v.head, digests);
    json row;
    row["label"] = model::VersionLabel(v);
    row["anchor"] = anchor;
    row["date"] = IsoTime(head.date).substr(0, 10);
    row["patches"] = v.patches.size();
    row["state"] = model::StateName(v.state);
    row["replies"] = v.replies.size();
    row["reviews"] = activity.reviews.size();
    row["url"] = OrNull(MessageUrl(site, head.message_id));
    row["digest"] = digest;
    row["digest_url"] = digest.is_null() ? json(nullptr)
                                         : json(root + "digests/" + digest.get<std::string>() + "/index.html");
    timeline.push_back(row);

    json jv = row;
    jv["subject"] = head.subject.text;
    jv["author"] = a.people[v.author].name;
    jv["author_url"] = root + PersonPath(a.people[v.author]) + "index.html";
    jv["repliers"] = activity.repliers.size();
    jv["has_cover"] = v.cover >= 0;
    // The cover letter, or the first patch's message when there is none.
    jv["text"] = OrNull(a.Excerpt(head));
    jv["text_label"] = v.cover >= 0 ? "Cover letter" : "First patch";
    if (v.pull >= 0) jv["text_label"] = "Patches of a pull request";
    jv["resend"] = v.resend;
    if (v.applied_message >= 0) {
      const model::MessageFacts& note = a.messages[v.applied_message];
      jv["applied"] = {{"by", a.people[v.applied_by].name},
                       {"by_url", root + PersonPath(a.people[v.applied_by]) + "index.html"},
                       {"date", IsoTime(note.date).substr(0, 10)},
                       {"url", OrNull(MessageUrl(site, note.message_id))}};
    }
    json cover_reviews = json::array();
    for (const auto& r : activity.cover_reviews) {
      cover_reviews.push_back({{"kind", r.kind}, {"name", a.people[r.person].name}});
    }
    jv["cover_reviews"] = cover_reviews;
    jv["has_cover_reviews"] = !cover_reviews.empty();

    std::map<int, std::string> change_of;  // newer patch -> change
    json changes = json::array();
    const int previous = model::PreviousVersion(a, vi);
    if (previous >= 0) {
      const auto comparison = model::ComparePatches(a, previous, vi);
      for (const auto& ch : comparison) {
        if (ch.newer >= 0) change_of[ch.newer] = model::PatchChangeName(ch.change);
        if (ch.change == model::PatchChange::kDropped) {
          changes.push_back({{"title", a.messages[ch.older].subject.title()},
                             {"number", a.messages[ch.older].subject.number}});
        }
      }
      jv["changes"] = {{"from", model::VersionLabel(a.versions[previous])},
                       {"from_anchor", VersionAnchor(a, previous)},
                       {"summary", CountsText(Count(comparison))},
                       {"dropped", changes},
                       {"has_dropped", !changes.empty()}};
    }
    json patches = json::array();
    for (const auto& pa : activity.patches) {
      const model::MessageFacts& m = a.messages[pa.message];
      json reviews = json::array();
      for (const auto& r : pa.reviews) {
        reviews.push_back({{"kind", r.kind}, {"name", a.people[r.person].name}});
      }
      for (const auto& t : pa.carried) {
        reviews.push_back({{"kind", t.kind}, {"name", t.who->name.empty() ? t.who->email : t.who->name},
                           {"carried", true}});
      }
      json p;
      p["number"] = m.subject.numbered() ? std::to_string(m.subject.number) : "";
      p["title"] = m.subject.title();
      p["subject"] = m.subject.text;
      p["url"] = OrNull(MessageUrl(site, m.message_id));
      p["replies"] = pa.replies.size();
      p["repliers"] = pa.repliers.size();
      p["reviews"] = reviews;
      p["has_reviews"] = !reviews.empty();
      p["change"] = change_of.count(pa.message) ? change_of[pa.message] : "";
      p["revision"] = OrNull(m.subject.revision());
      p["notes"] = OrNull(a.Notes(m));
      patches.push_back(p);
    }
    jv["patch_list"] = patches;
    jv["changelog"] = OrNull(model::VersionChangelog(a, vi));
    versions.push_back(jv);
  }
  view["timeline"] = timeline;
  view["versions"] = versions;
  json people = json::array();
  for (int p : PeopleOf(a, s)) {
    people.push_back({{"name", a.people[p].name}, {"email", a.people[p].email},
                      {"url", root + PersonPath(a.people[p]) + "index.html"}});
  }
  view["people"] = people;
  return view;
}

AtomFeed SeriesFeed(const model::Archive& a, int series, const SiteInfo& site) {
  const model::Series& s = a.series[series];
  const std::string page = site.base_url.empty() ? "" : site.base_url + SeriesPath(s);
  AtomFeed feed;
  feed.title = s.title;
  feed.id = page.empty() ? "urn:listdigest:" + site.list + ":series:" + s.id : page;
  feed.link = page;
  feed.self = page.empty() ? "" : page + "feed.xml";
  feed.author = a.people[s.author].name;
  for (auto it = s.versions.rbegin(); it != s.versions.rend(); ++it) {
    const model::SeriesVersion& v = a.versions[*it];
    const model::MessageFacts& head = a.messages[v.head];
    const std::string anchor = VersionAnchor(a, *it);
    AtomEntry e;
    e.title = "[" + model::VersionLabel(v) + "] " + v.title;
    e.id = page.empty() ? "urn:listdigest:" + site.list + ":series:" + s.id + ":" + anchor
                        : page + "#" + anchor;
    e.link = page.empty() ? MessageUrl(site, head.message_id) : page + "#" + anchor;
    e.updated = IsoTime(head.time);
    e.author = a.people[v.author].name;
    e.summary = Plural(v.patches.size(), "patch", "patches") + ", " +
                Plural(v.replies.size(), "reply", "replies") + ", " + model::StateName(v.state);
    const std::string changelog = model::VersionChangelog(a, *it);
    if (!changelog.empty()) e.summary += "\n\n" + changelog;
    feed.entries.push_back(std::move(e));
  }
  return feed;
}

std::vector<SeriesIndexPage> SeriesIndexPages(const model::Archive& a, const SiteInfo& site,
                                              size_t per_page) {
  per_page = std::max<size_t>(per_page, 1);
  std::vector<int> order(a.series.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  std::sort(order.begin(), order.end(), [&a](int x, int y) {
    if (a.series[x].last_activity != a.series[y].last_activity) {
      return a.series[x].last_activity > a.series[y].last_activity;
    }
    return a.series[x].id < a.series[y].id;
  });
  auto state_of = [&a](int s) { return a.versions[a.series[s].versions.back()].state; };
  std::map<std::string, size_t> counts;
  for (int s : order) ++counts[model::StateName(state_of(s))];

  std::vector<SeriesIndexPage> pages;
  // `filter` is "" for every series, else a state name.
  auto emit = [&](const std::string& filter, const std::vector<int>& rows) {
    const std::string base = filter.empty() ? "series/" : "series/state/" + filter + "/";
    const size_t page_count = std::max<size_t>(1, (rows.size() + per_page - 1) / per_page);
    auto path_of = [&base](size_t page) {
      return page == 1 ? base + "index.html" : base + "page/" + std::to_string(page) + "/index.html";
    };
    for (size_t page = 1; page <= page_count; ++page) {
      SeriesIndexPage out;
      out.path = path_of(page);
      std::string root;
      for (char c : out.path) {
        if (c == '/') root += "../";
      }
      std::string title = filter.empty() ? "Series" : "Series: " + filter;
      if (page > 1) title += " (page " + std::to_string(page) + ")";
      json view = PageBase(site, root, title);
      view["heading"] = filter.empty() ? "All series" : "Series in state " + filter;
      view["total"] = rows.size();
      json filters = json::array();
      filters.push_back({{"name", "all"}, {"count", a.series.size()}, {"url", root + "series/index.html"},
                         {"current", filter.empty()}});
      for (model::State st : kStates) {
        const std::string name = model::StateName(st);
        filters.push_back({{"name", name}, {"count", counts[name]},
                           {"url", root + "series/state/" + name + "/index.html"},
                           {"current", filter == name}});
      }
      view["filters"] = filters;
      json list = json::array();
      for (size_t i = (page - 1) * per_page; i < rows.size() && i < page * per_page; ++i) {
        const model::Series& s = a.series[rows[i]];
        const model::SeriesVersion& newest = a.versions[s.versions.back()];
        list.push_back({{"title", s.title},
                        {"url", root + SeriesPath(s) + "index.html"},
                        {"author", a.people[s.author].name},
                        {"author_url", root + PersonPath(a.people[s.author]) + "index.html"},
                        {"label", model::VersionLabel(newest)},
                        {"versions", s.versions.size()},
                        {"patches", newest.patches.size()},
                        {"state", model::StateName(newest.state)},
                        {"last_activity", IsoTime(s.last_activity).substr(0, 10)}});
      }
      view["series"] = list;
      view["empty"] = list.empty();
      json pager = json::array();
      for (size_t p = 1; p <= page_count && page_count > 1; ++p) {
        pager.push_back({{"number", p}, {"url", root + path_of(p)}, {"current", p == page}});
      }
      view["pages"] = pager;
      view["has_pages"] = page_count > 1;
      view["prev_url"] = OrNull(page > 1 ? root + path_of(page - 1) : "");
      view["next_url"] = OrNull(page < page_count ? root + path_of(page + 1) : "");
      out.view = std::move(view);
      pages.push_back(std::move(out));
    }
  };
  emit("", order);
  for (model::State st : kStates) {
    std::vector<int> rows;
    for (int s : order) {
      if (state_of(s) == st) rows.push_back(s);
    }
    emit(model::StateName(st), rows);
  }
  return pages;
}


model::Hash128 DigestInputs(const model::Archive& a, const model::Digest& d,
                            const SiteInfo& site, int top, const DigestIds& digests) {
  ModelHasher h(a, digests);
  h.Site(site);
  h.Number(top);
  h.Text(d.range.id);
  h.Text(d.range.from);
  h.Text(d.range.to);
  h.Number(static_cast<int64_t>(d.range.positions.size()));
  for (size_t position : d.range.positions) h.Number(static_cast<int64_t>(position));
  h.Messages(d.messages);
  h.Number(d.patches);
  h.Number(d.replies);
  h.Number(d.pulls);
  for (const auto* rows : {&d.contributors, &d.reviewers}) {
    h.Number(static_cast<int64_t>(rows->size()));
    for (const auto& r : *rows) {
      h.PersonAt(r.person);
      h.Number(r.count);
    }
  }
  h.Number(static_cast<int64_t>(d.domains.size()));
  for (const auto& r : d.domains) {
    h.Text(r.domain);
    h.Number(r.count);
  }
  h.Number(static_cast<int64_t>(d.versions.size()));
  for (int vi : d.versions) {
    h.Version(vi);
    h.SeriesOf(vi);
  }
  // What waits for review depends on every version near the digest's end:
  // the rows themselves, as the page shows them.
  h.Json(WaitingForReviewView(a, d, site, "../../"));
  return h.Finish();
}

model::Hash128 SeriesInputs(const model::Archive& a, int series, const SiteInfo& site,
                            const DigestIds& digests) {
  ModelHasher h(a, digests);
  h.Site(site);
  const model::Series& s = a.series[series];
  h.Text(s.id);
  h.Text(s.title);
  h.PersonAt(s.author);
  h.Number(s.last_activity);
  h.Number(static_cast<int64_t>(s.versions.size()));
  for (int vi : s.versions) h.Version(vi);
  return h.Finish();
}

}  // namespace listdigest::pages
