#include "model/series.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace listdigest::model {
namespace {

constexpr int64_t kDay = 24 * 3600;
constexpr int64_t kNoReplyAfter = 14 * kDay;

std::string FoldedTitle(const std::string& title) {
  std::string out;
  bool space = false;
  for (char c : title) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Patches posted together share author, tags and total: "[PATCH v3 2/4]"
// belongs with "[PATCH v3 0/4]" from the same person.
std::string TagKey(const MessageFacts& m) {
  std::string key = std::to_string(m.author) + "|" + std::to_string(m.subject.version) + "|" +
                    (m.subject.rfc ? "rfc" : "") + "|" + std::to_string(m.subject.total) + "|";
  for (const auto& p : m.subject.prefixes) key += p + " ";
  return key;
}

class Grouper {
 public:
  explicit Grouper(Archive* a) : a_(*a) {}

  void Run() {
    // Covers and unnumbered patches lead their version.
    for (size_t i = 0; i < a_.messages.size(); ++i) {
      const MessageFacts& m = a_.messages[i];
      if (m.is_patch() && (m.subject.number == 0 || !m.subject.numbered())) NewVersion(int(i));
    }
    // A first patch joins its cover, or leads when there is none.
    for (size_t i = 0; i < a_.messages.size(); ++i) {
      const MessageFacts& m = a_.messages[i];
      if (!m.is_patch() || m.subject.number != 1) continue;
      const int v = FindVersionFor(int(i));
      if (v >= 0) Join(v, int(i));
      else NewVersion(int(i));
    }
    for (size_t i = 0; i < a_.messages.size(); ++i) {
      const MessageFacts& m = a_.messages[i];
      if (!m.is_patch() || m.subject.number < 2) continue;
      const int v = FindVersionFor(int(i));
      // A patch whose head never reached the list still is a posting.
      if (v >= 0) Join(v, int(i));
      else NewVersion(int(i));
    }
    for (auto& v : a_.versions) {
      std::stable_sort(v.patches.begin(), v.patches.end(), [this](int x, int y) {
        return a_.messages[x].subject.number < a_.messages[y].subject.number;
      });
    }
    AttachReplies();
    LinkVersions();
    ComputeStates();
  }

 private:
  int NewVersion(int head) {
    MessageFacts& m = a_.messages[head];
    SeriesVersion v;
    v.version = m.subject.version;
    v.rfc = m.subject.rfc;
    v.total = std::max(0, m.subject.total);
    v.head = head;
    if (m.subject.number == 0) v.cover = head;
    else v.patches.push_back(head);
    v.author = m.author;
    v.title = m.subject.title;
    v.date = m.date;
    const int index = static_cast<int>(a_.versions.size());
    m.version = index;
    a_.versions.push_back(std::move(v));
    by_key_[TagKey(m)].push_back(index);
    return index;
  }

  void Join(int version, int message) {
    a_.messages[message].version = version;
    a_.versions[version].patches.push_back(message);
  }

  bool Fits(int version, const MessageFacts& m) const {
    const SeriesVersion& v = a_.versions[version];
    const MessageFacts& head = a_.messages[v.head];
    return head.subject.version == m.subject.version && head.subject.total == m.subject.total &&
           head.subject.number < m.subject.number;
  }

  int FindVersionFor(int message) const {
    const MessageFacts& m = a_.messages[message];
    // By the thread: git send-email makes every patch a reply to the cover
    // (or to the first patch).
    std::vector<int> candidates;
    candidates.push_back(a_.FindMessage(m.in_reply_to));
    for (auto it = m.references.rbegin(); it != m.references.rend(); ++it) {
      candidates.push_back(a_.FindMessage(*it));
    }
    for (int c : candidates) {
      if (c < 0 || c == message) continue;
      const int v = a_.messages[c].version;
      if (v >= 0 && a_.messages[c].is_patch() && a_.versions[v].head == c && Fits(v, m)) return v;
    }
    // Else by author, tags and total within a day of the head.
    auto it = by_key_.find(TagKey(m));
    if (it == by_key_.end()) return -1;
    int best = -1;
    int64_t best_gap = kDay + 1;
    for (int v : it->second) {
      if (!Fits(v, m)) continue;
      const int64_t gap = std::llabs(a_.versions[v].date - m.date);
      if (gap <= kDay && gap < best_gap) best = v, best_gap = gap;
    }
    return best;
  }

  // The version a message discusses: the nearest patch above it in its thread.
  int PatchAncestor(int message) const {
    std::set<int> seen;
    int at = a_.messages[message].parent;
    while (at >= 0 && seen.insert(at).second) {
      if (a_.messages[at].is_patch()) return at;
      at = a_.messages[at].parent;
    }
    return -1;
  }

  void AttachReplies() {
    for (size_t i = 0; i < a_.messages.size(); ++i) {
      MessageFacts& m = a_.messages[i];
      if (m.is_patch()) continue;
      const int patch = PatchAncestor(int(i));
      if (patch < 0) continue;
      m.version = a_.messages[patch].version;
      if (m.version >= 0) a_.versions[m.version].replies.push_back(int(i));
    }
  }

  void LinkVersions() {
    std::map<std::string, int> by_title, by_change_id;
    for (size_t vi = 0; vi < a_.versions.size(); ++vi) {
      SeriesVersion& v = a_.versions[vi];
      const MessageFacts& head = a_.messages[v.head];
      std::string change_id;
      for (const auto& t : head.patch_trailers) {
        if (t.kind == "change-id") change_id = t.value;
      }
      const std::string title_key = std::to_string(v.author) + "|" + FoldedTitle(v.title);
      int s = -1;
      if (!change_id.empty() && by_change_id.count(change_id)) s = by_change_id[change_id];
      else if (by_title.count(title_key)) s = by_title[title_key];
      if (s < 0) {
        Series series;
        series.id = Slugify(v.title) + "-" + ShortHash(head.message_id);
        // Two heads with one Message-ID (a resend stored twice): the commit
        // tells them apart.
        if (!used_ids_.insert(series.id).second) {
          series.id = Slugify(v.title) + "-" + ShortHash(head.commit);
          used_ids_.insert(series.id);
        }
        series.title = v.title;
        series.author = v.author;
        s = static_cast<int>(a_.series.size());
        a_.series.push_back(std::move(series));
      }
      v.series = s;
      a_.series[s].versions.push_back(int(vi));
      by_title[title_key] = s;
      if (!change_id.empty()) by_change_id[change_id] = s;
    }
    for (Series& s : a_.series) {
      std::stable_sort(s.versions.begin(), s.versions.end(), [this](int x, int y) {
        return a_.versions[x].version < a_.versions[y].version;
      });
      s.title = a_.versions[s.versions.back()].title;
    }
  }

  bool HasReview(const MessageFacts& m) const {
    for (const auto& t : m.patch_trailers) {
      if (t.kind == "Reviewed-by" || t.kind == "Acked-by" || t.kind == "Tested-by") return true;
    }
    return false;
  }

  void ComputeStates() {
    for (SeriesVersion& v : a_.versions) {
      std::set<int> reviewed;  // patch messages with a review
      bool all = false;        // a review of the cover letter covers every patch
      for (int p : v.patches) {
        if (HasReview(a_.messages[p])) reviewed.insert(p);
      }
      for (int r : v.replies) {
        const MessageFacts& reply = a_.messages[r];
        if (reply.applied_note && v.applied_by < 0) v.applied_by = reply.sender;
        if (reply.reviews.empty()) continue;
        const int target = PatchAncestor(r);
        if (target == v.cover) all = true;
        else reviewed.insert(target);
      }
      const bool every = !v.patches.empty() && (all || reviewed.size() >= v.patches.size());
      const Series& s = a_.series[v.series];
      const SeriesVersion& newest = a_.versions[s.versions.back()];
      if (v.applied_by >= 0) v.state = State::kApplied;
      else if (&newest != &v && newest.version > v.version) v.state = State::kSuperseded;
      else if (every) v.state = State::kReviewed;
      else if (v.replies.empty() &&
               a_.newest_time - a_.messages[v.head].time > kNoReplyAfter) v.state = State::kNoReply;
      else v.state = State::kNew;
    }
  }

  Archive& a_;
  std::map<std::string, std::vector<int>> by_key_;
  std::set<std::string> used_ids_;
};

}  // namespace

std::string Slugify(std::string_view text, size_t max) {
  std::string out;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 128) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= max) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "x" : out;
}

std::string ShortHash(std::string_view text, int digits) {
  uint64_t h = 1469598103934665603ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string(buf, static_cast<size_t>(std::clamp(digits, 1, 16)));
}

void GroupSeries(Archive* archive) {
  Grouper(archive).Run();
  // Series are listed by id; versions keep pointing at them by index.
  std::vector<int> order(archive->series.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  std::sort(order.begin(), order.end(), [archive](int x, int y) {
    return archive->series[x].id < archive->series[y].id;
  });
  std::vector<int> new_index(order.size());
  std::vector<Series> sorted;
  for (size_t i = 0; i < order.size(); ++i) {
    new_index[order[i]] = int(i);
    sorted.push_back(std::move(archive->series[order[i]]));
  }
  archive->series = std::move(sorted);
  for (auto& v : archive->versions) v.series = new_index[v.series];
}

}  // namespace listdigest::model
