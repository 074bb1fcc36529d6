#include "model/digest.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "archive/inbox.h"

#include "model/series.h"

namespace listdigest::model {
namespace {


std::vector<PersonCount> SortedPeople(const Archive& a, const std::map<int, int>& counts) {
  std::vector<PersonCount> rows;
  for (const auto& [person, count] : counts) rows.push_back({person, count});
  std::sort(rows.begin(), rows.end(), [&a](const PersonCount& x, const PersonCount& y) {
    if (x.count != y.count) return x.count > y.count;
    const Person& px = a.people[x.person];
    const Person& py = a.people[y.person];
    if (px.name != py.name) return px.name < py.name;
    return px.email < py.email;
  });
  return rows;
}

}  // namespace

std::string PeriodId(const std::string& period, int64_t time) {
  const std::time_t t = static_cast<std::time_t>(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const char* format = period == "week" ? "%G-W%V" : period == "month" ? "%Y-%m" : "%Y-%m-%d";
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::vector<DigestRange> PeriodRanges(const archive::Inbox& inbox, const std::string& period) {
  std::map<std::string, DigestRange> by_id;  // ids sort by time
  const auto& commits = inbox.commits();
  for (size_t i = 0; i < commits.size(); ++i) {
    const archive::Commit& c = commits[i];
    if (c.kind != archive::CommitKind::kMessage || c.deleted) continue;
    const std::string id = PeriodId(period, c.time);
    DigestRange& r = by_id[id];
    if (r.positions.empty()) {
      r.id = id;
      r.period = true;
      r.from = c.id;
    }
    r.positions.push_back(i);
    r.to = c.id;
  }
  std::vector<DigestRange> ranges;
  for (auto& [id, r] : by_id) ranges.push_back(std::move(r));
  return ranges;
}

bool ExplicitRange(const archive::Inbox& inbox, const std::string& from, const std::string& to,
                   DigestRange* range, std::string* err) {
  archive::Range r;
  if (!inbox.ResolveRange(from, to, &r, err)) return false;
  range->from = r.from;
  range->to = r.to;
  range->positions = std::move(r.messages);
  range->id = r.from.substr(0, 9) + ".." + r.to.substr(0, 9);
  range->period = false;
  return true;
}

Digest ComputeDigest(const Archive& a, const DigestRange& range) {
  Digest d;
  d.range = range;
  std::map<int, int> contributors, reviewers;
  std::map<std::string, int> domains;
  std::map<int, size_t> versions;  // version -> newest position of its messages in range
  for (size_t position : range.positions) {
    const int index = a.MessageAt(position);
    if (index < 0) continue;
    const MessageFacts& m = a.messages[index];
    d.messages.push_back(index);
    if (m.is_reply()) {
      ++d.replies;
      if (!m.reviews.empty()) ++reviewers[m.sender];
    }
    if (m.is_pull()) ++d.pulls;
    if (!m.is_patch()) continue;
    ++d.patches;
    ++contributors[m.author];
    const std::string& email = a.people[m.author].email;
    const size_t at = email.rfind('@');
    ++domains[at == std::string::npos ? email : Lower(email.substr(at + 1))];
    if (m.version >= 0) {
      size_t& newest = versions[m.version];
      newest = std::max(newest, a.messages[a.versions[m.version].head].position);
    }
  }
  d.contributors = SortedPeople(a, contributors);
  d.reviewers = SortedPeople(a, reviewers);
  for (const auto& [domain, count] : domains) d.domains.push_back({domain, count});
  std::sort(d.domains.begin(), d.domains.end(), [](const DomainCount& x, const DomainCount& y) {
    return x.count != y.count ? x.count > y.count : x.domain < y.domain;
  });
  for (const auto& [version, position] : versions) d.versions.push_back(version);
  std::sort(d.versions.begin(), d.versions.end(), [&a](int x, int y) {
    return a.messages[a.versions[x].head].position > a.messages[a.versions[y].head].position;
  });
  return d;
}

}  // namespace listdigest::model
