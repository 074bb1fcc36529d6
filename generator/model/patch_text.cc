#include "model/patch_text.h"

#include <algorithm>
#include <cctype>

#include "model/content_hash.h"

namespace listdigest::model {
namespace {

// Calls fn(line) for each line of `text` (without its "\n" and a final
// "\r") until fn returns false.
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    if (!fn(line)) return;
  }
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The end of a patch's text: the signature git appends ("-- \n2.30.1") or
// the footer a Mailman list adds.
bool IsTextEnd(std::string_view line) {
  return line == "-- " || StartsWith(line, "_______________________________________________");
}

// " arch/arm64/kvm/arm.c | 12 +++++-------" or " x.bin | Bin 0 -> 12 bytes"
bool IsDiffstatFileLine(std::string_view line) {
  if (line.empty() || line[0] != ' ') return false;
  const size_t bar = line.find(" | ");
  if (bar == std::string_view::npos || Trim(line.substr(0, bar)).empty()) return false;
  const std::string_view rest = Trim(line.substr(bar + 3));
  return (!rest.empty() && IsDigit(rest[0])) || StartsWith(rest, "Bin");
}

// " 3 files changed, 20 insertions(+), 4 deletions(-)"
bool IsDiffstatSummary(std::string_view line) {
  line = Trim(line);
  size_t i = 0;
  while (i < line.size() && IsDigit(line[i])) ++i;
  if (i == 0) return false;
  return StartsWith(line.substr(i), " file changed") || StartsWith(line.substr(i), " files changed");
}

// "v2", "V10", "v5.5" at the start of `s`; returns its length or 0.
size_t VersionTokenLength(std::string_view s) {
  if (s.size() < 2 || Lower(s[0]) != 'v' || !IsDigit(s[1])) return 0;
  size_t i = 1;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && IsAlnum(s[i])) return 0;  // "v8a", "v2x"
  return i;
}

// Whether `text` holds a version word ("v1", "V2", "v5.5") on its own, not
// inside a longer word ("kvm", "arm-spe-v8-7" are no labels here because
// only text before a link is looked at).
bool HasVersionWord(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && IsAlnum(text[i - 1])) continue;
    if (VersionTokenLength(text.substr(i)) > 0) return true;
  }
  return false;
}

// Whether the line starts a changelog: "Changes since v1:", "Changelog:",
// "v2 -> v3:", "[v4]", "* v3:", "Since v2:", "From v1:".
bool IsChangelogHeader(std::string_view line) {
  std::string_view s = Trim(line);
  // Bullets: "* v3:", "- Changes in v2", "o v2:", "[v4]".
  while (!s.empty()) {
    const bool bullet_o = s.size() > 1 && s[0] == 'o' && s[1] == ' ';
    if (!bullet_o && s[0] != '*' && s[0] != '-' && s[0] != '#' && s[0] != '[' && s[0] != '(' &&
        s[0] != ' ') {
      break;
    }
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  const std::string lower = LowerCopy(s.substr(0, 40));
  for (const char* word : {"changes", "changelog", "change log", "change since", "change from",
                           "since v", "from v", "revision history", "version history",
                           "history:"}) {
    if (StartsWith(lower, word)) return true;
  }
  const size_t n = VersionTokenLength(s);
  if (n == 0) return false;
  std::string_view rest = Trim(s.substr(n));
  if (!rest.empty() && (rest[0] == ']' || rest[0] == ')')) rest = Trim(rest.substr(1));
  if (rest.empty()) return true;
  const char c = rest[0];
  return c == ':' || c == '-' || c == '>' || c == '.' || c == ',' ||
         StartsWith(LowerCopy(rest.substr(0, 5)), "to v") ||
         StartsWith(LowerCopy(rest.substr(0, 5)), "vs");
}

// "Marc Zyngier (3):" heads the shortlog git format-patch puts at the end
// of a cover letter.
bool IsShortlogHeader(std::string_view line) {
  if (line.empty() || line[0] == ' ' || line.back() != ':') return false;
  const size_t open = line.rfind(" (");
  if (open == std::string_view::npos) return false;
  std::string_view count = line.substr(open + 2, line.size() - open - 4);
  if (count.empty() || line[line.size() - 2] != ')') return false;
  for (char c : count) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// Removes blank lines at both ends and cuts at `max` bytes (at a line end
// when there is one).
std::string TrimLines(std::string text, size_t max) {
  if (text.size() > max) {
    const size_t nl = text.rfind('\n', max);
    text.erase(nl == std::string::npos ? max : nl);
    // Never cut inside a UTF-8 sequence.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0xC0) text.pop_back();
  }
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string::npos || !Trim(std::string_view(text).substr(start, nl - start)).empty()) break;
    start = nl + 1;
  }
  text.erase(0, start);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) {
    text.pop_back();
  }
  return text;
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  c = Lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool IsUrlEnd(char c) {
  return c == ' ' || c == '\t' || c == '>' || c == ')' || c == ']' || c == '"' || c == '\'';
}

// The Message-ID in an archive link: the first path segment holding an "@"
// ("https://lore.kernel.org/kvmarm/20221031003621.164306-1-gshan@redhat.com/T/").
std::string IdFromUrl(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  const size_t slash = url.find('/');
  if (slash == std::string_view::npos) return "";
  url.remove_prefix(slash + 1);
  while (!url.empty()) {
    const size_t end = url.find_first_of("/?#");
    const std::string_view segment = url.substr(0, end);
    if (segment.find('@') != std::string_view::npos || segment.find("%40") != std::string_view::npos) {
      std::string id = PercentDecode(segment);
      while (!id.empty() && (id.back() == '.' || id.back() == ',' || id.back() == ';')) id.pop_back();
      return id;
    }
    if (end == std::string_view::npos || url[end] != '/') return "";
    url.remove_prefix(end + 1);
  }
  return "";
}

