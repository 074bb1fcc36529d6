// What a subject line says: reply or not, the leading [...] tags, the title.
// Plain string work, no MIME: the subject is already decoded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace listdigest::mail {

/// The parts of a subject, per DESIGN.md "Messages".
struct Subject {
  std::string text;     // the subject, white space runs folded to one space
  bool reply = false;   // starts with Re:, RE:, Aw:, Re[2]:, …
  bool patch = false;   // a tag holds the word PATCH (and it is no reply or pull)
  bool pull = false;    // a tag holds PULL ([GIT PULL], [PULL 0/5]); never a reply
  bool rfc = false;
  int version = 1;      // from vN or PATCHvN; 1 when absent
  std::string revision; // "5.1" for v5.1 (a partial re-roll of v5); "" when vN has no dot
  int number = -1;      // N of N/M; -1 when unnumbered
  int total = -1;       // M of N/M
  std::vector<std::string> prefixes;  // other tag words: net-next, RESEND, …
  std::string title;    // the subject without reply prefixes and leading tags
  std::string tags;     // the leading tags as written, e.g. "[PATCH v2 1/3]"

  bool numbered() const { return number >= 0; }
  /// A cover letter (0/M), a first patch (1/M) or an unnumbered patch: the
  /// messages that lead a series version.
  bool head_like() const { return patch && (number <= 1); }
};

/// Folds every run of white space (space, tab, CR, LF) into one space.
std::string FoldWhiteSpace(std::string_view text);

/// Parses a decoded subject. Never fails: an odd subject is a title.
Subject ParseSubject(std::string_view subject);

}  // namespace listdigest::mail
