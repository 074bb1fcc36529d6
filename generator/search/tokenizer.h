// Search terms from text: words and code-like terms, case-folded, never
// stemmed. The browser's query parser (themes/default/static/search.js,
// `tokenize`) mirrors this function rule for rule; the cases in
// tests/search/tokenizer_cases.tsv are checked against both.
//
// The rules:
// - Word characters are ASCII letters, digits and "_", and every non-ASCII
//   character outside the punctuation and symbol blocks listed in
//   tokenizer.cc. A connector ". / - @" joins two word characters:
//   "kvm_vcpu_ioctl", "x86/pmu", "5.12-rc1", "maz@kernel.org",
//   "CONFIG_KVM_IOAPIC" are one compound each.
// - A compound is a term; so are its pieces between "/" or "@", their
//   pieces between "-", and the parts of those between dots that hold a
//   character other than a digit: "x86/pmu" gives x86/pmu, x86, pmu;
//   "kvm/vgic-v3.c" gives kvm/vgic-v3.c, kvm, vgic-v3.c, vgic, v3.c, v3, c;
//   "5.12" stays whole.
// - Positions count the finest parts ("5.12-rc1" spans 5, 12, rc1: three
//   positions); a compound and its pieces stand at the position of their
//   first part, so the phrase "x86 pmu" matches "KVM: x86/pmu: …".
// - Case is folded for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic
//   capitals. Terms longer than kMaxTermBytes are dropped (their positions
//   still count).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace listdigest::search {

inline constexpr size_t kMaxTermBytes = 64;

struct Token {
  std::string term;
  int position = 0;

  bool operator==(const Token&) const = default;
};

/// Calls `emit(term, position)` for every term of `text` (valid UTF-8), in
/// text order; a compound comes before its pieces. Positions start at
/// `*position`, which is advanced past the text.
void Tokenize(std::string_view text, int* position,
              const std::function<void(std::string_view term, int position)>& emit);

/// Every term of `text` with its position, from 0.
std::vector<Token> Tokenize(std::string_view text);

/// English function words ("the", "of", …) left out of the body field and
/// dropped from plain query words; subjects keep them for phrases. Sorted.
const std::vector<std::string>& StopWords();
bool IsStopWord(std::string_view term);

}  // namespace listdigest::search
