// Threading and series on mangled threads. The messages are real: Marc
// Zyngier's "[PATCH v3 0/2] KVM: arm64: Assorted IPA size fixes", its two
// patches and the b4 "Applied" reply, read from the kvmarm-2021-03 inbox of
// tests/data. Each test alters them minimally, only in the In-Reply-To,
// References or Message-ID header (named in the test), or stores them in
// another order, epoch or week, to make the broken threads real archives
// hold: reference cycles, self-references, duplicate Message-IDs, replies
// stored before their parent, and a series split over epochs and digests.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "model/archive.h"
#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;

const std::string kCover = "20210311100016.3830038-1-maz@kernel.org";
const std::string kPatch1 = "20210311100016.3830038-2-maz@kernel.org";
const std::string kPatch2 = "20210311100016.3830038-3-maz@kernel.org";
const std::string kApplied = "161556504005.3921077.277089202831479241.b4-ty@kernel.org";
constexpr int64_t kThursday = 1615456800;    // 2021-03-11 10:00 UTC, week 2021-W10
constexpr int64_t kNextMonday = 1615802400;  // 2021-03-15 10:00 UTC, week 2021-W11

// The raw message with Message-ID `id` from the real kvmarm-2021-03 inbox.
std::string Real(const std::string& id) {
  static const std::map<std::string, std::string> messages = [] {
    std::map<std::string, std::string> found;
    archive::Inbox inbox;
    std::string err;
    REQUIRE(archive::Inbox::Open(
        testing::InboxFromBundles("threading-source", {"kvmarm-2021-03-v2-epoch0.bundle"}), &inbox,
        &err));
    for (size_t i = 0; i < inbox.commits().size(); ++i) {
      if (inbox.commits()[i].kind != archive::CommitKind::kMessage) continue;
      std::string raw;
      REQUIRE(inbox.ReadBlob(i, &raw, &err));
      for (const std::string& wanted : {kCover, kPatch1, kPatch2, kApplied}) {
        if (raw.find("\nMessage-Id: <" + wanted + ">\n") != std::string::npos) found[wanted] = raw;
      }
    }
    return found;
  }();
  REQUIRE_MESSAGE(messages.count(id), "no message " << id << " in the kvmarm-2021-03 inbox");
  return messages.at(id);
}

// `raw` with header `name` set to `value`: its line and folded continuation
// lines replaced, or a new line at the top of the headers when missing.
std::string SetHeader(std::string raw, const std::string& name, const std::string& value) {
  const size_t end = raw.find("\n\n");
  size_t at = 0;
  while (at < end) {
    if (raw.compare(at, name.size() + 1, name + ":") == 0) break;
    at = raw.find('\n', at) + 1;
  }
  if (at >= end) return name + ": " + value + "\n" + raw;
  size_t stop = raw.find('\n', at) + 1;
  while (raw[stop] == ' ' || raw[stop] == '\t') stop = raw.find('\n', stop) + 1;
  return raw.replace(at, stop - at, name + ": " + value + "\n");
}

model::Archive Build(const std::string& name, const std::vector<testing::TestMail>& mails) {
  archive::Inbox inbox;
  std::string err;
  REQUIRE(archive::Inbox::Open(testing::InboxFromMails(name, mails), &inbox, &err));
  return model::BuildArchive(inbox, archive::Mailmap(), 2, nullptr);
}

int At(const model::Archive& a, const std::string& id) {
  const int i = a.FindMessage(id);
  REQUIRE_MESSAGE(i >= 0, id);
  return i;
}

// Walking up from any message ends within as many steps as there are messages.
bool IsForest(const model::Archive& a) {
  for (size_t i = 0; i < a.messages.size(); ++i) {
    int at = static_cast<int>(i);
    for (size_t steps = 0; at >= 0; ++steps) {
      if (steps > a.messages.size()) return false;
      at = a.messages[at].parent;
    }
  }
  return true;
}

size_t Diagnostics(const model::Archive& a, const std::string& id, const std::string& phrase) {
  size_t n = 0;
  for (const auto& d : a.diagnostics) n += d.message_id == id && d.text.find(phrase) == 0;
  return n;
}

// The series version led by the cover letter.
const model::SeriesVersion& CoverVersion(const model::Archive& a) {
  const int v = a.messages[At(a, kCover)].version;
  REQUIRE(v >= 0);
  return a.versions[v];
}

