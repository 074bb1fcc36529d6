// What a patch's text says about its series: a fingerprint of the diff (to
// tell whether a patch changed between versions), the author's notes below
// "---", the changelog of a cover letter, and the links to earlier versions.
// Plain string work on the decoded body; runs while messages are parsed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace listdigest::model {

/// A 64-bit fingerprint of the diff in `body` (from the first "diff --git"
/// line to the signature), blind to what changes when the same patch is
/// rebased: "index 1a2b..3c4d" lines and the numbers and context of
/// "@@ -10,6 +10,7 @@ func" hunk headers. 0 when the body has no diff.
uint64_t DiffHash(std::string_view body);

/// The author's notes between the "---" line and the diffstat of a patch
/// ("v2: rebased on 5.12-rc1"), without blank lines at either end; "" when
/// there are none. At most 4,000 bytes.
std::string PatchNotes(std::string_view body);

/// The changelog section of a cover letter or of patch notes: from the first
/// line that starts one ("Changes since v1:", "v3:", "v2 -> v3", "Changelog")
/// to the end, before the shortlog ("Marc Zyngier (3):") and diffstat. "" when
/// there is none. At most 8,000 bytes.
std::string ChangelogSection(std::string_view text);

/// The Message-IDs a cover letter names as earlier versions of itself: on a
/// line labelled with a version ("v1: https://lore.kernel.org/r/<id>",
/// "[v2] <url>", "- Link to v2: <url>", a bare "v5:" line above the link) or
/// starting with "Supersedes: <id>". Quoted lines and the diff are skipped.
/// In the order written, without repeats.
std::vector<std::string> VersionLinks(std::string_view body);

}  // namespace listdigest::model
