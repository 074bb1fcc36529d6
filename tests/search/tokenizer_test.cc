// The search tokenizer: every case of tests/search/tokenizer_cases.tsv (the
// browser's tokenizer is held to the same file by
// tests/browser/tokenizer.test.mjs), and the rules one at a time.
#include "search/tokenizer.h"

#include <doctest/doctest.h>

#include <sstream>

#include "support.h"

namespace listdigest {
namespace {

std::string Show(const std::vector<search::Token>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    out += (out.empty() ? "" : " ") + t.term + "@" + std::to_string(t.position);
  }
  return out;
}

std::string Terms(std::string_view text) {
  std::string out;
  for (const auto& t : search::Tokenize(text)) out += (out.empty() ? "" : " ") + t.term;
  return out;
}

TEST_CASE("tokenizer: every case in tokenizer_cases.tsv") {
  std::istringstream in(
      testing::ReadFile(std::string(LISTDIGEST_TEST_DATA) + "/../search/tokenizer_cases.tsv"));
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    const std::string text = line.substr(0, tab), expected = line.substr(tab + 1);
    CAPTURE(text);
    CHECK(Show(search::Tokenize(text)) == expected);
    ++cases;
  }
  CHECK(cases == 14);
}

TEST_CASE("tokenizer: identifiers stay whole, case is folded") {
  CHECK(Terms("kvm_vcpu_ioctl") == "kvm_vcpu_ioctl");
  CHECK(Terms("CONFIG_KVM_IOAPIC") == "config_kvm_ioapic");
  CHECK(Terms("__KVM_HOST_SMCCC_FUNC") == "__kvm_host_smccc_func");
}

TEST_CASE("tokenizer: paths and versions give their pieces, at the first part's position") {
  CHECK(Show(search::Tokenize("x86/pmu")) == "x86/pmu@0 x86@0 pmu@1");
  CHECK(Show(search::Tokenize("5.12-rc1 next")) == "5.12-rc1@0 5.12@0 rc1@2 next@3");
  CHECK(Terms("kvm/vgic-v3.c") == "kvm/vgic-v3.c kvm vgic-v3.c vgic v3.c v3 c");
}

TEST_CASE("tokenizer: a connector joins only two word characters") {
  CHECK(Terms("end. Next") == "end next");
  CHECK(Terms("a--b ../c -d e-") == "a b c d e");
  CHECK(Terms("foo@ @bar") == "foo bar");
}

TEST_CASE("tokenizer: positions run on across calls, for several fields of one text") {
  int position = 5;
  std::vector<search::Token> tokens;
  search::Tokenize("a b/c", &position, [&](std::string_view term, int at) {
    tokens.push_back({std::string(term), at});
  });
  CHECK(Show(tokens) == "a@5 b/c@6 b@6 c@7");
  CHECK(position == 8);
}

TEST_CASE("tokenizer: invalid UTF-8 and symbols separate terms") {
  CHECK(Terms(std::string("ab\xff") + "cd") == "ab cd");
  CHECK(Terms("a\xe2\x80\x94"
              "b") == "a b");  // em dash
  CHECK(Terms("") == "");
}

TEST_CASE("tokenizer: a term longer than 64 bytes is dropped, its position still counts") {
  const std::string id(65, 'x');
  CHECK(Show(search::Tokenize(id + " y")) == "y@1");
  CHECK(Show(search::Tokenize(std::string(64, 'x'))) == std::string(64, 'x') + "@0");
}

TEST_CASE("tokenizer: stop words") {
  CHECK(search::IsStopWord("the"));
  CHECK(search::IsStopWord("we"));
  CHECK_FALSE(search::IsStopWord("not"));
  CHECK_FALSE(search::IsStopWord("kvm"));
  CHECK(std::is_sorted(search::StopWords().begin(), search::StopWords().end()));
}

}  // namespace
}  // namespace listdigest
