#include "mail/subject.h"

#include <cctype>

namespace listdigest::mail {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != Lower(prefix[i])) return false;
  }
  return true;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Skips one reply prefix ("Re:", "RE:", "Aw:", "Re[2]:", "Re(2):") at the
// start of `s`; returns how many bytes it spans, or 0.
size_t ReplyPrefixLength(std::string_view s) {
  size_t i = 0;
  if (StartsWithNoCase(s, "re")) {
    i = 2;
  } else if (StartsWithNoCase(s, "aw")) {
    i = 2;
  } else {
    return 0;
  }
  if (i < s.size() && (s[i] == '[' || s[i] == '(')) {
    const char close = s[i] == '[' ? ']' : ')';
    size_t j = i + 1;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i + 1 || j >= s.size() || s[j] != close) return 0;
    i = j + 1;
  }
  if (i < s.size() && s[i] == ':') return i + 1;
  return 0;
}

// A version word: "v2", "V3", "v5.1" (a partial re-roll counts as v5; its
// "5.1" goes to `revision`, empty for a plain vN).
bool ParseVersion(std::string_view word, int* version, std::string_view* revision) {
  if (word.size() < 2 || (word[0] != 'v' && word[0] != 'V')) return false;
  std::string_view digits = word.substr(1);
  const size_t dot = digits.find('.');
  std::string_view major = digits.substr(0, dot);
  if (!AllDigits(major) || major.size() > 4) return false;
  if (dot != std::string_view::npos && !AllDigits(digits.substr(dot + 1))) return false;
  *version = std::stoi(std::string(major));
  *revision = dot == std::string_view::npos ? std::string_view() : digits;
  return true;
}

bool ParseNumbering(std::string_view word, int* number, int* total) {
  const size_t slash = word.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view n = word.substr(0, slash), m = word.substr(slash + 1);
  if (!AllDigits(n) || !AllDigits(m) || n.size() > 5 || m.size() > 5) return false;
  *number = std::stoi(std::string(n));
  *total = std::stoi(std::string(m));
  return true;
}

// `tag` is a part of s->text.
void ParseTag(std::string_view tag, Subject* s, bool* has_patch, bool* has_pull) {
  std::string_view revision;
  // A later version word's revision replaces an earlier one's, as before.
  auto set_revision = [s, &revision] {
    s->revision_at = revision.empty() ? 0 : static_cast<int>(revision.data() - s->text.data());
    s->revision_size = static_cast<int>(revision.size());
  };
  size_t i = 0;
  while (i < tag.size()) {
    while (i < tag.size() && IsSpace(tag[i])) ++i;
    size_t j = i;
    while (j < tag.size() && !IsSpace(tag[j])) ++j;
    if (j == i) break;
    std::string_view word = tag.substr(i, j - i);
    i = j;
    std::string upper;
    for (char c : word) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    int version = 0;
    if (upper.compare(0, 5, "PATCH") == 0) {
      *has_patch = true;
      // "PATCHv2", "PATCH-v3"
      std::string_view rest = word.substr(5);
      if (!rest.empty() && rest[0] == '-') rest.remove_prefix(1);
      if (ParseVersion(rest, &version, &revision)) {
        s->version = version;
        set_revision();
      }
      continue;
    }
    if (upper.find("PULL") != std::string::npos) {
      *has_pull = true;
      continue;
    }
    if (upper == "GIT") continue;
    if (upper.compare(0, 3, "RFC") == 0 &&
        (upper.size() == 3 || ParseVersion(word.substr(3), &version, &revision))) {
      // "RFC", "RFCv1"
      s->rfc = true;
      if (upper.size() > 3) {
        s->version = version;
        set_revision();
      }
      continue;
    }
    if (ParseVersion(word, &version, &revision)) {
      s->version = version;
      set_revision();
      continue;
    }
    if (ParseNumbering(word, &s->number, &s->total)) continue;
    s->prefixes.emplace_back(word);
  }
}

}  // namespace

std::string FoldWhiteSpace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_space = false;
  for (char c : text) {
    if (IsSpace(c)) {
      if (!in_space) out += ' ';
      in_space = true;
    } else {
      out += c;
      in_space = false;
    }
  }
  return out;
}

Subject ParseSubject(std::string_view raw) {
  Subject s;
  s.text = FoldWhiteSpace(raw);
  std::string_view rest = s.text;
  auto skip_spaces = [&rest] {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  };
  skip_spaces();
  while (size_t n = ReplyPrefixLength(rest)) {
    s.reply = true;
    rest.remove_prefix(n);
    skip_spaces();
  }
  bool has_patch = false, has_pull = false;
  const char* tags_begin = rest.data();
  const char* tags_end = rest.data();
  while (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) break;
    ParseTag(rest.substr(1, close - 1), &s, &has_patch, &has_pull);
    rest.remove_prefix(close + 1);
    tags_end = rest.data();
    skip_spaces();
  }
  s.tags_at = static_cast<int>(tags_begin - s.text.data());
  s.tags_size = static_cast<int>(tags_end - tags_begin);
  s.title_at = static_cast<int>(rest.data() - s.text.data());
  s.pull = has_pull && !s.reply;
  s.patch = has_patch && !s.reply && !s.pull;
  return s;
}

}  // namespace listdigest::mail