// Where a link or an id starts in `line`, or npos.
size_t FirstReference(std::string_view line) {
  size_t first = std::string_view::npos;
  for (const char* start : {"http://", "https://", "lore.kernel.org/", "lkml.kernel.org/", "<"}) {
    const size_t at = line.find(start);
    if (at < first) first = at;
  }
  return first;
}

}  // namespace

uint64_t DiffHash(std::string_view body) {
  // The kept lines, each ended by "\n", through XXH3 (FNV-1a byte by byte
  // was a tenth of the time parsing took).
  Hasher h;
  auto add = [&h](std::string_view s) {
    h.Update(s);
    h.Update("\n");
  };
  bool in_diff = false;
  std::string_view previous;
  ForEachLine(body, [&](std::string_view line) {
    if (!in_diff) {
      // "diff --git a/x b/x", or a diff without git's header: "--- a/x" then "+++ b/x".
      if (StartsWith(line, "diff --git ")) {
        in_diff = true;
      } else if (StartsWith(line, "+++ ") && StartsWith(previous, "--- ")) {
        in_diff = true;
        add(previous);
      } else {
        previous = line;
        return true;
      }
    }
    if (IsTextEnd(line)) return false;
    // Mail clients and lists drop trailing white space: " \n" becomes "\n".
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty() || StartsWith(line, "index ")) return true;
    if (StartsWith(line, "@@")) {
      add("@@");
      return true;
    }
    add(line);
    return true;
  });
  if (!in_diff) return 0;
  const uint64_t hash = h.Finish().lo;
  return hash == 0 ? 1 : hash;
}

std::string PatchNotes(std::string_view body) {
  std::string notes;
  bool after_rule = false;
  ForEachLine(body, [&](std::string_view line) {
    if (StartsWith(line, "diff --git ") || IsTextEnd(line)) return false;
    if (!after_rule) {
      after_rule = Trim(line) == "---";
      return true;
    }
    if (IsDiffstatFileLine(line) || IsDiffstatSummary(line)) return false;
    notes.append(line);
    notes += '\n';
    return notes.size() <= 4000;
  });
  return TrimLines(std::move(notes), 4000);
}

std::string ChangelogSection(std::string_view text) {
  std::string out;
  bool started = false;
  ForEachLine(text, [&](std::string_view line) {
    if (!started) {
      started = IsChangelogHeader(line);
      if (!started) return true;
    } else if (Trim(line) == "---" || IsShortlogHeader(line) || IsDiffstatFileLine(line) ||
               IsDiffstatSummary(line) || IsTextEnd(line) || StartsWith(line, "diff --git ") ||
               StartsWith(line, "base-commit: ")) {
      return false;
    }
    out.append(line);
    out += '\n';
    return out.size() <= 8000;
  });
  return TrimLines(std::move(out), 8000);
}

std::vector<std::string> VersionLinks(std::string_view body) {
  std::vector<std::string> ids;
  auto add = [&ids](std::string id) {
    if (id.empty() || id.find('@') == std::string::npos) return;
    for (const auto& known : ids) {
      if (known == id) return;
    }
    ids.push_back(std::move(id));
  };
  bool label_above = false;  // the line before was a bare "v5:"
  ForEachLine(body, [&](std::string_view line) {
    if (StartsWith(line, "diff --git ") || IsTextEnd(line)) return false;
    if (StartsWith(line, ">")) {
      label_above = false;
      return true;
    }
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty()) return true;
    const size_t first = FirstReference(line);
    const std::string before = LowerCopy(line.substr(0, first));
    const bool supersedes = StartsWith(LowerCopy(trimmed.substr(0, 11)), "supersedes:");
    const bool labelled = supersedes || label_above || HasVersionWord(before) ||
                          before.find("previous version") != std::string::npos ||
                          before.find("previous posting") != std::string::npos ||
                          before.find("previous revision") != std::string::npos;
    for (size_t pos = labelled ? first : std::string_view::npos; pos < line.size();) {
      const std::string_view rest = line.substr(pos);
      size_t length = 0;
      if (rest[0] == '<') {
        // "Supersedes: <20210301.1234-1-x@y.org>"; elsewhere "<…@…>" is
        // more often an address than a Message-ID.
        const size_t close = rest.find('>');
        if (close == std::string_view::npos) break;
        const std::string_view inner = Trim(rest.substr(1, close - 1));
        if (inner.find("://") != std::string_view::npos) add(IdFromUrl(inner));
        else if (supersedes) add(std::string(inner));
        length = close + 1;
      } else {
        while (length < rest.size() && !IsUrlEnd(rest[length]) && rest[length] != '<') ++length;
        add(IdFromUrl(rest.substr(0, length)));
      }
      length = std::max<size_t>(length, 1);
      const size_t next = FirstReference(rest.substr(length));
      if (next == std::string_view::npos) break;
      pos += length + next;
    }
    // A bare label line ("v5:", "[v4]") names the link on the next line.
    std::string_view label = trimmed;
    while (!label.empty() && (label[0] == '[' || label[0] == '(' || label[0] == '*' || label[0] == '-')) {
      label = Trim(label.substr(1));
    }
    const size_t n = VersionTokenLength(label);
    std::string_view tail = n ? Trim(label.substr(n)) : label;
    while (!tail.empty() && (tail[0] == ']' || tail[0] == ')' || tail[0] == ':')) tail = Trim(tail.substr(1));
    label_above = n > 0 && tail.empty();
    return true;
  });
  return ids;
}

}  // namespace listdigest::model
