#include "model/people.h"

#include <algorithm>
#include <set>

#include "model/series.h"

namespace listdigest::model {
namespace {


// The nearest patch above a message in its thread (the one a review is
// about), or -1. Parents can form a cycle in broken mail: stop there.
int PatchAbove(const Archive& a, int message) {
  std::set<int> seen;
  int at = a.messages[message].parent;
  while (at >= 0 && seen.insert(at).second) {
    if (a.messages[at].is_patch()) return at;
    at = a.messages[at].parent;
  }
  return -1;
}

std::vector<PersonCount> Ranked(const Archive& a, const std::map<int, int>& counts) {
  std::vector<PersonCount> rows;
  for (const auto& [person, count] : counts) rows.push_back({person, count});
  std::sort(rows.begin(), rows.end(), [&a](const PersonCount& x, const PersonCount& y) {
    if (x.count != y.count) return x.count > y.count;
    const Person& px = a.people[x.person];
    const Person& py = a.people[y.person];
    return px.name != py.name ? px.name < py.name : px.email < py.email;
  });
  return rows;
}

std::vector<OrganisationCount> SortedOrganisations(
    std::map<std::string, OrganisationCount> rows,
    const std::map<std::string, std::set<int>>& people) {
  std::vector<OrganisationCount> out;
  for (auto& [name, row] : rows) {
    row.name = name;
    auto it = people.find(name);
    row.people = it == people.end() ? 0 : static_cast<int>(it->second.size());
    out.push_back(row);
  }
  std::sort(out.begin(), out.end(), [](const OrganisationCount& x, const OrganisationCount& y) {
    if (x.patches != y.patches) return x.patches > y.patches;
    if (x.reviews != y.reviews) return x.reviews > y.reviews;
    return x.name < y.name;
  });
  return out;
}

}  // namespace

std::string DomainOf(const std::string& email) {
  const size_t at = email.rfind('@');
  return at == std::string::npos ? email : Lower(email.substr(at + 1));
}

std::string OrganisationOf(const std::string& domain, const Organisations& organisations) {
  for (size_t from = 0; from != std::string::npos && from < domain.size();) {
    auto it = organisations.find(domain.substr(from));
    if (it != organisations.end()) return it->second;
    from = domain.find('.', from);
    if (from != std::string::npos) ++from;
  }
  return domain;
}

std::vector<PersonStats> ComputePeopleStats(const Archive& a) {
  std::vector<PersonStats> stats(a.people.size());
  std::vector<std::map<std::string, int>> names(a.people.size());
  std::vector<std::map<int, int>> reviewed(a.people.size()), reviewed_by(a.people.size());
  std::vector<std::map<std::string, MonthActivity>> months(a.people.size());
  for (size_t i = 0; i < stats.size(); ++i) stats[i].person = static_cast<int>(i);

  for (size_t i = 0; i < a.messages.size(); ++i) {
    const MessageFacts& m = a.messages[i];
    std::set<int> by{m.author, m.sender};
    by.erase(-1);
    for (int p : by) {
      PersonStats& s = stats[p];
      if (s.messages == 0 || m.time < s.first) s.first = m.time;
      if (s.messages == 0 || m.time > s.last) s.last = m.time;
      ++s.messages;
    }
    if (m.author >= 0 && !m.author_as_written->name.empty()) {
      ++names[m.author][m.author_as_written->name];
    }
    const std::string month = PeriodId("month", m.time);
    if (m.is_patch() && m.author >= 0) {
      ++stats[m.author].patches;
      ++months[m.author][month].patches;
    }
    if (m.is_reply() && !m.reviews.empty() && m.sender >= 0) {
      const int reviewer = m.sender;
      ++stats[reviewer].reviews_given;
      ++months[reviewer][month].reviews;
      const int target = PatchAbove(a, static_cast<int>(i));
      const int author = target < 0 ? -1 : a.messages[target].author;
      if (author >= 0 && author != reviewer) {
        ++stats[author].reviews_received;
        ++reviewed_by[author][reviewer];
        ++reviewed[reviewer][author];
      }
    }
  }

  // Versions and series they authored, newest posting first.
  std::vector<int> versions(a.versions.size());
  for (size_t v = 0; v < versions.size(); ++v) versions[v] = static_cast<int>(v);
  std::stable_sort(versions.begin(), versions.end(), [&a](int x, int y) {
    return a.messages[a.versions[x].head].position > a.messages[a.versions[y].head].position;
  });
  std::vector<std::set<int>> series_seen(a.people.size());
  for (int v : versions) {
    const SeriesVersion& version = a.versions[v];
    if (version.author < 0) continue;
    PersonStats& s = stats[version.author];
    s.postings.push_back(v);
    if (version.series >= 0 && series_seen[version.author].insert(version.series).second) {
      s.series.push_back(version.series);
    }
  }

  for (size_t p = 0; p < stats.size(); ++p) {
    PersonStats& s = stats[p];
    for (const auto& [name, count] : names[p]) s.names.push_back({name, count});
    std::stable_sort(s.names.begin(), s.names.end(),
                     [](const NameCount& x, const NameCount& y) { return x.count > y.count; });
    s.reviewed = Ranked(a, reviewed[p]);
    s.reviewed_by = Ranked(a, reviewed_by[p]);
    for (auto& [month, activity] : months[p]) {
      activity.month = month;
      s.months.push_back(activity);
    }
  }
  return stats;
}

std::vector<OrganisationCount> DigestOrganisations(const Archive& a, const Digest& d,
                                                   const Organisations& organisations) {
  std::map<std::string, OrganisationCount> rows;
  std::map<std::string, std::set<int>> people;
  for (const auto& c : d.contributors) {
    const std::string name = OrganisationOf(DomainOf(a.people[c.person].email), organisations);
    rows[name].patches += c.count;
    people[name].insert(c.person);
  }
  for (const auto& c : d.reviewers) {
    const std::string name = OrganisationOf(DomainOf(a.people[c.person].email), organisations);
    rows[name].reviews += c.count;
    people[name].insert(c.person);
  }
  return SortedOrganisations(std::move(rows), people);
}

std::vector<OrganisationCount> ArchiveOrganisations(const Archive& a,
                                                    const std::vector<PersonStats>& stats,
                                                    const Organisations& organisations) {
  std::map<std::string, OrganisationCount> rows;
  std::map<std::string, std::set<int>> people;
  for (const PersonStats& s : stats) {
    if (s.patches == 0 && s.reviews_given == 0) continue;
    const std::string name = OrganisationOf(DomainOf(a.people[s.person].email), organisations);
    rows[name].patches += s.patches;
    rows[name].reviews += s.reviews_given;
    people[name].insert(s.person);
  }
  return SortedOrganisations(std::move(rows), people);
}

}  // namespace listdigest::model
