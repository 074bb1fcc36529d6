// What a subject line says: reply or not, the leading [...] tags, the title.
// Plain string work, no MIME: the subject is already decoded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace listdigest::mail {

/// The parts of a subject, per DESIGN.md "Messages". The title, the tags
/// and the revision are parts of `text`, kept as where they stand in it: an
/// archive holds a million subjects, and three more strings each were a
/// sixth of the model's memory.
struct Subject {
  std::string text;     // the subject, white space runs folded to one space
  bool reply = false;   // starts with Re:, RE:, Aw:, Re[2]:, …
  bool patch = false;   // a tag holds the word PATCH (and it is no reply or pull)
  bool pull = false;    // a tag holds PULL ([GIT PULL], [PULL 0/5]); never a reply
  bool rfc = false;
  int version = 1;      // from vN or PATCHvN; 1 when absent
  int number = -1;      // N of N/M; -1 when unnumbered
  int total = -1;       // M of N/M
  // Where title(), tags() and revision() are in `text` (byte offsets).
  int title_at = 0;
  int tags_at = 0, tags_size = 0;
  int revision_at = 0, revision_size = 0;
  std::vector<std::string> prefixes;  // other tag words: net-next, RESEND, …

  /// The subject without reply prefixes and leading tags.
  std::string_view title() const { return Part(title_at, text.size()); }
  /// The leading tags as written, e.g. "[PATCH v2 1/3]".
  std::string_view tags() const { return Part(tags_at, tags_size); }
  /// "5.1" for v5.1 (a partial re-roll of v5); "" when vN has no dot.
  std::string_view revision() const { return Part(revision_at, revision_size); }

  bool numbered() const { return number >= 0; }
  /// A cover letter (0/M), a first patch (1/M) or an unnumbered patch: the
  /// messages that lead a series version.
  bool head_like() const { return patch && (number <= 1); }

 private:
  // Offsets from a damaged cache or a struct filled by hand never reach
  // outside `text`.
  std::string_view Part(size_t at, size_t size) const {
    return at <= text.size() ? std::string_view(text).substr(at, size) : std::string_view();
  }
};

/// Folds every run of white space (space, tab, CR, LF) into one space.
std::string FoldWhiteSpace(std::string_view text);

/// Parses a decoded subject. Never fails: an odd subject is a title.
Subject ParseSubject(std::string_view subject);

}  // namespace listdigest::mail
