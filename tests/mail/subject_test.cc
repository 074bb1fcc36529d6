// Subject parsing over real subjects from the corpora (tests/data/subjects.tsv,
// each row's expected values written by hand). Raw header values go through
// the whole message parser, so encoded words are decoded first.
#include <doctest/doctest.h>

#include <sstream>

#include "mail/message.h"
#include "mail/subject.h"
#include "support.h"

namespace listdigest {
namespace {

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> cols;
  size_t pos = 0;
  for (;;) {
    const size_t tab = line.find('\t', pos);
    cols.push_back(line.substr(pos, tab == std::string::npos ? std::string::npos : tab - pos));
    if (tab == std::string::npos) break;
    pos = tab + 1;
  }
  return cols;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

TEST_CASE("subjects: every real subject in subjects.tsv parses as written down") {
  std::istringstream in(testing::ReadFile(testing::DataPath("subjects.tsv")));
  std::string line;
  std::getline(in, line);
  REQUIRE(line == "subject\treply\tpatch\tpull\tversion\trfc\tnumber\ttotal\tprefixes\ttitle");
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto c = SplitTabs(line);
    REQUIRE_MESSAGE(c.size() == 10, line);
    const mail::Message m = mail::ParseMessage("Message-ID: <x@y>\nSubject: " + c[0] + "\n\nbody\n");
    const mail::Subject& s = m.subject;
    INFO("subject: " << c[0]);
    CHECK(s.reply == (c[1] == "1"));
    CHECK(s.patch == (c[2] == "1"));
    CHECK(s.pull == (c[3] == "1"));
    CHECK(s.version == std::stoi(c[4]));
    CHECK(s.rfc == (c[5] == "1"));
    CHECK(s.number == (c[6].empty() ? -1 : std::stoi(c[6])));
    CHECK(s.total == (c[7].empty() ? -1 : std::stoi(c[7])));
    CHECK(Join(s.prefixes) == c[8]);
    CHECK(s.title() == c[9]);
    ++rows;
  }
  CHECK(rows >= 60);
}

TEST_CASE("subjects: forms the corpora lack") {
  using mail::ParseSubject;
  SUBCASE("net-next prefix, zero-padded numbering") {
    const auto s = ParseSubject("[PATCH net-next v3 02/10] net: fix it");
    CHECK(s.patch);
    CHECK(s.version == 3);
    CHECK(s.number == 2);
    CHECK(s.total == 10);
    CHECK(s.prefixes == std::vector<std::string>{"net-next"});
    CHECK(s.title() == "net: fix it");
  }
  SUBCASE("PULL with numbering is a pull request, not a patch") {
    const auto s = ParseSubject("[PULL 00/12] target-arm queue");
    CHECK(s.pull);
    CHECK_FALSE(s.patch);
    CHECK(s.number == 0);
    CHECK(s.total == 12);
  }
  SUBCASE("Aw: and Re[2]: are replies; a reply is never a patch") {
    CHECK(ParseSubject("Aw: [PATCH] x").reply);
    CHECK_FALSE(ParseSubject("Aw: [PATCH] x").patch);
    const auto s = ParseSubject("Re[2]: RE: [PATCH v2 1/3] x");
    CHECK(s.reply);
    CHECK_FALSE(s.patch);
    CHECK(s.version == 2);
    CHECK(s.title() == "x");
  }
  SUBCASE("lower-case patch, PATCHv2 and a partial re-roll") {
    CHECK(ParseSubject("[patch] x").patch);
    CHECK(ParseSubject("[PATCHv2 1/3] x").version == 2);
    CHECK(ParseSubject("[PATCH v5.1 10/12] x").version == 5);
  }
  SUBCASE("white space runs fold to one; a trailing space stays") {
    const auto s = ParseSubject("[PATCH  v3 0/4]\tLongArch:  KVM: Add AVEC support irqchip in kernel ");
    CHECK(s.text == "[PATCH v3 0/4] LongArch: KVM: Add AVEC support irqchip in kernel ");
    CHECK(s.title() == "LongArch: KVM: Add AVEC support irqchip in kernel ");
    CHECK(s.tags() == "[PATCH v3 0/4]");
  }
  SUBCASE("a bracket that never closes is title") {
    const auto s = ParseSubject("[PATCH x");
    CHECK_FALSE(s.patch);
    CHECK(s.title() == "[PATCH x");
  }
}

TEST_CASE("subjects: a folded, encoded Subject header is decoded and unfolded") {
  const mail::Message m = mail::ParseMessage(
      "Message-ID: <x@y>\nSubject: =?UTF-8?Q?Re=3A_=5BPATCH_v2_1=2F3=5D_KVM=3A_fix_J=C3=B6rg?=\n"
      " =?UTF-8?Q?=27s_bug?=\n\nbody\n");
  CHECK(m.raw_subject == "Re: [PATCH v2 1/3] KVM: fix Jörg's bug");
  CHECK(m.subject.reply);
  CHECK(m.subject.title() == "KVM: fix Jörg's bug");
}

}  // namespace
}  // namespace listdigest