TEST_CASE("threading: the real thread, unaltered") {
  const model::Archive a = Build("thread-real", {{Real(kCover), kThursday},
                                                 {Real(kPatch1), kThursday + 1},
                                                 {Real(kPatch2), kThursday + 2},
                                                 {Real(kApplied), kThursday + 3600}});
  REQUIRE(a.messages.size() == 4);
  CHECK(a.messages[At(a, kCover)].parent == -1);
  CHECK(a.messages[At(a, kPatch1)].parent == At(a, kCover));
  CHECK(a.messages[At(a, kApplied)].parent == At(a, kCover));
  const model::SeriesVersion& v = CoverVersion(a);
  CHECK(v.patches == std::vector<int>{At(a, kPatch1), At(a, kPatch2)});
  CHECK(v.replies == std::vector<int>{At(a, kApplied)});
  CHECK(v.state == model::State::kApplied);
  CHECK(a.diagnostics.empty());
}

TEST_CASE("threading: a reference cycle is cut where it closes, and counted") {
  // Altered: the cover letter gets "In-Reply-To: <the Applied reply>", so
  // the cover and the reply name each other.
  const std::string cover = SetHeader(Real(kCover), "In-Reply-To", "<" + kApplied + ">");
  const model::Archive a = Build("thread-cycle", {{cover, kThursday},
                                                  {Real(kPatch1), kThursday + 1},
                                                  {Real(kPatch2), kThursday + 2},
                                                  {Real(kApplied), kThursday + 3600}});
  CHECK(IsForest(a));
  // The reply's link to an earlier message stays; the cover's link forward
  // to the reply would close the loop and goes.
  CHECK(a.messages[At(a, kApplied)].parent == At(a, kCover));
  CHECK(a.messages[At(a, kCover)].parent == -1);
  CHECK(Diagnostics(a, kCover, "reference cycle") == 1);
  CHECK(a.diagnostics.size() == 1);
  const model::SeriesVersion& v = CoverVersion(a);
  CHECK(v.replies == std::vector<int>{At(a, kApplied)});
  CHECK(v.patches.size() == 2);
}

TEST_CASE("threading: a cycle of three is cut once") {
  // Altered: patch 1 answers patch 2 (In-Reply-To and References), and the
  // cover answers patch 1: cover -> patch 1 -> patch 2 -> cover.
  const std::string cover = SetHeader(Real(kCover), "In-Reply-To", "<" + kPatch1 + ">");
  std::string patch1 = SetHeader(Real(kPatch1), "In-Reply-To", "<" + kPatch2 + ">");
  patch1 = SetHeader(patch1, "References", "<" + kPatch2 + ">");
  const model::Archive a =
      Build("thread-cycle3",
            {{cover, kThursday}, {patch1, kThursday + 1}, {Real(kPatch2), kThursday + 2}});
  CHECK(IsForest(a));
  // Patch 2's link back to the cover is kept; of the two links forward, the
  // one that closes the loop (patch 1 -> patch 2, in archive order) goes.
  CHECK(a.messages[At(a, kPatch2)].parent == At(a, kCover));
  CHECK(a.messages[At(a, kCover)].parent == At(a, kPatch1));
  CHECK(a.messages[At(a, kPatch1)].parent == -1);
  CHECK(a.diagnostics.size() == 1);
  CHECK(Diagnostics(a, kPatch1, "reference cycle") == 1);
}

TEST_CASE("threading: self-references are dropped, other references kept") {
  // Altered: patch 1 names itself first in In-Reply-To and References;
  // patch 2 names only itself.
  std::string patch1 = SetHeader(Real(kPatch1), "In-Reply-To", "<" + kPatch1 + ">");
  patch1 = SetHeader(patch1, "References", "<" + kCover + "> <" + kPatch1 + ">");
  std::string patch2 = SetHeader(Real(kPatch2), "In-Reply-To", "<" + kPatch2 + ">");
  patch2 = SetHeader(patch2, "References", "<" + kPatch2 + ">");
  const model::Archive a = Build(
      "thread-self", {{Real(kCover), kThursday}, {patch1, kThursday + 1}, {patch2, kThursday + 2}});
  CHECK(IsForest(a));
  CHECK(a.messages[At(a, kPatch1)].parent == At(a, kCover));
  CHECK(a.messages[At(a, kPatch2)].parent == -1);
  // Patch 2 answers nothing (no In-Reply-To: key 0); patch 1 the cover,
  // through In-Reply-To and References both.
  CHECK(model::ExtractFacts(mail::ParseMessage(patch2)).above == std::vector<uint64_t>{0});
  CHECK(model::ExtractFacts(mail::ParseMessage(patch1)).above ==
        std::vector<uint64_t>{0, model::MessageKey(kCover)});
  // Patch 2 still joins the series: same author, tags and total, same day.
  CHECK(CoverVersion(a).patches == std::vector<int>{At(a, kPatch1), At(a, kPatch2)});
  CHECK(a.diagnostics.empty());
}

