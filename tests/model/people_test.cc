// Per-person statistics (model/people.h) on real mail. The counts for the
// three-epoch kvmarm inbox (March 2021) are those of
// tests/tools/people_counts.py, an independent count over git and Python's
// email package (`python3 tests/tools/people_counts.py INBOX EMAIL…`);
// tests/tools/people_crosscheck.py compares every person of that inbox.
#include "model/people.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <tuple>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "support.h"

namespace listdigest {
namespace {

using RowList = std::vector<std::pair<std::string, int>>;

struct Loaded {
  model::Archive archive;
  std::vector<model::PersonStats> stats;
};

Loaded Load(const std::string& name, const std::vector<std::string>& bundles,
            const std::string& mailmap_text = "") {
  const std::string dir = testing::InboxFromBundles(name, bundles);
  archive::Inbox inbox;
  std::string err;
  REQUIRE_MESSAGE(archive::Inbox::Open(dir, &inbox, &err), err);
  archive::Mailmap mailmap;
  if (!mailmap_text.empty()) {
    testing::WriteFile(dir + "/mailmap", mailmap_text);
    REQUIRE_MESSAGE(archive::Mailmap::Load(dir + "/mailmap", &mailmap, &err), err);
  }
  Loaded l;
  l.archive = model::BuildArchive(inbox, mailmap, 2, nullptr);
  l.stats = model::ComputePeopleStats(l.archive);
  return l;
}

const Loaded& Kvmarm() {
  static const Loaded l = Load("people-kvmarm", {"kvmarm-2021-03-3epochs-v2-epoch0.bundle",
                                                 "kvmarm-2021-03-3epochs-v2-epoch1.bundle",
                                                 "kvmarm-2021-03-3epochs-v2-epoch2.bundle"});
  return l;
}

int Find(const model::Archive& a, const std::string& email) {
  for (size_t i = 0; i < a.people.size(); ++i) {
    if (a.people[i].email == email) return static_cast<int>(i);
  }
  return -1;
}

RowList Emails(const model::Archive& a, const std::vector<model::PersonCount>& rows) {
  RowList out;
  for (const auto& r : rows) out.emplace_back(a.people[r.person].email, r.count);
  return out;
}

RowList Names(const std::vector<model::NameCount>& names) {
  RowList out;
  for (const auto& n : names) out.emplace_back(n.name, n.count);
  return out;
}

std::vector<std::string> SeriesTitles(const model::Archive& a, const model::PersonStats& s) {
  std::vector<std::string> out;
  for (int si : s.series) out.push_back(a.series[si].title);
  return out;
}

struct Expected {
  const char* email;
  const char* name;
  int messages, patches, reviews_given, reviews_received;
  int64_t first, last;
  RowList reviewed, reviewed_by;
};

TEST_CASE("people: counts of six real people equal the independent count") {
  const Loaded& k = Kvmarm();
  // clang-format off
  const Expected expected[] = {
      // first 2021-03-02T15:00:12Z, last 2021-03-23T09:47:57Z
      {"qperret@google.com", "Quentin Perret", 180, 135, 2, 30, 1614697212, 1616492877,
       {{"maz@kernel.org", 2}}, {{"will@kernel.org", 30}}},
      // 2021-03-02T18:57:31Z … 2021-03-25T11:44:55Z; ties by display name
      {"maz@kernel.org", "Marc Zyngier", 166, 71, 1, 24, 1614711451, 1616672695,
       {{"james.morse@arm.com", 1}},
       {{"will@kernel.org", 13}, {"drjones@redhat.com", 2}, {"eric.auger@redhat.com", 2},
        {"broonie@kernel.org", 2}, {"qperret@google.com", 2}, {"catalin.marinas@arm.com", 1},
        {"mark.rutland@arm.com", 1}, {"suzuki.poulose@arm.com", 1}}},
      // 2021-03-02T15:00:13Z … 2021-03-22T12:19:45Z
      {"will@kernel.org", "Will Deacon", 104, 13, 52, 0, 1614697213, 1616415585,
       {{"qperret@google.com", 30}, {"maz@kernel.org", 13}, {"ascull@google.com", 5},
        {"justin.he@arm.com", 2}, {"daniel.kiss@arm.com", 1}, {"samitolvanen@google.com", 1}},
       {}},
      // 2021-03-03T14:19:00Z … 2021-03-23T16:33:06Z
      {"andre.przywara@arm.com", "Andre Przywara", 38, 23, 5, 3, 1614781140, 1616517186,
       {{"alexandru.elisei@arm.com", 1}}, {{"alexandru.elisei@arm.com", 3}}},
      // 2021-03-02T17:13:44Z … 2021-03-25T17:26:13Z
      {"alexandru.elisei@arm.com", "Alexandru Elisei", 41, 10, 12, 1, 1614705224, 1616693173,
       {{"andre.przywara@arm.com", 3}}, {{"andre.przywara@arm.com", 1}}},
      // 2021-03-04T11:55:17Z … 2021-03-19T10:39:14Z
      {"ascull@google.com", "Andrew Scull", 26, 21, 0, 5, 1614858917, 1616150354, {},
       {{"will@kernel.org", 5}}},
      // 2021-03-04T22:02:17Z … 2021-03-06T10:29:28Z
      {"samitolvanen@google.com", "Sami Tolvanen", 6, 2, 0, 3, 1614895337, 1615026568, {},
       {{"keescook@chromium.org", 1}, {"nathan@kernel.org", 1}, {"will@kernel.org", 1}}},
  };
  // clang-format on
  for (const Expected& e : expected) {
    CAPTURE(e.email);
    const int p = Find(k.archive, e.email);
    REQUIRE(p >= 0);
    const model::PersonStats& s = k.stats[p];
    CHECK(s.person == p);
    CHECK(k.archive.people[p].name == e.name);
    CHECK(s.messages == e.messages);
    CHECK(s.patches == e.patches);
    CHECK(s.reviews_given == e.reviews_given);
    CHECK(s.reviews_received == e.reviews_received);
    CHECK(s.first == e.first);
    CHECK(s.last == e.last);
    CHECK(Emails(k.archive, s.reviewed) == e.reviewed);
    CHECK(Emails(k.archive, s.reviewed_by) == e.reviewed_by);
    // One month of mail: everything falls in March 2021.
    REQUIRE(s.months.size() == 1);
    CHECK(s.months[0].month == "2021-03");
    CHECK(s.months[0].patches == e.patches);
    CHECK(s.months[0].reviews == e.reviews_given);
  }
}

TEST_CASE("people: totals add up to the archive's") {
  const Loaded& k = Kvmarm();
  int patches = 0, given = 0, received = 0, reviewed = 0;
  for (const auto& s : k.stats) {
    patches += s.patches;
    given += s.reviews_given;
    received += s.reviews_received;
    for (const auto& r : s.reviewed) reviewed += r.count;
  }
  int patch_messages = 0, review_replies = 0;
  for (const auto& m : k.archive.messages) {
    patch_messages += m.is_patch() ? 1 : 0;
    review_replies += m.is_reply() && !m.reviews.empty() ? 1 : 0;
  }
  CHECK(k.stats.size() == k.archive.people.size());
  CHECK(patches == patch_messages);
  CHECK(given == review_replies);
  CHECK(received == reviewed);
  CHECK(received <= given);
}

TEST_CASE("people: series and postings they authored, newest first") {
  const Loaded& k = Kvmarm();
  const model::PersonStats& andre = k.stats[Find(k.archive, "andre.przywara@arm.com")];
  CHECK(SeriesTitles(k.archive, andre) ==
        std::vector<std::string>{"Unify I/O port and MMIO trap handling"});
  const model::PersonStats& sami = k.stats[Find(k.archive, "samitolvanen@google.com")];
  CHECK(SeriesTitles(k.archive, sami) ==
        std::vector<std::string>{"KVM: arm64: Don't use cbz/adr with external symbols",
                                 "KVM: arm64: Disable LTO in hyp"});
  CHECK(sami.postings.size() == 2);
  CHECK(k.stats[Find(k.archive, "will@kernel.org")].series.empty());
  for (const auto& s : k.stats) {
    for (size_t i = 1; i < s.postings.size(); ++i) {
      CHECK(k.archive.messages[k.archive.versions[s.postings[i - 1]].head].position >
            k.archive.messages[k.archive.versions[s.postings[i]].head].position);
    }
    for (int v : s.postings) CHECK(k.archive.versions[v].author == s.person);
  }
}

TEST_CASE("people: one person per lower-cased address; one name or address is not enough") {
  const Loaded& k = Kvmarm();
  // "Justin He <Justin.He@arm.com>" and "Jia He <justin.he@arm.com>": one person.
  const int he = Find(k.archive, "justin.he@arm.com");
  REQUIRE(he >= 0);
  CHECK(k.archive.people[he].emails == std::vector<std::string>{"justin.he@arm.com"});
  CHECK(k.stats[he].messages == 4);
  CHECK(k.stats[he].patches == 2);
  CHECK(Names(k.stats[he].names) == RowList{{"Jia He", 2}, {"Justin He", 2}});
  // Greg Kroah-Hartman wrote from two addresses: without a mailmap, two
  // people with their own slugs.
  const int a = Find(k.archive, "gregkh@linuxfoundation.org");
  const int b = Find(k.archive, "greg@kroah.com");
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  CHECK(k.archive.people[a].slug == "gregkh-linuxfoundation-org");
  CHECK(k.archive.people[b].slug == "greg-kroah-com");
  CHECK(k.stats[a].messages == 13);
  CHECK(k.stats[b].messages == 2);
}

TEST_CASE("people: a .mailmap merges two real addresses of one person") {
  static const Loaded m =
      Load("people-mailmap",
           {"kvmarm-2021-03-3epochs-v2-epoch0.bundle", "kvmarm-2021-03-3epochs-v2-epoch1.bundle",
            "kvmarm-2021-03-3epochs-v2-epoch2.bundle"},
           "Greg Kroah-Hartman <gregkh@linuxfoundation.org> <greg@kroah.com>\n"
           "Justin He <justin.he@arm.com>\n");
  CHECK(m.archive.people.size() + 1 == Kvmarm().archive.people.size());
  CHECK(Find(m.archive, "greg@kroah.com") < 0);
  const int greg = Find(m.archive, "gregkh@linuxfoundation.org");
  REQUIRE(greg >= 0);
  const model::Person& p = m.archive.people[greg];
  CHECK(p.name == "Greg Kroah-Hartman");
  CHECK(p.slug == "gregkh-linuxfoundation-org");
  CHECK(p.emails == std::vector<std::string>{"greg@kroah.com", "gregkh@linuxfoundation.org"});
  // people_counts.py --mailmap (git check-mailmap): 15 messages, 2 patches,
  // 2021-03-15T11:30:38Z … 2021-03-25T11:38:27Z.
  const model::PersonStats& s = m.stats[greg];
  CHECK(s.messages == 15);
  CHECK(s.patches == 2);
  CHECK(s.reviews_given == 0);
  CHECK(s.first == 1615807838);
  CHECK(s.last == 1616672307);
  // A name-only entry settles the display name; the names as written stay.
  const int he = Find(m.archive, "justin.he@arm.com");
  REQUIRE(he >= 0);
  CHECK(m.archive.people[he].name == "Justin He");
  CHECK(Names(m.stats[he].names) == RowList{{"Jia He", 2}, {"Justin He", 2}});
}

TEST_CASE("people: names in RFC 2047 encoded words, in any charset") {
  static const Loaded o = Load("people-oddities", {"kvmarm-oddities-v2-epoch0.bundle"});
  // The 20 encoded From: headers of kvmarm-oddities.mboxrd, by person: the
  // decoded name and how often it was written.
  const std::pair<const char*, RowList> expected[] = {
      {"berrange@redhat.com", {{"Daniel P. Berrangé", 1}}},                           // utf-8 B
      {"andre.przywara@arm.com", {{"André Przywara", 3}}},                            // UTF-8 Q
      {"xu910121@sina.com", {{"张东旭", 1}}},                                         // GBK, quoted
      {"yinhua_chen@outlook.com", {{"胤桦 陈", 3}, {"yinhua_chen@outlook.com", 1}}},  // gb2312
      {"alex.bennee@linaro.org", {{"Alex Bennée", 7}}},  // whole and partial
      {"lukas.juenger@ice.rwth-aachen.de", {{"Lukas Jünger", 3}}},
      {"xieming@kylinos.cn", {{"谢明", 1}}},
      {"philmd@linaro.org", {{"Philippe Mathieu-Daudé", 1}}},
  };
  int total = 0;
  for (const auto& [email, names] : expected) {
    CAPTURE(email);
    const int p = Find(o.archive, email);
    REQUIRE(p >= 0);
    CHECK(Names(o.stats[p].names) == names);
    // The display name is the decoded one, never the address.
    CHECK(o.archive.people[p].name == names.front().first);
    total += names.front().second;
  }
  CHECK(total == 20);
}

TEST_CASE("people: activity by month over years (kvmarm-oddities)") {
  static const Loaded o = Load("people-oddities", {"kvmarm-oddities-v2-epoch0.bundle"});
  // people_counts.py: {"2021-04": [1, 0], "2021-05": [2, 0], "2021-11": [2, 0],
  // "2021-12": [1, 0]}.
  const model::PersonStats& alex = o.stats[Find(o.archive, "alex.bennee@linaro.org")];
  std::vector<std::tuple<std::string, int, int>> months;
  for (const auto& m : alex.months) months.emplace_back(m.month, m.patches, m.reviews);
  CHECK(months == std::vector<std::tuple<std::string, int, int>>{
                      {"2021-04", 1, 0}, {"2021-05", 2, 0}, {"2021-11", 2, 0}, {"2021-12", 1, 0}});
  CHECK(alex.patches == 6);
  CHECK(alex.messages == 7);
}

TEST_CASE("people: organisations from mail domains") {
  const model::Organisations orgs = {
      {"intel.com", "Intel"}, {"linux.intel.com", "Intel OTC"}, {"arm.com", "Arm"}};
  CHECK(model::DomainOf("Justin.He@ARM.com") == "arm.com");
  CHECK(model::DomainOf("no-at-sign") == "no-at-sign");
  CHECK(model::OrganisationOf("arm.com", orgs) == "Arm");
  CHECK(model::OrganisationOf("linux.intel.com", orgs) == "Intel OTC");
  CHECK(model::OrganisationOf("ecs.intel.com", orgs) == "Intel");
  CHECK(model::OrganisationOf("notintel.com", orgs) == "notintel.com");
  CHECK(model::OrganisationOf("kernel.org", orgs) == "kernel.org");
  CHECK(model::OrganisationOf("kernel.org", {}) == "kernel.org");

  const Loaded& k = Kvmarm();
  const auto rows = model::ArchiveOrganisations(k.archive, k.stats,
                                                {{"google.com", "Google"}, {"arm.com", "Arm"}});
  REQUIRE(rows.size() >= 3);
  // Google: qperret 135, ascull 21, seanjc 19, jingzhangos 5, samitolvanen 2.
  CHECK(rows[0].name == "Google");
  CHECK(rows[0].patches == 182);
  CHECK(rows[0].reviews == 2);
  CHECK(rows[0].people == 5);
}

}  // namespace
}  // namespace listdigest
