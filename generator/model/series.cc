#include "model/series.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>
#include <tuple>

#include "model/patch_text.h"

namespace listdigest::model {
namespace {

constexpr int64_t kDay = 24 * 3600;
constexpr int64_t kNoReplyAfter = 14 * kDay;

std::string FoldedTitle(std::string_view title) {
  std::string out;
  out.reserve(title.size());
  bool space = false;
  for (char c : title) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// A tag word that asks for no new version: "RESEND", "resend", "(RESEND)".
bool IsResendWord(const std::string& word) {
  std::string letters;
  for (char c : word) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      letters += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return letters == "resend" || letters == "repost";
}

bool IsResend(const MessageFacts& m) {
  for (const auto& p : m.subject.prefixes) {
    if (IsResendWord(p)) return true;
  }
  return false;
}

// The project a patch is for, from its other tag words: "[PATCH kvmtool v3
// 0/9] arm64: …" and "[PATCH v3 0/9] arm64: …" with one title are two series.
std::string ProjectKey(const MessageFacts& m) {
  std::string key;
  for (const auto& p : m.subject.prefixes) {
    if (IsResendWord(p)) continue;
    key += FoldedTitle(p) + " ";
  }
  return key;
}

// Patches posted together share author, tags and total: "[PATCH v3 2/4]"
// belongs with "[PATCH v3 0/4]" from the same person.
std::string TagKey(const MessageFacts& m) {
  std::string key = std::to_string(m.author) + "|" + std::to_string(m.subject.version) + "|" +
                    std::string(m.subject.revision()) + "|" + (m.subject.rfc ? "rfc" : "") + "|" +
                    std::to_string(m.subject.total) + "|";
  for (const auto& p : m.subject.prefixes) key += p + " ";
  return key;
}

// "5.5" sorts after "5" and before "6": the part after the dot, as a number.
int MinorRevision(const std::string& revision) {
  const size_t dot = revision.find('.');
  if (dot == std::string::npos || dot + 1 >= revision.size()) return 0;
  const std::string minor = revision.substr(dot + 1, 6);
  return std::atoi(minor.c_str());
}

bool IsReviewTrailer(const Trailer& t) {
  return t.kind == "Reviewed-by" || t.kind == "Acked-by" || t.kind == "Tested-by";
}

class Grouper {
 public:
  explicit Grouper(Archive* a) : a_(*a) {}

  void Run() {
    // A second message with a Message-ID already seen (a mail sent twice
    // with one id) is the same patch: it is not grouped again.
    std::vector<int> duplicates;
    std::vector<char> first_copy(a_.messages.size(), 0);
    for (size_t i = 0; i < a_.messages.size(); ++i) {
      const MessageFacts& m = a_.messages[i];
      if (!m.is_patch()) continue;
      if (a_.FindMessage(m.message_id) == int(i)) first_copy[i] = 1;
      else duplicates.push_back(int(i));
    }
    auto groupable = [&first_copy](size_t i) { return first_copy[i] != 0; };
    // Covers and unnumbered patches lead their version.
    for (size_t i = 0; i < a_.messages.size(); ++i) {
      const MessageFacts& m = a_.messages[i];
      if (groupable(i) && (m.subject.number == 0 || !m.subject.numbered())) NewVersion(int(i));
    }
    // A first patch joins its cover, or leads when there is none; then the
    // other patches. A patch whose head never reached the list still is a
    // posting.
    for (const bool first : {true, false}) {
      for (size_t i = 0; i < a_.messages.size(); ++i) {
        const MessageFacts& m = a_.messages[i];
        if (!groupable(i) || m.subject.number < 1 || (m.subject.number == 1) != first) continue;
        if (int v = PartialRerollOf(int(i)); v >= 0) {
          Join(v, int(i));
          continue;
        }
        // "[PATCH 04/23] arm64: kvm: Fix IDMAP overlap with HYP VA" answering
        // "[GIT PULL 00/23] KVM/arm updates for 5.6": the pull's patches are
        // one posting, whoever wrote each, and no new version of the
        // series they were first posted in.
        if (const int pull = PullAbove(m); pull >= 0) {
          auto [it, added] = pull_versions_.emplace(pull, -1);
          if (added) {
            it->second = NewVersion(int(i));
            a_.versions[it->second].pull = pull;
            a_.versions[it->second].title = a_.messages[pull].subject.title();
            a_.versions[it->second].author = a_.messages[pull].author;
          } else {
            Join(it->second, int(i));
          }
          continue;
        }
        const int v = FindVersionFor(int(i));
        if (v >= 0) Join(v, int(i));
        else NewVersion(int(i));
      }
    }
    for (int d : duplicates) {
      a_.messages[d].version = a_.messages[a_.FindMessage(a_.messages[d].message_id)].version;
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
    v.revision = m.subject.revision();
    v.rfc = m.subject.rfc;
    v.resend = IsResend(m);
    v.total = std::max(0, m.subject.total);
    v.head = head;
    if (m.subject.number == 0) v.cover = head;
    else v.patches.push_back(head);
    v.author = m.author;
    v.title = m.subject.title();
    v.date = m.date;
    const int index = static_cast<int>(a_.versions.size());
    m.version = index;
    a_.versions.push_back(std::move(v));
    by_key_[TagKey(m)].push_back(index);
    return index;
  }

  // Adds a patch to a version. A second patch with the same number (a
  // partial re-roll "[PATCH v5.1 10/12]", or "[PATCH v5 10/12]" sent again
  // in the thread) takes the place of the first, which moves to `replaced`.
  void Join(int version, int message) {
    SeriesVersion& v = a_.versions[version];
    a_.messages[message].version = version;
    const int number = a_.messages[message].subject.number;
    for (int& p : v.patches) {
      if (a_.messages[p].subject.number == number) {
        v.replaced.push_back(p);
        p = message;
        return;
      }
    }
    v.patches.push_back(message);
  }

  // Whether patch `m` can belong to `version`. In the cover letter's thread
  // the author's totals may differ: "[RFC PATCH v4 0/6]" was followed by
  // five patches "[RFC PATCH v4 1/5]" … "5/5".
  bool Fits(int version, const MessageFacts& m, bool in_thread) const {
    const SeriesVersion& v = a_.versions[version];
    const MessageFacts& head = a_.messages[v.head];
    const bool same_author_in_thread = in_thread && head.author == m.author;
    // "[RFC PATCH 3/9]" answering "[RFC PATCH v10 0/9]": the version was
    // left out of the patches' subjects.
    const bool untagged = same_author_in_thread && m.subject.version == 1 &&
                          m.subject.tags().find_first_of("vV") == std::string::npos;
    return (head.subject.version == m.subject.version || untagged) &&
           head.subject.revision() == m.subject.revision() &&
           (head.subject.total == m.subject.total || same_author_in_thread) &&
           head.subject.number < m.subject.number;
  }

  // The messages a patch answers, nearest first: In-Reply-To, then
  // References from the newest.
  std::vector<int> ThreadAbove(const MessageFacts& m) const {
    std::vector<int> above;
    for (uint64_t key : m.above) above.push_back(a_.FindKey(key));
    return above;
  }

  int PullAbove(const MessageFacts& m) const {
    for (int c : ThreadAbove(m)) {
      if (c >= 0 && a_.messages[c].is_pull()) return c;
    }
    return -1;
  }

  // "[PATCH v5.1 10/12]" in the thread of v5: the version it re-rolls a
  // patch of, or -1.
  int PartialRerollOf(int message) const {
    const MessageFacts& m = a_.messages[message];
    if (m.subject.revision().empty() || m.subject.revision().find('.') == std::string::npos) return -1;
    for (int c : ThreadAbove(m)) {
      if (c < 0 || c == message || !a_.messages[c].is_patch()) continue;
      const int v = a_.messages[c].version;
      if (v < 0) continue;
      const SeriesVersion& target = a_.versions[v];
      if (target.version == m.subject.version && target.revision != m.subject.revision()) return v;
    }
    return -1;
  }

  int FindVersionFor(int message) const {
    const MessageFacts& m = a_.messages[message];
    // By the thread: git send-email makes every patch a reply to the cover
    // (or to the first patch).
    for (int c : ThreadAbove(m)) {
      if (c < 0 || c == message) continue;
      const int v = a_.messages[c].version;
      if (v >= 0 && a_.messages[c].is_patch() && a_.versions[v].head == c && Fits(v, m, true)) {
        return v;
      }
    }
    // Else by author, tags and total within a day of the head.
    auto it = by_key_.find(TagKey(m));
    if (it == by_key_.end()) return -1;
    int best = -1;
    int64_t best_gap = kDay + 1;
    for (int v : it->second) {
      if (!Fits(v, m, false)) continue;
      const int64_t gap = std::llabs(a_.versions[v].date - m.date);
      if (gap <= kDay && gap < best_gap) best = v, best_gap = gap;
    }
    return best;
  }

  void AttachReplies() {
    for (size_t i = 0; i < a_.messages.size(); ++i) {
      MessageFacts& m = a_.messages[i];
      if (m.is_patch()) continue;
      const int patch = PatchAncestor(a_, int(i));
      if (patch < 0) continue;
      m.version = a_.messages[patch].version;
      if (m.version >= 0) a_.versions[m.version].replies.push_back(int(i));
    }
  }

  // The first message of a version in archive order: what its series id
  // comes from, so that the id never changes when a cover letter committed
  // after its patches arrives in a later build.
  int Anchor(const SeriesVersion& v) const {
    int anchor = v.head;
    auto consider = [&](int m) {
      if (m >= 0 && a_.messages[m].position < a_.messages[anchor].position) anchor = m;
    };
    consider(v.cover);
    for (int p : v.patches) consider(p);
    for (int p : v.replaced) consider(p);
    return anchor;
  }

  std::string ChangeId(const SeriesVersion& v) const {
    std::string change_id;
    for (int m : {v.cover, v.head}) {
      if (m < 0) continue;
      for (const auto& t : a_.messages[m].trailers) {
        if (t.kind == "change-id" && change_id.empty()) change_id = t.value;
      }
    }
    return change_id;
  }

  // A series an earlier version of which `vi`'s cover letter links to
  // ("v2: https://lore.kernel.org/kvmarm/<id>/"), or -1. The series must not
  // have this version number yet: "[PATCH v2] KVM: arm64: Skip more of the
  // SError vaxorcism" says "previously posted as part of: [v1] <link>", but
  // that series had its own v2 already; it goes on apart.
  int LinkedSeries(int vi) const {
    const SeriesVersion& v = a_.versions[vi];
    const MessageFacts& head = a_.messages[v.head];
    for (const std::string& id : head.version_links.get()) {
      const int target = a_.FindMessage(id);
      if (target < 0) continue;
      const int tv = a_.messages[target].version;
      if (tv < 0 || tv == vi || a_.versions[tv].series < 0) continue;
      bool continues = true;
      for (int other : a_.series[a_.versions[tv].series].versions) {
        const SeriesVersion& o = a_.versions[other];
        continues = continues && (o.version < v.version ||
                                  (o.version == v.version && ((o.rfc && !v.rfc) || v.resend)));
      }
      if (continues) return a_.versions[tv].series;
    }
    return -1;
  }

  void LinkVersions() {
    std::vector<int> order(a_.versions.size());
    std::vector<size_t> anchor_position(a_.versions.size());
    for (size_t vi = 0; vi < a_.versions.size(); ++vi) {
      order[vi] = int(vi);
      anchor_position[vi] = a_.messages[Anchor(a_.versions[vi])].position;
    }
    std::sort(order.begin(), order.end(),
              [&](int x, int y) { return anchor_position[x] < anchor_position[y]; });
    std::unordered_map<std::string, int> by_title, by_first_patch, by_patch_title, by_change_id;
    for (int vi : order) {
      SeriesVersion& v = a_.versions[vi];
      const MessageFacts& head = a_.messages[v.head];
      const std::string who = std::to_string(v.author) + "|" + ProjectKey(head) + "|";
      const std::string change_id = ChangeId(v);
      const std::string title_key = who + FoldedTitle(v.title);
      auto find = [](const std::unordered_map<std::string, int>& map, const std::string& key) {
        auto it = map.find(key);
        return it == map.end() ? -1 : it->second;
      };
      int s = -1;
      const bool pull = v.pull >= 0;  // a pull request's patches are a series of their own
      if (!pull && !change_id.empty()) s = find(by_change_id, change_id);
      if (!pull && s < 0) s = LinkedSeries(vi);
      if (!pull && s < 0) s = find(by_title, title_key);
      // Without its cover letter a version is known by its first patch,
      // and a partial re-roll by any of its patches.
      if (!pull && s < 0 && v.cover < 0 && head.subject.number == 1) {
        s = find(by_first_patch, title_key);
      }
      if (!pull && s < 0 && v.cover < 0 && !v.revision.empty()) {
        s = find(by_patch_title, title_key);
      }
      if (s < 0) {
        const MessageFacts& anchor = a_.messages[Anchor(v)];
        Series series;
        const std::string title = pull ? v.title : std::string(anchor.subject.title());
        series.id = Slugify(title) + "-" + ShortHash(anchor.message_id);
        // Two anchors with one Message-ID cannot happen (the second copy of
        // an id is never grouped), but a hash can collide: the commit
        // tells them apart.
        if (!used_ids_.insert(series.id).second) {
          series.id = Slugify(title) + "-" + ShortHash(anchor.commit.text().view());
          used_ids_.insert(series.id);
        }
        series.title = v.title;
        series.author = v.author;
        s = static_cast<int>(a_.series.size());
        a_.series.push_back(std::move(series));
      }
      v.series = s;
      a_.series[s].versions.push_back(vi);
      if (pull) continue;
      by_title[title_key] = s;
      if (!v.patches.empty()) {
        by_first_patch[who + FoldedTitle(a_.messages[v.patches.front()].subject.title())] = s;
      }
      for (int p : v.patches) by_patch_title[who + FoldedTitle(a_.messages[p].subject.title())] = s;
      if (!change_id.empty()) by_change_id[change_id] = s;
    }
    // Versions in the order they were posted: "[RFC PATCH v3]" followed by
    // "[PATCH v1]" is a step forward, not back.
    for (Series& s : a_.series) {
      std::sort(s.versions.begin(), s.versions.end(),
                [&](int x, int y) { return anchor_position[x] < anchor_position[y]; });
      std::set<std::tuple<int, int, bool>> seen;
      for (int vi : s.versions) {
        SeriesVersion& v = a_.versions[vi];
        // The same version number again is a resend, with or without the word.
        if (!seen.insert({v.version, MinorRevision(v.revision), v.rfc}).second) v.resend = true;
      }
      s.title = a_.versions[s.versions.back()].title;
    }
  }

  void ComputeStates() {
    for (size_t vi = 0; vi < a_.versions.size(); ++vi) {
      SeriesVersion& v = a_.versions[vi];
      for (int r : v.replies) {
        const MessageFacts& reply = a_.messages[r];
        if (reply.applied_note && v.applied_message < 0) {
          v.applied_message = r;
          v.applied_by = reply.sender;
        }
      }
      const VersionActivity activity = ActivityOf(a_, int(vi));
      bool every = !activity.patches.empty();
      for (const auto& p : activity.patches) {
        every = every && (p.reviewed() || !activity.cover_reviews.empty());
      }
      Series& s = a_.series[v.series];
      if (v.applied_message >= 0) v.state = State::kApplied;
      else if (s.versions.back() != int(vi)) v.state = State::kSuperseded;
      else if (every) v.state = State::kReviewed;
      else if (v.replies.empty() &&
               a_.newest_time - a_.messages[v.head].time > kNoReplyAfter) v.state = State::kNoReply;
      else v.state = State::kNew;
      auto touch = [&](int m) {
        if (m >= 0) s.last_activity = std::max(s.last_activity, a_.messages[m].time);
      };
      touch(v.cover);
      for (int p : v.patches) touch(p);
      for (int p : v.replaced) touch(p);
      for (int r : v.replies) touch(r);
    }
  }

  Archive& a_;
  std::map<std::string, std::vector<int>> by_key_;
  std::map<int, int> pull_versions_;  // pull message -> version of its patches
  std::set<std::string> used_ids_;
};

void SortUnique(std::vector<int>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

void SortUnique(std::vector<Review>* reviews) {
  auto key = [](const Review& r) { return std::tie(r.person, r.kind); };
  std::sort(reviews->begin(), reviews->end(),
            [&](const Review& x, const Review& y) { return key(x) < key(y); });
  reviews->erase(std::unique(reviews->begin(), reviews->end(),
                             [&](const Review& x, const Review& y) { return key(x) == key(y); }),
                 reviews->end());
}

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

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
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

int PatchAncestor(const Archive& a, int message) {
  // Threads are trees (BuildArchive drops a link that would close a cycle);
  // the walk is bounded all the same. (It ran for every reply and every
  // message of every page's input hash: with a set of the messages seen,
  // its allocations were most of its time.)
  int at = a.messages[message].parent;
  for (size_t steps = 0; at >= 0 && at != message && steps < a.messages.size(); ++steps) {
    if (a.messages[at].is_patch()) return at;
    at = a.messages[at].parent;
  }
  return -1;
}

std::string VersionLabel(const SeriesVersion& v) {
  std::string label = v.rfc ? "RFC " : "";
  label += "v" + (v.revision.empty() ? std::to_string(v.version) : v.revision);
  if (v.resend) label += " RESEND";
  return label;
}

VersionActivity ActivityOf(const Archive& a, int version) {
  const SeriesVersion& v = a.versions[version];
  VersionActivity out;
  std::map<int, size_t> slot;  // patch message -> index in out.patches
  for (int p : v.patches) {
    PatchActivity pa;
    pa.message = p;
    for (const auto& t : a.messages[p].trailers) {
      if (IsReviewTrailer(t)) pa.carried.push_back(t);
    }
    slot[p] = out.patches.size();
    out.patches.push_back(std::move(pa));
  }
  for (int r : v.replies) {
    const MessageFacts& reply = a.messages[r];
    out.repliers.push_back(reply.sender);
    out.reviews.insert(out.reviews.end(), reply.reviews.begin(), reply.reviews.end());
    const int target = PatchAncestor(a, r);
    if (target >= 0 && target == v.cover) {
      out.cover_replies.push_back(r);
      out.cover_reviews.insert(out.cover_reviews.end(), reply.reviews.begin(), reply.reviews.end());
      continue;
    }
    auto it = slot.find(target);
    if (it == slot.end()) continue;  // below a patch a re-roll replaced
    PatchActivity& pa = out.patches[it->second];
    pa.replies.push_back(r);
    pa.repliers.push_back(reply.sender);
    pa.reviews.insert(pa.reviews.end(), reply.reviews.begin(), reply.reviews.end());
  }
  SortUnique(&out.repliers);
  SortUnique(&out.reviews);
  SortUnique(&out.cover_reviews);
  for (PatchActivity& pa : out.patches) {
    SortUnique(&pa.repliers);
    pa.reviews.insert(pa.reviews.end(), out.cover_reviews.begin(), out.cover_reviews.end());
    SortUnique(&pa.reviews);
  }
  return out;
}

const char* PatchChangeName(PatchChange change) {
  switch (change) {
    case PatchChange::kAdded: return "added";
    case PatchChange::kDropped: return "dropped";
    case PatchChange::kChanged: return "changed";
    case PatchChange::kUnchanged: return "unchanged";
  }
  return "changed";
}

std::vector<PatchComparison> ComparePatches(const Archive& a, int older, int newer) {
  const std::vector<int>& old_patches = a.versions[older].patches;
  const std::vector<int>& new_patches = a.versions[newer].patches;
  std::vector<int> counterpart(new_patches.size(), -1);
  std::vector<bool> used(old_patches.size(), false);
  // By title first: a patch inserted in front moves the others' numbers.
  std::multimap<std::string, size_t> old_by_title;
  for (size_t i = 0; i < old_patches.size(); ++i) {
    old_by_title.emplace(FoldedTitle(a.messages[old_patches[i]].subject.title()), i);
  }
  for (size_t j = 0; j < new_patches.size(); ++j) {
    auto range = old_by_title.equal_range(FoldedTitle(a.messages[new_patches[j]].subject.title()));
    for (auto it = range.first; it != range.second; ++it) {
      if (used[it->second]) continue;
      used[it->second] = true;
      counterpart[j] = int(it->second);
      break;
    }
  }
  // Then by number: a patch whose title was reworded keeps its place.
  for (size_t j = 0; j < new_patches.size(); ++j) {
    if (counterpart[j] >= 0) continue;
    const int number = a.messages[new_patches[j]].subject.number;
    for (size_t i = 0; i < old_patches.size(); ++i) {
      if (!used[i] && a.messages[old_patches[i]].subject.number == number) {
        used[i] = true;
        counterpart[j] = int(i);
        break;
      }
    }
  }
  std::vector<PatchComparison> out;
  for (size_t j = 0; j < new_patches.size(); ++j) {
    PatchComparison c;
    c.newer = new_patches[j];
    if (counterpart[j] >= 0) {
      c.older = old_patches[counterpart[j]];
      const uint64_t before = a.messages[c.older].diff_hash;
      const uint64_t after = a.messages[c.newer].diff_hash;
      c.change = before != 0 && before == after ? PatchChange::kUnchanged : PatchChange::kChanged;
    }
    out.push_back(c);
  }
  for (size_t i = 0; i < old_patches.size(); ++i) {
    if (!used[i]) out.push_back({PatchChange::kDropped, old_patches[i], -1});
  }
  return out;
}

int PreviousVersion(const Archive& a, int version) {
  const SeriesVersion& v = a.versions[version];
  if (v.series < 0) return -1;
  const std::vector<int>& versions = a.series[v.series].versions;
  auto it = std::find(versions.begin(), versions.end(), version);
  return it == versions.begin() || it == versions.end() ? -1 : *(it - 1);
}

std::string VersionChangelog(const Archive& a, int version) {
  const SeriesVersion& v = a.versions[version];
  if (v.cover >= 0) {
    std::string log = ChangelogSection(a.Excerpt(a.messages[v.cover]));
    if (!log.empty()) return log;
  }
  if (!v.patches.empty()) return a.Notes(a.messages[v.patches.front()]);
  return "";
}

std::vector<int> WaitingForReview(const Archive& a, int64_t end, int64_t window) {
  // The versions whose head came in the window; then those neither answered
  // nor followed by a later version by `end`. Each digest asks this: it
  // costs the window's versions, not the archive's.
  const auto head_time = [&a](int vi) { return a.messages[a.versions[vi].head].time; };
  auto it = std::lower_bound(a.versions_by_time.begin(), a.versions_by_time.end(), end - window,
                             [&](int vi, int64_t t) { return head_time(vi) < t; });
  std::vector<std::pair<size_t, int>> found;  // head position, version
  for (; it != a.versions_by_time.end() && head_time(*it) <= end; ++it) {
    const SeriesVersion& v = a.versions[*it];
    if (v.first_reply <= end || v.next_version <= end) continue;
    found.emplace_back(a.messages[v.head].position, *it);
  }
  std::sort(found.begin(), found.end());
  std::vector<int> out;
  for (const auto& [position, vi] : found) out.push_back(vi);
  return out;
}

namespace {

// What WaitingForReview needs of each version, worked out once.
void IndexReviews(Archive* a) {
  for (SeriesVersion& v : a->versions) {
    for (int r : v.replies) v.first_reply = std::min(v.first_reply, a->messages[r].time);
  }
  // A later version is one whose head comes later in the archive.
  std::vector<int> by_position;
  for (const Series& s : a->series) {
    by_position = s.versions;
    std::sort(by_position.begin(), by_position.end(), [a](int x, int y) {
      return a->messages[a->versions[x].head].position < a->messages[a->versions[y].head].position;
    });
    int64_t next = INT64_MAX;
    for (size_t k = by_position.size(); k-- > 0;) {
      SeriesVersion& v = a->versions[by_position[k]];
      v.next_version = next;
      next = std::min(next, a->messages[v.head].time);
    }
  }
  a->versions_by_time.resize(a->versions.size());
  for (size_t i = 0; i < a->versions.size(); ++i) a->versions_by_time[i] = int(i);
  std::stable_sort(a->versions_by_time.begin(), a->versions_by_time.end(), [a](int x, int y) {
    return a->messages[a->versions[x].head].time < a->messages[a->versions[y].head].time;
  });
}

}  // namespace

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
  IndexReviews(archive);
}

}  // namespace listdigest::model
