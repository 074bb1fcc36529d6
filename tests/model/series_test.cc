// Patch series on real mail: tests/data/kvmarm-series.mboxrd holds every
// message (patches and replies) of fourteen real kvmarm series with all
// their versions, plus two more in part (see tests/data/README.md),
// each committed at its original time. The values below were read from the
// messages themselves (subjects, trailers, "Applied" replies); the thread
// counts were checked with an independent walk over the References headers.
#include "model/series.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "mail/message.h"
#include "model/patch_text.h"
#include "support.h"

namespace listdigest {
namespace {

using model::Archive;

Archive BuildFrom(const std::string& dir) {
  archive::Inbox inbox;
  std::string err;
  REQUIRE_MESSAGE(archive::Inbox::Open(dir, &inbox, &err), err);
  archive::Mailmap mailmap;
  return model::BuildArchive(inbox, mailmap, 2, nullptr);
}

Archive BuildMails(const std::string& name, const std::vector<testing::TestMail>& mails) {
  return BuildFrom(testing::InboxFromMails(name, mails));
}

const std::vector<testing::TestMail>& SliceMails() {
  static const std::vector<testing::TestMail> mails =
      testing::ReadTimedMbox(testing::DataPath("kvmarm-series.mboxrd"));
  return mails;
}

const Archive& Slice() {
  static const Archive a = BuildMails("series-slice", SliceMails());
  return a;
}

const model::Series& SeriesById(const Archive& a, const std::string& id) {
  for (const auto& s : a.series) {
    if (s.id == id) return s;
  }
  FAIL("no series " << id);
  return a.series.front();
}

const std::string& Email(const Archive& a, int person) { return a.people[person].email; }

// "v2:1:superseded v3:2:superseded v4:3:reviewed": label, patches, state.
std::string Chain(const Archive& a, const model::Series& s) {
  std::string out;
  for (int vi : s.versions) {
    const model::SeriesVersion& v = a.versions[vi];
    if (!out.empty()) out += ' ';
    out += model::VersionLabel(v) + ":" + std::to_string(v.patches.size()) + ":" +
           model::StateName(v.state);
  }
  return out;
}

// "1:Acked-by will@kernel.org; 2:…": the reviews of each patch of a
// version, given in replies (to it or to the cover letter); `carried` adds
// the ones the patch itself carries, in braces.
std::string Reviews(const Archive& a, int version) {
  std::string out;
  for (const auto& p : model::ActivityOf(a, version).patches) {
    if (!out.empty()) out += "; ";
    out += std::to_string(a.messages[p.message].subject.number) + ":";
    for (const auto& r : p.reviews) out += " " + r.kind + " " + Email(a, r.person);
    for (const auto& t : p.carried) out += " {" + t.kind + " " + t.who->email + "}";
  }
  return out;
}

// "unchanged 1>1, added >3, dropped 2>": each patch and its counterpart.
std::string Changes(const Archive& a, int older, int newer) {
  std::string out;
  for (const auto& c : model::ComparePatches(a, older, newer)) {
    if (!out.empty()) out += ", ";
    out += std::string(model::PatchChangeName(c.change)) + " ";
    if (c.older >= 0) out += std::to_string(a.messages[c.older].subject.number);
    out += ">";
    if (c.newer >= 0) out += std::to_string(a.messages[c.newer].subject.number);
  }
  return out;
}

int VersionOf(const Archive& a, const std::string& series_id, size_t n) {
  const model::Series& s = SeriesById(a, series_id);
  REQUIRE(n < s.versions.size());
  return s.versions[n];
}

const char* const kParallelFixes = "kvm-arm64-don-t-acquire-rcu-read-lock-for-exclusive-table-wa-07d1b59";
const char* const kA77 = "arm64-add-part-number-for-arm-cortex-a77-e26088f";
const char* const kDebugInfo = "debug-info-for-nvhe-hyp-panics-9c8ee2a";
const char* const kSError = "kvm-arm64-account-host-guest-serror-more-precisely-neoverse-7dd76dc";
const char* const kSkipMore = "kvm-arm64-skip-more-of-the-serror-vaxorcism-de11a60";
const char* const kVfio = "vfio-iommu-type1-some-fixes-5ceed83";
const char* const kM2 = "kvm-arm64-m2-vgic-maintenance-interrupt-rework-pre-nv-89947d0";
const char* const kSysReg = "kvm-arm64-sys-reg-table-init-small-improvements-f7e6c09";
const char* const kDebugfs = "kvm-arm64-fix-use-after-free-in-debugfs-3606d3a";
const char* const kSpe = "perf-arm-spev1-2-support-02c999c";
const char* const kAccessFaults = "kvm-arm64-parallel-access-faults-1114c04";
const char* const kPull = "kvm-arm-fixes-for-5-2-rc6-47384fa";
const char* const kFilterOut = "kvm-arm64-filter-out-invalid-core-register-ids-in-kvm-get-re-f12b904";
const char* const kKvmm = "expose-kvm-api-to-linux-kernel-14f52b1";
const char* const kPtp = "enable-ptp-kvm-for-arm64-1d613e3";
const char* const kMemslots = "kvm-scalable-memslots-implementation-7156a11";

TEST_CASE("series: version chains, patch counts and states of real series") {
  const Archive& a = Slice();
  const std::map<std::string, std::string> expected = {
      {kParallelFixes, "v2:1:superseded v3:2:superseded v4:3:reviewed"},
      {kA77, "v1:2:superseded v2:3:superseded v3:3:superseded v4:3:applied v5:2:superseded "
             "v6:2:superseded v7:2:applied"},
      {kDebugInfo, "v1:2:superseded v2:4:superseded v3:5:applied"},
      {kSError, "v1:6:superseded v2:6:superseded v3:6:no-reply"},
      {kSkipMore, "v2:1:superseded v3:2:no-reply"},
      {kVfio, "v2:2:superseded v2 RESEND:2:superseded v3:2:applied"},
      {kM2, "v1:0:superseded v1 RESEND:3:applied"},
      {kSysReg, "v1:2:superseded v1 RESEND:2:superseded v2:2:applied"},
      {kDebugfs, "v1:4:superseded v2:3:superseded v3:3:applied"},
      {kSpe, "v2:7:superseded v3:8:new"},
      {kAccessFaults, "v1:4:superseded v2:6:no-reply"},
      {kPull, "v1:4:no-reply"},
      {kFilterOut, "v1:1:superseded v4 RESEND:1:reviewed"},
      {kKvmm, "v1:2:new"},
      {kPtp, "RFC v4:5:new"},
      {kMemslots, "v5.5:3:no-reply"},
  };
  CHECK(a.series.size() == expected.size());
  for (const auto& [id, chain] : expected) {
    INFO(id);
    CHECK(Chain(a, SeriesById(a, id)) == chain);
  }
  // The series state is its newest version's; titles and authors.
  const model::Series& fixes = SeriesById(a, kParallelFixes);
  CHECK(fixes.title == "KVM: arm64: Fixes for parallel faults series");
  CHECK(Email(a, fixes.author) == "oliver.upton@linux.dev");
  CHECK(a.versions[fixes.versions.back()].state == model::State::kReviewed);
  CHECK(a.messages[a.versions[fixes.versions.front()].head].message_id ==
        "20221115225502.2240227-1-oliver.upton@linux.dev");
}

TEST_CASE("series: review trailers from replies, from the cover letter, and carried in patches") {
  const Archive& a = Slice();
  // Will Deacon's Acked-by answers the cover letter of v4: it counts for all
  // three patches, so the version is reviewed.
  CHECK(Reviews(a, VersionOf(a, kParallelFixes, 2)) ==
        "1: Acked-by will@kernel.org; 2: Acked-by will@kernel.org; 3: Acked-by will@kernel.org");
  CHECK(Reviews(a, VersionOf(a, kParallelFixes, 1)) == "1:; 2:");
  CHECK(Reviews(a, VersionOf(a, kA77, 5)) ==
        "1: Acked-by catalin.marinas@arm.com; "
        "2: Reviewed-by catalin.marinas@arm.com Acked-by maz@kernel.org");
  // v7 carries Marc's Acked-by in the patch and gets Catalin's again.
  CHECK(Reviews(a, VersionOf(a, kA77, 6)) ==
        "1: Acked-by catalin.marinas@arm.com; "
        "2: Reviewed-by catalin.marinas@arm.com {Acked-by maz@kernel.org}");
  CHECK(Reviews(a, VersionOf(a, kDebugInfo, 1)) ==
        "1: Reviewed-by rostedt@goodmis.org; 2: Reviewed-by rostedt@goodmis.org; 3:; 4:");
  CHECK(Reviews(a, VersionOf(a, kDebugInfo, 2)) ==
        "1: Acked-by will@kernel.org {Reviewed-by rostedt@goodmis.org}; "
        "2: Acked-by will@kernel.org {Reviewed-by rostedt@goodmis.org}; "
        "3: Acked-by will@kernel.org; 4: Acked-by will@kernel.org; 5:");
  CHECK(Reviews(a, VersionOf(a, kFilterOut, 0)) ==
        "-1: Reviewed-by drjones@redhat.com Tested-by drjones@redhat.com");
  // The repost carries them: reviewed without a reply.
  CHECK(Reviews(a, VersionOf(a, kFilterOut, 1)) ==
        "-1: {Reviewed-by drjones@redhat.com} {Tested-by drjones@redhat.com}");
  CHECK(a.versions[VersionOf(a, kFilterOut, 1)].replies.empty());
  CHECK(Reviews(a, VersionOf(a, kSpe, 1)).find(
            "3: Reviewed-by broonie@kernel.org {Tested-by james.clark@arm.com}") != std::string::npos);
}

TEST_CASE("series: replies and distinct repliers per patch and per version") {
  const Archive& a = Slice();
  const int v4 = VersionOf(a, kA77, 3);
  const model::VersionActivity act = model::ActivityOf(a, v4);
  CHECK(a.versions[v4].replies.size() == 10);
  CHECK(act.repliers.size() == 4);
  REQUIRE(act.patches.size() == 3);
  CHECK(act.patches[0].replies.empty());
  CHECK(act.patches[2].replies.size() == 8);
  std::vector<std::string> repliers;
  for (int p : act.patches[2].repliers) repliers.push_back(Email(a, p));
  std::sort(repliers.begin(), repliers.end());
  CHECK(repliers == std::vector<std::string>{"catalin.marinas@arm.com", "maz@kernel.org",
                                             "robh@kernel.org", "will@kernel.org"});
  // The replies to the cover letter: Will's ack and the two "applied" notes.
  CHECK(act.cover_replies.size() == 2);
  const int kvmm = VersionOf(a, kKvmm, 0);
  CHECK(a.versions[kvmm].replies.size() == 13);
  CHECK(model::ActivityOf(a, kvmm).repliers.size() == 7);
}

TEST_CASE("series: applied versions name who applied them and when") {
  const Archive& a = Slice();
  struct Case {
    const char* series;
    size_t version;
    const char* by;
    const char* message;
  };
  for (const Case& c : {Case{kA77, 3, "catalin.marinas@arm.com",
                             "159803353178.13439.2281554739729386553.b4-ty@arm.com"},
                        Case{kA77, 6, "will@kernel.org",
                             "160397616208.746530.13318825625774881470.b4-ty@kernel.org"},
                        Case{kVfio, 2, "alex.williamson@redhat.com",
                             "20210202102155.60341d38@omen.home.shazbot.org"},
                        Case{kDebugfs, 2, "maz@kernel.org",
                             "164932482949.4015708.14856763096234436640.b4-ty@kernel.org"}}) {
    INFO(c.series);
    const model::SeriesVersion& v = a.versions[VersionOf(a, c.series, c.version)];
    CHECK(v.state == model::State::kApplied);
    REQUIRE(v.applied_message >= 0);
    CHECK(Email(a, v.applied_by) == c.by);
    CHECK(a.messages[v.applied_message].message_id == c.message);
  }
  const model::SeriesVersion& v = a.versions[VersionOf(a, kA77, 3)];
  CHECK(a.messages[v.applied_message].date == 1598033700);  // Fri, 21 Aug 2020 19:15:00 +0100
}

TEST_CASE("series: what changed between consecutive versions") {
  const Archive& a = Slice();
  // v3 rebased patches 1 and 2 (only index lines and hunk numbers differ:
  // "@@ -158,30 +158,27 @@" became "@@ -155,30 +155,27 @@"), added 3, changed 4 and 5.
  CHECK(Changes(a, VersionOf(a, kDebugInfo, 1), VersionOf(a, kDebugInfo, 2)) ==
        "unchanged 1>1, unchanged 2>2, added >3, changed 3>4, changed 4>5");
  CHECK(Changes(a, VersionOf(a, kDebugfs, 0), VersionOf(a, kDebugfs, 1)) ==
        "changed 1>1, unchanged 3>2, unchanged 4>3, dropped 2>");
  // v5 dropped "KVM: arm64: Print warning when cpu erratum can cause
  // guests to deadlock"; the others moved up by one and are matched by title.
  CHECK(Changes(a, VersionOf(a, kA77, 3), VersionOf(a, kA77, 4)) ==
        "unchanged 2>1, changed 3>2, dropped 1>");
  CHECK(Changes(a, VersionOf(a, kSpe, 0), VersionOf(a, kSpe, 1)) ==
        "unchanged 1>1, unchanged 2>2, changed 3>3, unchanged 4>4, added >5, unchanged 5>6, "
        "unchanged 6>7, unchanged 7>8");
  // An unnumbered v2 and the same patch as 2/2 of v3, under another title.
  CHECK(Changes(a, VersionOf(a, kParallelFixes, 0), VersionOf(a, kParallelFixes, 1)) ==
        "added >1, changed -1>2");
  // A resend that changed the code (vfio "[RESEND PATCH v2 1/2]" has a new
  // comment and condition).
  CHECK(Changes(a, VersionOf(a, kVfio, 0), VersionOf(a, kVfio, 1)) == "changed 1>1, changed 2>2");
  CHECK(Changes(a, VersionOf(a, kSysReg, 0), VersionOf(a, kSysReg, 1)) ==
        "unchanged 1>1, unchanged 2>2");
}

TEST_CASE("series: the author's changelog, from the cover letter or below ---") {
  const Archive& a = Slice();
  CHECK(model::VersionChangelog(a, VersionOf(a, kParallelFixes, 2)) ==
        "v3: https://lore.kernel.org/kvmarm/20221116165655.2649475-1-oliver.upton@linux.dev/\n"
        "\n"
        "v3 -> v4:\n"
        " - Return an error instead of WARN() in hyp for shared walks (Will)");
  CHECK(model::VersionChangelog(a, VersionOf(a, kVfio, 2)) ==
        "v3:\n"
        " - Populate bitmap unconditionally.\n"
        " - Sanity check notifier when remove all domains.\n"
        "\n"
        "v2:\n"
        " - Address suggestions from Alex.\n"
        " - Remove unnecessary patches.");
  // A single patch: its notes below "---".
  CHECK(model::VersionChangelog(a, VersionOf(a, kSkipMore, 0)) ==
        "This patch was previously posted as part of:\n"
        "[v1] https://lore.kernel.org/linux-arm-kernel/20190604144551.188107-1-james.morse@arm.com/");
  CHECK(model::VersionChangelog(a, VersionOf(a, kA77, 0)).empty());
}

TEST_CASE("series: versions linked by a link to an earlier version in the cover letter") {
  const Archive& a = Slice();
  // "[PATCH v2] KVM: arm64: Don't acquire RCU read lock for exclusive table
  // walks" became "[PATCH v3 0/2] KVM: arm64: Fixes for parallel faults
  // series", whose cover letter says "v2: https://lore.kernel.org/kvmarm/<id>/".
  const int v3 = VersionOf(a, kParallelFixes, 1);
  CHECK(a.messages[a.versions[v3].head].version_links.get() ==
        std::vector<std::string>{"20221115225502.2240227-1-oliver.upton@linux.dev"});
  // "[PATCH v2] KVM: arm64: Skip more of the SError vaxorcism" says it "was
  // previously posted as part of: [v1] <link>", but that series had its
  // own v2 already: it goes on as a series of its own.
  const int skip = VersionOf(a, kSkipMore, 0);
  CHECK(a.messages[a.versions[skip].head].version_links.get() ==
        std::vector<std::string>{"20190604144551.188107-1-james.morse@arm.com"});
  CHECK(SeriesById(a, kSError).versions.size() == 3);
}

TEST_CASE("series: the same change-id links versions whose titles differ") {
  // The SPEv1.2 series as posted, then with the v3 cover letter's Subject
  // altered ("perf: Arm SPEv1.2 support" -> "perf: Arm SPE v1.2 and v8.7
  // support") and its "Link to v2"/"Link to v1" lines removed: only b4's
  // change-id line is left to link the two.
  std::vector<testing::TestMail> mails;
  const std::string v3_cover = "20220825-arm-spe-v8-7-v3-0-87682f78caac@kernel.org";
  for (const auto& m : SliceMails()) {
    if (m.raw.find("arm-spe-v8-7-v") == std::string::npos) continue;
    testing::TestMail copy = m;
    if (copy.raw.find("Message-Id: <" + v3_cover + ">") != std::string::npos) {
      const std::string subject = "Subject: [PATCH v3 0/8] perf: Arm SPEv1.2 support";
      const size_t at = copy.raw.find(subject);
      REQUIRE(at != std::string::npos);
      copy.raw.replace(at, subject.size(), "Subject: [PATCH v3 0/8] perf: Arm SPE v1.2 and v8.7 support");
      for (const char* line : {"- Link to v2: ", "- Link to v1: "}) {
        const size_t link = copy.raw.find(line);
        REQUIRE(link != std::string::npos);
        copy.raw.erase(link, copy.raw.find('\n', link) + 1 - link);
      }
    }
    mails.push_back(copy);
  }
  const Archive a = BuildMails("series-change-id", mails);
  REQUIRE(a.series.size() == 1);
  CHECK(Chain(a, a.series[0]) == "v2:7:superseded v3:8:new");
  CHECK(a.series[0].title == "perf: Arm SPE v1.2 and v8.7 support");
  const model::MessageFacts& cover = a.messages[a.versions[a.series[0].versions.back()].head];
  CHECK(cover.version_links.get().empty());
  bool change_id = false;
  for (const auto& t : cover.trailers) {
    change_id = change_id || (t.kind == "change-id" && t.value == "20220825-arm-spe-v8-7-fedf04e16f23");
  }
  CHECK(change_id);
}

TEST_CASE("series: resends are the same version number again, with or without the word") {
  const Archive& a = Slice();
  // "[RESEND PATCH v2 0/2] vfio/iommu_type1: some fixes", 47 minutes after v2.
  const model::SeriesVersion& vfio = a.versions[VersionOf(a, kVfio, 1)];
  CHECK(vfio.version == 2);
  CHECK(vfio.resend);
  CHECK(model::VersionLabel(vfio) == "v2 RESEND");
  CHECK_FALSE(a.versions[VersionOf(a, kVfio, 0)].resend);
  // Marc's M2 series: the cover letter went out alone, then again 29 s later
  // with its three patches, under the same subject.
  const model::SeriesVersion& first = a.versions[VersionOf(a, kM2, 0)];
  const model::SeriesVersion& again = a.versions[VersionOf(a, kM2, 1)];
  CHECK(a.messages[first.head].subject.text == a.messages[again.head].subject.text);
  CHECK(first.patches.empty());
  CHECK_FALSE(first.resend);
  CHECK(again.resend);
  CHECK(again.version == 1);
}

TEST_CASE("series: a Message-ID sent twice is one patch") {
  const Archive& a = Slice();
  // Two copies of "[PATCH 2/2] KVMM: Memory and interface related changes",
  // two minutes apart, one Message-ID.
  const std::string id = "63cf223058e7963891dcfb8cf0c5ccfe31548712.1589784221.git.ananos@nubificus.co.uk";
  std::vector<int> copies;
  for (size_t i = 0; i < a.messages.size(); ++i) {
    if (a.messages[i].message_id == id) copies.push_back(int(i));
  }
  REQUIRE(copies.size() == 2);
  const int v = VersionOf(a, kKvmm, 0);
  CHECK(a.messages[copies[0]].version == v);
  CHECK(a.messages[copies[1]].version == v);
  CHECK(a.versions[v].patches.size() == 2);
  CHECK(std::count(a.versions[v].patches.begin(), a.versions[v].patches.end(), copies[1]) == 0);
}

TEST_CASE("series: a patch number posted twice in one version, and partial re-rolls") {
  const Archive& a = Slice();
  // v1 of sys_reg_table_init() went out with a stale second "[PATCH 2/2]"
  // left from an earlier format-patch run: the later one takes the place.
  const model::SeriesVersion& v1 = a.versions[VersionOf(a, kSysReg, 0)];
  REQUIRE(v1.patches.size() == 2);
  REQUIRE(v1.replaced.size() == 1);
  CHECK(a.messages[v1.replaced[0]].message_id == "20220425163904.859195-3-alexandru.elisei@arm.com");
  CHECK(a.messages[v1.patches[1]].message_id == "20220425163904.859195-4-alexandru.elisei@arm.com");

  // A whole re-roll numbered v5.5 (real).
  const model::SeriesVersion& memslots = a.versions[VersionOf(a, kMemslots, 0)];
  CHECK(memslots.version == 5);
  CHECK(memslots.revision == "5.5");
  CHECK(model::VersionLabel(memslots) == "v5.5");

  // No partial re-roll "[PATCH v3.1 5/5]" is in the corpora: this one is the
  // real "[PATCH v3 5/5] KVM: arm64: Log source when panicking from nVHE
  // hyp" with only Subject, Message-ID and In-Reply-To altered, as a reply
  // to the v3 patch it replaces.
  const std::string original = "20210318143311.839894-6-ascull@google.com";
  std::vector<testing::TestMail> mails = SliceMails();
  testing::TestMail reroll = mails[0];
  for (const auto& m : mails) {
    if (m.raw.find("Message-Id: <" + original + ">") != std::string::npos) reroll = m;
  }
  auto replace = [&reroll](const std::string& from, const std::string& to) {
    const size_t at = reroll.raw.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    reroll.raw.replace(at, from.size(), to);
  };
  replace("Subject: [PATCH v3 5/5]", "Subject: [PATCH v3.1 5/5]");
  replace("Message-Id: <" + original + ">", "Message-Id: <reroll-" + original + ">");
  replace("In-Reply-To: <20210318143311.839894-1-ascull@google.com>", "In-Reply-To: <" + original + ">");
  reroll.time += 3600;
  mails.push_back(reroll);
  const Archive b = BuildMails("series-partial-reroll", mails);
  const model::Series& debug = SeriesById(b, kDebugInfo);
  CHECK(Chain(b, debug) == "v1:2:superseded v2:4:superseded v3:5:applied");
  const model::SeriesVersion& v3 = b.versions[debug.versions.back()];
  REQUIRE(v3.patches.size() == 5);
  CHECK(b.messages[v3.patches[4]].message_id == "reroll-" + original);
  CHECK(b.messages[v3.patches[4]].subject.revision() == "3.1");
  REQUIRE(v3.replaced.size() == 1);
  CHECK(b.messages[v3.replaced[0]].message_id == original);
  CHECK(b.series.size() == a.series.size());
}

TEST_CASE("series: a pull request's patches are no new version of the series they came from") {
  const Archive& a = Slice();
  // "[GIT PULL] KVM/arm fixes for 5.2-rc6" with its four patches, one of them
  // Dave Martin's "KVM: arm64: Filter out invalid core register IDs in
  // KVM_GET_REG_LIST", which keeps its own two versions.
  const model::Series& pull = SeriesById(a, kPull);
  const model::SeriesVersion& v = a.versions[pull.versions[0]];
  REQUIRE(v.pull >= 0);
  CHECK(a.messages[v.pull].subject.text == "[GIT PULL] KVM/arm fixes for 5.2-rc6");
  CHECK(pull.title == "KVM/arm fixes for 5.2-rc6");
  CHECK(Email(a, pull.author) == "marc.zyngier@arm.com");
  CHECK(v.patches.size() == 4);
  CHECK(SeriesById(a, kFilterOut).versions.size() == 2);
}

TEST_CASE("series: a cover letter's patches with another total or no version in their subjects") {
  const Archive& a = Slice();
  // "[RFC PATCH v4 0/6] Enable ptp_kvm for arm64" answered by "[RFC PATCH v4
  // 1/5]" … "5/5" from the same author.
  const model::SeriesVersion& v = a.versions[VersionOf(a, kPtp, 0)];
  CHECK(v.total == 6);
  CHECK(v.patches.size() == 5);
  CHECK(a.messages[v.patches.back()].subject.total == 5);
}

// Every patch message is in exactly one version: its cover, one of its
// patches, a patch a re-roll replaced, or the second copy of a Message-ID
// (pointing at its first copy's version).
void CheckEveryPatchInOneVersion(const Archive& a) {
  std::map<int, int> seen;  // message -> times listed
  for (size_t vi = 0; vi < a.versions.size(); ++vi) {
    const model::SeriesVersion& v = a.versions[vi];
    std::vector<int> listed = v.patches;
    listed.insert(listed.end(), v.replaced.begin(), v.replaced.end());
    if (v.cover >= 0) listed.push_back(v.cover);
    for (int m : listed) {
      ++seen[m];
      CHECK(a.messages[m].version == int(vi));
    }
    CHECK(v.series >= 0);
    CHECK(std::count(a.series[v.series].versions.begin(), a.series[v.series].versions.end(),
                     int(vi)) == 1);
  }
  size_t patches = 0;
  for (size_t i = 0; i < a.messages.size(); ++i) {
    const model::MessageFacts& m = a.messages[i];
    if (!m.is_patch()) continue;
    ++patches;
    const int first = a.FindMessage(m.message_id);
    if (first != int(i)) {
      CHECK(seen.count(int(i)) == 0);
      CHECK(m.version == a.messages[first].version);
      continue;
    }
    INFO(m.subject.text);
    CHECK(seen[int(i)] == 1);
  }
  CHECK(patches > 0);
  size_t in_series = 0;
  for (const auto& s : a.series) in_series += s.versions.size();
  CHECK(in_series == a.versions.size());
}

TEST_CASE("series: every patch message of a whole inbox is in exactly one version") {
  const Archive a = BuildFrom(testing::InboxFromBundles(
      "series-3epochs", {"kvmarm-2021-03-3epochs-v2-epoch0.bundle",
                         "kvmarm-2021-03-3epochs-v2-epoch1.bundle",
                         "kvmarm-2021-03-3epochs-v2-epoch2.bundle"}));
  CHECK(a.messages.size() == 783);
  CheckEveryPatchInOneVersion(a);
  CheckEveryPatchInOneVersion(Slice());
}

// Builds the first half of an inbox's commits, then all of it; every series
// of the first build keeps its id, and each of its patches is still in a
// series with that id.
void CheckIdsStable(const Archive& half, const Archive& full) {
  std::set<std::string> full_ids;
  for (const auto& s : full.series) full_ids.insert(s.id);
  for (const auto& s : half.series) {
    INFO(s.id);
    CHECK(full_ids.count(s.id) == 1);
    for (int vi : s.versions) {
      const model::SeriesVersion& v = half.versions[vi];
      std::vector<int> messages = v.patches;
      if (v.cover >= 0) messages.push_back(v.cover);
      for (int m : messages) {
        const int there = full.FindMessage(half.messages[m].message_id);
        REQUIRE(there >= 0);
        const int fv = full.messages[there].version;
        REQUIRE(fv >= 0);
        CHECK(full.series[full.versions[fv].series].id == s.id);
      }
    }
  }
}

TEST_CASE("series: ids stay the same when the archive is built in two steps") {
  SUBCASE("the March 2021 inbox, its master reset to the middle commit, then whole") {
    const std::string dir = testing::InboxFromBundles("series-two-steps",
                                                      {"kvmarm-2021-03-v2-epoch0.bundle"});
    const std::string git = "git --git-dir='" + dir + "/git/0.git' ";
    std::string out;
    REQUIRE(testing::Run(git + "rev-list --reverse master", &out) == 0);
    std::vector<std::string> commits;
    for (size_t pos = 0; pos < out.size();) {
      const size_t end = out.find('\n', pos);
      commits.push_back(out.substr(pos, end - pos));
      pos = end + 1;
    }
    REQUIRE(commits.size() == 783);
    const Archive full = BuildFrom(dir);
    REQUIRE(testing::Run(git + "update-ref refs/heads/master " + commits[commits.size() / 2 - 1],
                         &out) == 0);
    const Archive half = BuildFrom(dir);
    CHECK(half.messages.size() == 391);
    CHECK(half.series.size() < full.series.size());
    CheckIdsStable(half, full);
  }
  SUBCASE("the series slice, first half then all") {
    const auto& mails = SliceMails();
    const std::vector<testing::TestMail> first(mails.begin(), mails.begin() + mails.size() / 2);
    const Archive half = BuildMails("series-slice-half", first);
    CHECK(half.series.size() == 8);
    CheckIdsStable(half, Slice());
  }
}

TEST_CASE("series: versions waiting for review at a point in time") {
  const Archive& a = Slice();
  auto waiting = [&a](int64_t end) {
    std::vector<std::string> out;
    for (int v : model::WaitingForReview(a, end, 8 * 7 * 24 * 3600)) {
      out.push_back(a.messages[a.versions[v].head].message_id);
    }
    return out;
  };
  // Commit times are the archive's: the mirror took in June 2019's mail on
  // 2019-07-01. After that batch (11:41:23): Dave Martin's repost, SError v3,
  // "Skip more" v3 and the pull's patches have no reply yet; the earlier
  // versions were answered or followed by newer ones.
  CHECK(waiting(1561981283) == std::vector<std::string>{
                                   "1560343489-22906-1-git-send-email-Dave.Martin@arm.com",
                                   "20190618151738.258983-1-james.morse@arm.com",
                                   "20190618151809.259038-1-james.morse@arm.com",
                                   "20190620112301.138137-2-marc.zyngier@arm.com"});
  // Each Cortex-A77 version waits until the next one is posted.
  for (size_t k : {0, 1, 2}) {
    const model::SeriesVersion& v = a.versions[VersionOf(a, kA77, k)];
    CHECK(waiting(a.messages[v.head].time) ==
          std::vector<std::string>{a.messages[v.head].message_id});
  }
  // Just after v1 of the debugfs fix was posted, before any reply.
  const int64_t posted = a.messages[a.versions[VersionOf(a, kDebugfs, 0)].head].time;
  const std::vector<std::string> then = waiting(posted);
  CHECK(std::count(then.begin(), then.end(), "20220402174044.2263418-1-oupton@google.com") == 1);
}

TEST_CASE("patch text: diff fingerprint, notes, changelog and version links of real patches") {
  const auto& mails = SliceMails();
  auto body = [&mails](const std::string& id) {
    for (const auto& m : mails) {
      if (m.raw.find("<" + id + ">") == std::string::npos) continue;
      const mail::Message parsed = mail::ParseMessage(m.raw);
      if (parsed.message_id == id) return parsed.body;
    }
    FAIL("no message " << id);
    return std::string();
  };
  // debug-info v2 1/4 and v3 1/5: the same change rebased, other index
  // line and hunk numbers.
  const std::string v2 = body("20210223155759.3495252-2-ascull@google.com");
  const std::string v3 = body("20210318143311.839894-2-ascull@google.com");
  CHECK(v2.find("@@ -158,30 +158,27 @@") != std::string::npos);
  CHECK(v3.find("@@ -155,30 +155,27 @@") != std::string::npos);
  CHECK(model::DiffHash(v2) != 0);
  CHECK(model::DiffHash(v2) == model::DiffHash(v3));
  CHECK(model::DiffHash(body("20210318143311.839894-5-ascull@google.com")) !=
        model::DiffHash(body("20210223155759.3495252-4-ascull@google.com")));
  // A cover letter has no diff.
  CHECK(model::DiffHash(body("20210318143311.839894-1-ascull@google.com")) == 0);

  CHECK(model::PatchNotes(body("20190610163034.116151-1-james.morse@arm.com")) ==
        "This patch was previously posted as part of:\n"
        "[v1] https://lore.kernel.org/linux-arm-kernel/20190604144551.188107-1-james.morse@arm.com/");
  CHECK(model::PatchNotes(v3).empty());

  // Sean Christopherson's v5.5 cover letter: a changelog headed "v5.5", and
  const std::string sean = body("20211104002531.1176691-1-seanjc@google.com");
  CHECK(model::ChangelogSection(sean).rfind("v5.5\n  * Add all the pre- and post-work cleanups.", 0) == 0);
  // "v5:" on its own line, the link below it.
  const std::vector<std::string> links = model::VersionLinks(sean);
  REQUIRE(links.size() == 1);
  CHECK(links[0].rfind("cover.1632171478.", 0) == 0);

  // A Supersedes: header line in the text (no such mail is in the corpora:
  // this is the real v4 cover letter of the parallel-faults fixes with its
  // "v3: <link>" line rewritten so).
  std::string supersedes = body("20221118182222.3932898-1-oliver.upton@linux.dev");
  const std::string line = "v3: https://lore.kernel.org/kvmarm/20221116165655.2649475-1-oliver.upton@linux.dev/";
  const size_t at = supersedes.find(line);
  REQUIRE(at != std::string::npos);
  supersedes.replace(at, line.size(), "Supersedes: <20221116165655.2649475-1-oliver.upton@linux.dev>");
  CHECK(model::VersionLinks(supersedes) ==
        std::vector<std::string>{"20221116165655.2649475-1-oliver.upton@linux.dev"});
  // A link without a version label is no version link: the SPEv1.2 v3 cover
  // letter's "[1] <link>" names the perf tool series it needs; "- Link to
  // v2: <link>" and "- Link to v1: <link>" count.
  CHECK(model::VersionLinks(body("20220825-arm-spe-v8-7-v3-0-87682f78caac@kernel.org")) ==
        std::vector<std::string>{"20220825-arm-spe-v8-7-v2-0-e37322d68ac0@kernel.org",
                                 "20220825-arm-spe-v8-7-v1-0-c75b8d92e692@kernel.org"});
}

}  // namespace
}  // namespace listdigest
