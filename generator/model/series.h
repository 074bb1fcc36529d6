// Patch series: which messages form one posting (a version), which versions
// are one series, where each version stands, and what changed between two
// versions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/archive.h"

namespace listdigest::model {

/// Groups the patches of `archive` into versions and series, attaches
/// replies and computes states. Deterministic: depends on archive order only.
/// Every patch message ends up in exactly one version: as its cover, in its
/// `patches`, in its `replaced` (a partial re-roll took its place), or, for a
/// second copy of a Message-ID, with `version` set to its first copy's.
void GroupSeries(Archive* archive);

/// A URL- and file-name-safe slug: lower-case ASCII letters, digits and
/// single dashes, at most `max` bytes. Never empty ("x" when nothing is left).
std::string Slugify(std::string_view text, size_t max = 60);

/// `s` with ASCII letters lower-cased: addresses and domains are keyed so.
std::string Lower(std::string s);

/// A short stable hex hash (FNV-1a, 64 bit) of `text`, `digits` long.
std::string ShortHash(std::string_view text, int digits = 7);

/// The nearest patch (or cover letter) above `message` in its thread, or -1.
/// Follows `parent` links and stops at a cycle.
int PatchAncestor(const Archive& archive, int message);

/// The version label as people write it: "v3", "v5.5", "RFC v2", "v2 RESEND".
std::string VersionLabel(const SeriesVersion& version);

/// What one patch of a version received.
struct PatchActivity {
  int message = -1;
  std::vector<int> replies;                  // replies below it in its thread, archive order
  std::vector<int> repliers;                 // distinct people who replied, by person index
  std::vector<Review> reviews;               // given in replies to it or to the cover letter;
                                             // by person, then kind, without repeats
  std::vector<Trailer> carried;        // Reviewed/Acked/Tested-by the patch itself carries
  bool reviewed() const { return !reviews.empty() || !carried.empty(); }
};

struct VersionActivity {
  std::vector<PatchActivity> patches;        // as SeriesVersion::patches
  std::vector<int> cover_replies;            // replies below the cover letter
  std::vector<Review> cover_reviews;         // given in those: they count for every patch
  std::vector<int> repliers;                 // distinct people who replied anywhere
  std::vector<Review> reviews;               // every review of the version, without repeats
};

/// Replies and reviews of one version, per patch. Pure function of the model.
VersionActivity ActivityOf(const Archive& archive, int version);

enum class PatchChange { kAdded, kDropped, kChanged, kUnchanged };
const char* PatchChangeName(PatchChange change);

/// One patch of the newer version and its counterpart in the older one.
struct PatchComparison {
  PatchChange change = PatchChange::kAdded;
  int older = -1;  // message index, or -1 when added
  int newer = -1;  // message index, or -1 when dropped
};

/// Matches the patches of two versions, by title (case and white space
/// folded) and then by number, and says for each whether its diff changed
/// (DiffHash). The newer version's patches in order, then the dropped ones.
std::vector<PatchComparison> ComparePatches(const Archive& archive, int older, int newer);

/// The version before `version` in its series, or -1.
int PreviousVersion(const Archive& archive, int version);

/// What the author wrote about the changes in `version`: the changelog
/// section of the cover letter, else the notes below "---" of its first patch.
std::string VersionChangelog(const Archive& archive, int version);

/// The versions still waiting for a first reply at commit time `end`: posted
/// (head committed) in [end - window, end], with no reply committed by
/// `end`, not applied and not followed by a newer version by then. Oldest
/// first.
std::vector<int> WaitingForReview(const Archive& archive, int64_t end, int64_t window);

}  // namespace listdigest::model
