#include "search/tokenizer.h"

#include <algorithm>

namespace listdigest::search {
namespace {

enum class Kind { kSeparator, kWord, kConnector };

// Decodes the code point at text[i]; sets *len. An invalid byte is returned
// as U+FFFD with length 1 (a separator).
char32_t Decode(std::string_view text, size_t i, size_t* len) {
  const auto b = static_cast<unsigned char>(text[i]);
  auto cont = [&](size_t k) {
    return i + k < text.size() && (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
  };
  auto bits = [&](size_t k) { return static_cast<char32_t>(text[i + k] & 0x3F); };
  if (b < 0x80) return *len = 1, b;
  if (b >= 0xC2 && b < 0xE0 && cont(1)) return *len = 2, ((b & 0x1F) << 6) | bits(1);
  if (b >= 0xE0 && b < 0xF0 && cont(1) && cont(2)) {
    return *len = 3, ((b & 0x0F) << 12) | (bits(1) << 6) | bits(2);
  }
  if (b >= 0xF0 && b < 0xF5 && cont(1) && cont(2) && cont(3)) {
    return *len = 4, ((b & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
  }
  return *len = 1, 0xFFFD;
}

// Punctuation, symbols, spaces, private use and emoji blocks: they separate
// terms like ASCII punctuation does ("fix — really", "“quoted”", "→").
bool IsNonAsciiSeparator(char32_t c) {
  return (c >= 0x80 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x2BFF) ||
         (c >= 0x2E00 && c <= 0x2E7F) || (c >= 0x3000 && c <= 0x303F) ||
         (c >= 0xD800 && c <= 0xDFFF) || (c >= 0xE000 && c <= 0xF8FF) ||
         (c >= 0xFE10 && c <= 0xFE1F) || (c >= 0xFE30 && c <= 0xFE6F) || c == 0xFEFF ||
         (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
         (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) ||
         (c >= 0xFFF0 && c <= 0xFFFF) || (c >= 0x1F000 && c <= 0x1FAFF) || c >= 0xE0000;
}

Kind KindOf(char32_t c) {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      return Kind::kWord;
    }
    if (c == '.' || c == '/' || c == '-' || c == '@') return Kind::kConnector;
    return Kind::kSeparator;
  }
  return IsNonAsciiSeparator(c) ? Kind::kSeparator : Kind::kWord;
}

// The lower case of the capitals listed in tokenizer.h; every mapping keeps
// the UTF-8 length, so a folded compound has the byte offsets of the text.
char32_t Fold(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0xC0) return c;
  if (c <= 0xDE) return c == 0xD7 ? c : c + 32;
  if (c >= 0x100 && c <= 0x137) return c | 1;
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return c | 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  return c;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

bool HasNonDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c < '0' || c > '9'; });
}

}  // namespace

void Tokenize(std::string_view text, int* position,
              const std::function<void(std::string_view, int)>& emit) {
  std::string folded;                               // the current compound, case-folded
  std::vector<std::pair<size_t, size_t>> segments;  // [begin, end) in `folded`
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 0;
    char32_t c = Decode(text, i, &len);
    if (KindOf(c) != Kind::kWord) {
      i += len;
      continue;
    }
    folded.clear();
    segments.clear();
    size_t segment_begin = 0;
    for (;;) {
      // A run of word characters.
      while (i < text.size()) {
        c = Decode(text, i, &len);
        if (KindOf(c) != Kind::kWord) break;
        AppendUtf8(Fold(c), &folded);
        i += len;
      }
      segments.emplace_back(segment_begin, folded.size());
      // A connector continues the compound only between two word characters.
      if (i + 1 < text.size() &&
          (text[i] == '.' || text[i] == '/' || text[i] == '-' || text[i] == '@')) {
        size_t next_len = 0;
        if (KindOf(Decode(text, i + 1, &next_len)) == Kind::kWord) {
          folded.push_back(text[i]);
          ++i;
          segment_begin = folded.size();
          continue;
        }
      }
      break;
    }
    const int base = *position;
    const std::string_view all(folded);
    auto put = [&](size_t begin, size_t end, int at) {
      if (end - begin <= kMaxTermBytes) emit(all.substr(begin, end - begin), at);
    };
    put(0, folded.size(), base);
    // The pieces of segments [first, last] between the connectors of
    // `level`: 1 "/" and "@", 2 "-", 3 "." (parts with a non-digit only).
    auto split = [&](auto& self, size_t first, size_t last, int level) -> void {
      if (level > 3 || first == last) return;
      const std::string_view cuts = level == 1 ? "/@" : level == 2 ? "-" : ".";
      auto cut_after = [&](size_t k) { return cuts.find(folded[segments[k].second]) != cuts.npos; };
      bool any = false;
      for (size_t k = first; k < last && !any; ++k) any = cut_after(k);
      if (!any) return self(self, first, last, level + 1);
      size_t begin = first;
      for (size_t k = first; k <= last; ++k) {
        if (k < last && !cut_after(k)) continue;
        const size_t from = segments[begin].first, to = segments[k].second;
        if (level < 3 || HasNonDigit(all.substr(from, to - from))) {
          put(from, to, base + static_cast<int>(begin));
        }
        self(self, begin, k, level + 1);
        begin = k + 1;
      }
    };
    split(split, 0, segments.size() - 1, 1);
    *position += static_cast<int>(segments.size());
  }
}

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  int position = 0;
  Tokenize(text, &position, [&tokens](std::string_view term, int at) {
    tokens.push_back({std::string(term), at});
  });
  return tokens;
}

const std::vector<std::string>& StopWords() {
  // Lucene's English stop set without "no" and "not", plus "we".
  static const std::vector<std::string> words = {
      "a",    "an",    "and",   "are",  "as",   "at", "be",  "but",  "by",   "for", "if",
      "in",   "into",  "is",    "it",   "of",   "on", "or",  "such", "that", "the", "their",
      "then", "there", "these", "they", "this", "to", "was", "we",   "will", "with"};
  return words;
}

bool IsStopWord(std::string_view term) {
  const auto& words = StopWords();
  return std::binary_search(words.begin(), words.end(), term);
}

}  // namespace listdigest::search