TEST_CASE("threading: duplicate Message-IDs keep both messages; the first answers lookups") {
  // Patch 1 stored twice, byte for byte (a message delivered twice), and,
  // altered, patch 2 carrying patch 1's Message-ID.
  const std::string patch2 = SetHeader(Real(kPatch2), "Message-Id", "<" + kPatch1 + ">");
  const model::Archive a = Build("thread-dup", {{Real(kCover), kThursday},
                                                {Real(kPatch1), kThursday + 1},
                                                {Real(kPatch1), kThursday + 2},
                                                {patch2, kThursday + 3},
                                                {Real(kApplied), kThursday + 3600}});
  REQUIRE(a.messages.size() == 5);
  CHECK(IsForest(a));
  CHECK(At(a, kPatch1) == 1);
  for (int i : {1, 2, 3}) CHECK(a.messages[i].parent == At(a, kCover));
  CHECK(a.messages[At(a, kApplied)].parent == At(a, kCover));
  // Every message is in the series; series ids stay unique.
  const model::SeriesVersion& v = CoverVersion(a);
  for (int i : {1, 2, 3}) CHECK(a.messages[i].version == a.messages[At(a, kCover)].version);
  CHECK(v.replies == std::vector<int>{At(a, kApplied)});
  std::set<std::string> ids;
  for (const auto& s : a.series) CHECK(ids.insert(s.id).second);
}

TEST_CASE("threading: replies stored before their parents still find them") {
  // Unaltered messages, stored newest first.
  const model::Archive a = Build("thread-reversed", {{Real(kApplied), kThursday},
                                                     {Real(kPatch2), kThursday + 1},
                                                     {Real(kPatch1), kThursday + 2},
                                                     {Real(kCover), kThursday + 3}});
  CHECK(IsForest(a));
  CHECK(a.messages[At(a, kApplied)].parent == At(a, kCover));
  CHECK(a.messages[At(a, kPatch1)].parent == At(a, kCover));
  CHECK(a.messages[At(a, kPatch2)].parent == At(a, kCover));
  const model::SeriesVersion& v = CoverVersion(a);
  CHECK(v.head == At(a, kCover));
  CHECK(v.patches == std::vector<int>{At(a, kPatch1), At(a, kPatch2)});
  CHECK(v.replies == std::vector<int>{At(a, kApplied)});
  CHECK(v.state == model::State::kApplied);
  CHECK(a.diagnostics.empty());
}

TEST_CASE("threading: a series split over two epochs and two weekly digests is one series") {
  // Unaltered messages: the cover and patch 1 in epoch 0 in week 2021-W10,
  // patch 2 and the reply in epoch 1 in week 2021-W11.
  const std::string dir = testing::InboxFromMails(
      "thread-epochs", {{Real(kCover), kThursday}, {Real(kPatch1), kThursday + 1}});
  const std::string second = testing::InboxFromMails(
      "thread-epochs-1", {{Real(kPatch2), kNextMonday}, {Real(kApplied), kNextMonday + 3600}});
  fs::rename(second + "/git/0.git", dir + "/git/1.git");
  archive::Inbox inbox;
  std::string err;
  REQUIRE(archive::Inbox::Open(dir, &inbox, &err));
  REQUIRE(inbox.epochs() == 2);
  const model::Archive a = model::BuildArchive(inbox, archive::Mailmap(), 2, nullptr);
  REQUIRE(a.series.size() == 1);
  CHECK(CoverVersion(a).patches == std::vector<int>{At(a, kPatch1), At(a, kPatch2)});
  CHECK(CoverVersion(a).replies == std::vector<int>{At(a, kApplied)});

  // Both weekly digests list the series, new only in the week of its cover.
  const std::string site = testing::WorkDir("thread-epochs-site");
  testing::WriteFile(site + "/site.toml", "list = \"kvmarm\"\n[archive]\npath = \"" + dir +
                                              "\"\n[digests]\nperiod = \"week\"\n");
  std::string out;
  REQUIRE_MESSAGE(testing::Run("'" + testing::Binary() + "' build --config '" + site +
                                   "/site.toml' --out '" + site + "/out'",
                               &out) == 0,
                  out);
  using nlohmann::json;
  const json w10 = json::parse(testing::ReadFile(site + "/out/digests/2021-W10/digest.json"));
  const json w11 = json::parse(testing::ReadFile(site + "/out/digests/2021-W11/digest.json"));
  REQUIRE(w10["series"].size() == 1);
  REQUIRE(w11["series"].size() == 1);
  CHECK(w10["series"][0]["id"] == a.series[0].id);
  CHECK(w11["series"][0]["id"] == a.series[0].id);
  CHECK(w10["series"][0]["new"] == true);
  CHECK(w11["series"][0]["new"] == false);
  CHECK(w10["patches"] == 2);
  CHECK(w11["patches"] == 1);
  CHECK(w11["replies"] == 1);
}

}  // namespace
}  // namespace listdigest
