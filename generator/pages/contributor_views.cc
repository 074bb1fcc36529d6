#include "pages/contributor_views.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "pages/atom.h"
#include "pages/inputs.h"

namespace listdigest::pages {
namespace {

using nlohmann::json;

// Chart geometry, in SVG user units (pixels at natural size). A month is a
// slot of two bars (patches, reviews) and a gap; slots narrow as months add
// up, and the page's CSS scales the whole chart down to the column.
constexpr int kWidth = 720;  // months share about this much
constexpr int kMinSlot = 10;
constexpr int kMaxSlot = 40;
constexpr int kLeft = 40;  // room for the y axis labels
constexpr int kTop = 10;
constexpr int kPlot = 120;       // height of the tallest bar
constexpr int kBottom = 22;      // room for the month labels
constexpr int kRight = 40;       // room for the last label
constexpr int kLabelWidth = 50;  // "2021-03" at 10px, and some air

// "2021-12" -> "2022-01".
std::string NextMonth(const std::string& month) {
  int year = 0, number = 0;
  std::sscanf(month.c_str(), "%d-%d", &year, &number);
  if (++number > 12) number = 1, ++year;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, number);
  return buf;
}

std::string Plural(int count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

std::string Day(int64_t time) { return IsoTime(time).substr(0, 10); }

std::string OrganisationOfPerson(const model::Person& p, const SiteInfo& site) {
  return model::OrganisationOf(model::DomainOf(p.email), site.organisations);
}

json PersonRows(const model::Archive& a, const std::vector<model::PersonCount>& rows,
                const std::string& root) {
  json out = json::array();
  for (const auto& r : rows) {
    const model::Person& p = a.people[r.person];
    out.push_back({{"name", p.name},
                   {"email", p.email},
                   {"slug", p.slug},
                   {"count", r.count},
                   {"url", root + PersonPath(p) + "index.html"}});
  }
  return out;
}

std::string VersionList(const model::Archive& a, const model::Series& s) {
  std::string out;
  for (int v : s.versions) {
    out += (out.empty() ? "v" : ", v") + std::to_string(a.versions[v].version);
    if (a.versions[v].rfc) out += " RFC";
  }
  return out;
}

}  // namespace

json ContributorJson(const model::Archive& a, const model::PersonStats& s, const SiteInfo& site) {
  const model::Person& p = a.people[s.person];
  json j;
  j["slug"] = p.slug;
  j["name"] = p.name;
  j["email"] = p.email;
  j["emails"] = p.emails;
  j["names"] = json::array();
  for (const auto& n : s.names) j["names"].push_back({{"name", n.name}, {"count", n.count}});
  j["organisation"] = OrganisationOfPerson(p, site);
  j["first"] = IsoTime(s.first);
  j["last"] = IsoTime(s.last);
  j["messages"] = s.messages;
  j["patches"] = s.patches;
  j["reviews_given"] = s.reviews_given;
  j["reviews_received"] = s.reviews_received;
  j["series"] = json::array();
  for (int si : s.series) j["series"].push_back(a.series[si].id);
  auto people = [&a](const std::vector<model::PersonCount>& rows) {
    json out = json::array();
    for (const auto& r : rows) {
      const model::Person& q = a.people[r.person];
      out.push_back({{"name", q.name}, {"email", q.email}, {"slug", q.slug}, {"count", r.count}});
    }
    return out;
  };
  j["reviewed"] = people(s.reviewed);
  j["reviewed_by"] = people(s.reviewed_by);
  j["months"] = json::array();
  for (const auto& m : s.months) {
    j["months"].push_back({{"month", m.month}, {"patches", m.patches}, {"reviews", m.reviews}});
  }
  return j;
}

json ActivityChart(const std::vector<model::MonthActivity>& months) {
  if (months.empty()) return json::object();
  std::map<std::string, const model::MonthActivity*> by_month;
  int most = 1;
  for (const auto& m : months) {
    by_month[m.month] = &m;
    most = std::max({most, m.patches, m.reviews});
  }
  std::vector<std::string> axis;
  for (std::string m = months.front().month; m <= months.back().month; m = NextMonth(m)) {
    axis.push_back(m);
  }
  const int n = static_cast<int>(axis.size());
  const int slot = std::clamp(kWidth / n, kMinSlot, kMaxSlot);
  const int bar = (slot - 4) / 2;
  // Wide slots can name every month; narrow ones only the years.
  const bool every_month = slot * 2 >= kLabelWidth;
  const int width = kLeft + n * slot + kRight;
  const int height = kTop + kPlot + kBottom;
  const int base = kTop + kPlot;
  json bars = json::array(), labels = json::array(), grid = json::array();
  int last_label = -kLabelWidth;
  for (int i = 0; i < n; ++i) {
    const int x = kLeft + i * slot + 2;
    auto it = by_month.find(axis[i]);
    if (it != by_month.end()) {
      const std::pair<const char*, int> kinds[] = {{"patches", it->second->patches},
                                                   {"reviews", it->second->reviews}};
      int offset = 0;
      for (const auto& [kind, count] : kinds) {
        if (count > 0) {
          // Rounded to whole units, but never so small that a count vanishes.
          const int h = std::max(1, (count * kPlot + most / 2) / most);
          const std::string what = kind[0] == 'p' ? Plural(count, "patch", "patches")
                                                  : Plural(count, "review", "reviews");
          bars.push_back({{"kind", kind},
                          {"month", axis[i]},
                          {"count", count},
                          {"x", x + offset},
                          {"y", base - h},
                          {"width", bar},
                          {"height", h},
                          {"title", axis[i] + ": " + what}});
        }
        offset += bar + 1;
      }
    }
    // The first month, then months (or Januaries) where there is room.
    const bool candidate = every_month || axis[i].compare(5, 2, "01") == 0;
    if (i == 0 || (candidate && x - last_label >= kLabelWidth)) {
      const std::string text = i == 0 || every_month ? axis[i] : axis[i].substr(0, 4);
      labels.push_back({{"x", x}, {"y", base + 15}, {"text", text}});
      last_label = x;
    }
  }
  for (int value : {most, most / 2}) {
    if (value <= 0 || (value == most / 2 && most < 2)) continue;
    const int y = base - (value * kPlot + most / 2) / most;
    grid.push_back({{"y", y},
                    {"x1", kLeft},
                    {"x2", width - kRight},
                    {"label", value},
                    {"label_x", kLeft - 4},
                    {"label_y", y + 4}});
  }
  return {{"width", width}, {"height", height},     {"bars", bars}, {"labels", labels},
          {"grid", grid},   {"base", base},         {"x1", kLeft},  {"x2", width - kRight},
          {"most", most},   {"months", axis.size()}};
}

json ContributorPageView(const model::Archive& a, const model::PersonStats& s,
                         const SiteInfo& site) {
  const std::string root = "../../";
  const model::Person& p = a.people[s.person];
  json view = PageBase(site, root, p.name);
  view["person"] = {{"name", p.name},
                    {"email", p.email},
                    {"slug", p.slug},
                    {"organisation", OrganisationOfPerson(p, site)},
                    {"domain", model::DomainOf(p.email)}};
  view["addresses"] = p.emails;
  json names = json::array();
  for (const auto& n : s.names) names.push_back({{"name", n.name}, {"count", n.count}});
  view["names"] = names;
  view["messages"] = s.messages;
  view["patches"] = s.patches;
  view["reviews_given"] = s.reviews_given;
  view["reviews_received"] = s.reviews_received;
  view["series_count"] = s.series.size();
  view["first"] = Day(s.first);
  view["last"] = Day(s.last);
  view["first_iso"] = IsoTime(s.first);
  view["last_iso"] = IsoTime(s.last);
  view["feed_url"] = "feed.xml";
  view["feed_title"] = "Postings by " + p.name;
  view["description"] = p.name + " on the " + site.list + " list: " + std::to_string(s.patches) +
                        " patches, " + std::to_string(s.reviews_given) + " reviews given, " +
                        std::to_string(s.series.size()) + " series, " + Day(s.first) + " to " +
                        Day(s.last) + ".";
  const json chart = ActivityChart(s.months);
  view["has_chart"] = !chart.empty();
  view["chart"] = chart;
  json months = json::array();
  for (const auto& m : s.months) {
    months.push_back({{"month", m.month}, {"patches", m.patches}, {"reviews", m.reviews}});
  }
  view["months"] = months;
  json series = json::array();
  for (int si : s.series) {
    const model::Series& x = a.series[si];
    const model::SeriesVersion& newest = a.versions[x.versions.back()];
    series.push_back({{"id", x.id},
                      {"title", x.title},
                      {"url", root + SeriesPath(x) + "index.html"},
                      {"state", model::StateName(newest.state)},
                      {"versions", VersionList(a, x)},
                      {"date", Day(a.messages[newest.head].time)}});
  }
  view["series"] = series;
  view["has_series"] = !series.empty();
  view["reviewed"] = PersonRows(a, s.reviewed, root);
  view["has_reviewed"] = !s.reviewed.empty();
  view["reviewed_by"] = PersonRows(a, s.reviewed_by, root);
  view["has_reviewed_by"] = !s.reviewed_by.empty();
  return view;
}

json ContributorsIndexView(const model::Archive& a, const std::vector<model::PersonStats>& stats,
                           const SiteInfo& site) {
  json view = PageBase(site, "../", site.list + " contributors");
  std::vector<const model::PersonStats*> order;
  for (const auto& s : stats) order.push_back(&s);
  std::sort(order.begin(), order.end(),
            [&a](const model::PersonStats* x, const model::PersonStats* y) {
              if (x->patches != y->patches) return x->patches > y->patches;
              if (x->reviews_given != y->reviews_given) return x->reviews_given > y->reviews_given;
              const model::Person& px = a.people[x->person];
              const model::Person& py = a.people[y->person];
              return px.name != py.name ? px.name < py.name : px.email < py.email;
            });
  json rows = json::array();
  for (const model::PersonStats* s : order) {
    const model::Person& p = a.people[s->person];
    std::string filter = p.name;
    for (const auto& e : p.emails) filter += " " + e;
    rows.push_back({{"name", p.name},
                    {"email", p.email},
                    {"url", p.slug + "/index.html"},
                    {"organisation", OrganisationOfPerson(p, site)},
                    {"patches", s->patches},
                    {"reviews", s->reviews_given},
                    {"received", s->reviews_received},
                    {"last", Day(s->last)},
                    {"last_iso", IsoTime(s->last)},
                    {"filter", filter}});
  }
  view["people"] = rows;
  view["people_count"] = rows.size();
  json organisations = json::array();
  for (const auto& o : model::ArchiveOrganisations(a, stats, site.organisations)) {
    organisations.push_back(
        {{"name", o.name}, {"patches", o.patches}, {"reviews", o.reviews}, {"people", o.people}});
  }
  view["organisations"] = organisations;
  view["organisations_title"] = site.organisations.empty() ? "Email domains" : "Organisations";
  return view;
}

std::string ContributorFeed(const model::Archive& a, const model::PersonStats& s,
                            const SiteInfo& site) {
  const model::Person& p = a.people[s.person];
  const std::string page = site.base_url.empty() ? "" : site.base_url + PersonPath(p);
  AtomFeed feed;
  feed.title = site.list + ": patch postings by " + p.name;
  feed.id = page.empty() ? "urn:listdigest:" + site.list + ":contributor:" + p.slug : page;
  feed.link = page;
  feed.self = page.empty() ? "" : page + "feed.xml";
  feed.author = p.name;
  for (size_t i = 0; i < s.postings.size() && i < 50; ++i) {
    const model::SeriesVersion& v = a.versions[s.postings[i]];
    const model::MessageFacts& head = a.messages[v.head];
    const std::string message_url = MessageUrl(site, head.message_id);
    AtomEntry e;
    e.title = head.subject.text;
    e.id = message_url.empty() ? "urn:listdigest:" + site.list + ":message:" + head.message_id
                               : message_url;
    e.link = site.base_url.empty() || v.series < 0 ? message_url
                                                   : site.base_url + SeriesPath(a.series[v.series]);
    e.updated = IsoTime(head.time);
    e.author = p.name;
    e.summary = a.Excerpt(head);
    if (e.summary.empty()) e.summary = v.title;
    feed.entries.push_back(std::move(e));
  }
  return RenderAtom(feed);
}

model::Hash128 ContributorInputs(const model::Archive& a, const model::PersonStats& s,
                                 const SiteInfo& site) {
  InputHasher h;
  h.Site(site);
  h.Person(a.people[s.person]);
  h.Number(static_cast<int64_t>(s.names.size()));
  for (const auto& n : s.names) {
    h.Text(n.name);
    h.Number(n.count);
  }
  for (int64_t n : {int64_t{s.messages}, int64_t{s.patches}, int64_t{s.reviews_given},
                    int64_t{s.reviews_received}, s.first, s.last}) {
    h.Number(n);
  }
  h.Number(static_cast<int64_t>(s.series.size()));
  for (int si : s.series) {
    const model::Series& x = a.series[si];
    const model::SeriesVersion& newest = a.versions[x.versions.back()];
    h.Text(x.id);
    h.Text(x.title);
    h.Number(static_cast<int>(newest.state));
    h.Number(a.messages[newest.head].time);
    h.Number(static_cast<int64_t>(x.versions.size()));
    for (int v : x.versions) {
      h.Number(a.versions[v].version);
      h.Number(a.versions[v].rfc);
    }
  }
  // The feed: the newest 50 postings.
  const size_t postings = std::min<size_t>(s.postings.size(), 50);
  h.Number(static_cast<int64_t>(postings));
  for (size_t i = 0; i < postings; ++i) {
    const model::SeriesVersion& v = a.versions[s.postings[i]];
    h.Text(a.messages[v.head].commit.text().view());
    h.Text(v.series < 0 ? std::string_view("\x01no series") : std::string_view(a.series[v.series].id));
    h.Text(v.title);
  }
  for (const auto* rows : {&s.reviewed, &s.reviewed_by}) {
    h.Number(static_cast<int64_t>(rows->size()));
    for (const auto& r : *rows) {
      h.Person(a.people[r.person]);
      h.Number(r.count);
    }
  }
  h.Number(static_cast<int64_t>(s.months.size()));
  for (const auto& m : s.months) {
    h.Text(m.month);
    h.Number(m.patches);
    h.Number(m.reviews);
  }
  return h.Finish();
}

}  // namespace listdigest::pages
