// Reading real inboxes: the kvmarm-2021-03 slice as a v1 inbox, a one-epoch
// v2 inbox and a three-epoch v2 inbox with a deleted spam message.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <thread>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "model/archive.h"
#include "support.h"

namespace listdigest {
namespace {

using archive::CommitKind;
using archive::Inbox;

std::string ThreeEpochs() {
  static const std::string dir = testing::InboxFromBundles(
      "k3", {"kvmarm-2021-03-3epochs-v2-epoch0.bundle", "kvmarm-2021-03-3epochs-v2-epoch1.bundle",
             "kvmarm-2021-03-3epochs-v2-epoch2.bundle"});
  return dir;
}

size_t LiveMessages(const Inbox& inbox) {
  size_t n = 0;
  for (const auto& c : inbox.commits()) n += c.kind == CommitKind::kMessage && !c.deleted;
  return n;
}

TEST_CASE("inbox: v1, v2 and three-epoch v2 forms of one slice hold the same 783 messages") {
  std::string err;
  Inbox v1, v2, k3;
  const std::string v1_dir = testing::WorkDir("v1") + "/kvmarm.git";
  std::string out;
  REQUIRE(testing::Run("git clone -q --mirror '" + testing::DataPath("kvmarm-2021-03-v1.bundle") +
                           "' '" + v1_dir + "'", &out) == 0);
  REQUIRE_MESSAGE(Inbox::Open(v1_dir, &v1, &err), err);
  REQUIRE_MESSAGE(Inbox::Open(testing::InboxFromBundles("v2", {"kvmarm-2021-03-v2-epoch0.bundle"}),
                              &v2, &err), err);
  REQUIRE_MESSAGE(Inbox::Open(ThreeEpochs(), &k3, &err), err);
  CHECK(v1.epochs() == 1);
  CHECK(v2.epochs() == 1);
  CHECK(k3.epochs() == 3);
  CHECK(LiveMessages(v1) == 783);
  CHECK(LiveMessages(v2) == 783);
  CHECK(LiveMessages(k3) == 783);
  CHECK(k3.commits().size() == 271 + 295 + 219);
  CHECK(v2.commits().back().id == "0a02370aa4fd8459224ae48bcb3f82d43fb09ecb");
  CHECK(v1.commits().back().id == "85ea59487683161704accb4f4cc015242b6dc8dd");

  // The same messages, in the same order, whatever the layout.
  const model::Archive a1 = model::BuildArchive(v1, archive::Mailmap(), 2, nullptr);
  const model::Archive a2 = model::BuildArchive(v2, archive::Mailmap(), 1, nullptr);
  const model::Archive a3 = model::BuildArchive(k3, archive::Mailmap(), 2, nullptr);
  REQUIRE(a1.messages.size() == 783);
  REQUIRE(a2.messages.size() == 783);
  REQUIRE(a3.messages.size() == 783);
  for (size_t i = 0; i < 783; ++i) {
    CHECK(a1.messages[i].message_id == a2.messages[i].message_id);
    CHECK(a2.messages[i].message_id == a3.messages[i].message_id);
  }
}

TEST_CASE("inbox: a d commit removes the spam message from every digest") {
  Inbox k3;
  std::string err;
  REQUIRE(Inbox::Open(ThreeEpochs(), &k3, &err));
  const auto& last = k3.commits().back();
  CHECK(last.id == "5b7a389415a3f6f0ae05be02265268345cf17771");
  CHECK(last.kind == CommitKind::kDeletion);
  size_t deleted = 0;
  for (const auto& c : k3.commits()) {
    if (c.deleted) {
      ++deleted;
      CHECK(c.blob == last.blob);
      CHECK(c.epoch == 2);
    }
  }
  CHECK(deleted == 1);
  const model::Archive a = model::BuildArchive(k3, archive::Mailmap(), 2, nullptr);
  for (const auto& m : a.messages) CHECK(m.subject.text.find("UNSUBSCRIBE") == std::string::npos);
}

TEST_CASE("inbox: ranges resolve prefixes across epochs and refuse bad ends") {
  Inbox k3;
  std::string err;
  REQUIRE(Inbox::Open(ThreeEpochs(), &k3, &err));
  archive::Range r;
  SUBCASE("a range from epoch 0 into epoch 1") {
    REQUIRE_MESSAGE(k3.ResolveRange("a10c811eb", "0c6886e0a", &r, &err), err);
    CHECK(r.from == "a10c811ebe630be2dea3d1da66241a02546c04c8");
    CHECK(r.to == "0c6886e0a7f6baa2514377e65bfcd14a68814faa");
    CHECK(r.messages.size() == 171);  // 71 left in epoch 0, 100 of epoch 1
  }
  SUBCASE("a ref resolves in the newest epoch that has it") {
    REQUIRE_MESSAGE(k3.ResolveRange("a10c811eb", "master", &r, &err), err);
    CHECK(r.to == "5b7a389415a3f6f0ae05be02265268345cf17771");
    CHECK(r.messages.size() == 783 - 200);
  }
  SUBCASE("unknown commit") {
    CHECK_FALSE(k3.ResolveRange("deadbeef1", "master", &r, &err));
    CHECK(err == "commit deadbeef1 not found in " + ThreeEpochs() +
                     "; use an id (or unambiguous prefix) from git log of one of its epochs, or a ref");
  }
  SUBCASE("ambiguous prefix") {
    CHECK_FALSE(k3.ResolveRange("6d13", "master", &r, &err));
    CHECK(err == "commit 6d13 is ambiguous in " + ThreeEpochs() +
                     " (2 commits start with it); give more digits");
  }
  SUBCASE("reversed range") {
    CHECK_FALSE(k3.ResolveRange("0c6886e0a", "a10c811eb", &r, &err));
    CHECK(err == "range 0c6886e0a..a10c811eb is reversed: 0c6886e0a is newer than a10c811eb; swap them");
  }
}

TEST_CASE("inbox: BlobReaders on two threads read what ReadBlob reads, in every epoch") {
  Inbox k3;
  std::string err;
  REQUIRE(Inbox::Open(ThreeEpochs(), &k3, &err));
  const size_t n = k3.commits().size();
  std::vector<std::string> expected(n), got(n);
  for (size_t i = 0; i < n; ++i) REQUIRE_MESSAGE(k3.ReadBlob(i, &expected[i], &err), err);
  std::vector<std::string> errors(2);
  auto read_half = [&](size_t half) {
    archive::BlobReader reader(k3);
    for (size_t i = half; i < n; i += 2) {
      if (!reader.Read(i, &got[i], &errors[half])) return;
    }
  };
  std::thread other(read_half, 1);
  read_half(0);
  other.join();
  CHECK(errors[0].empty());
  CHECK(errors[1].empty());
  for (size_t i = 0; i < n; ++i) CHECK(got[i] == expected[i]);
  // The d commit names the blob of the message it deletes: the spam.
  CHECK(got.back().find("UNSUBSCRIBE") != std::string::npos);
}

TEST_CASE("inbox: closed epochs open again; a BlobReader goes back to an epoch it left") {
  Inbox k3;
  std::string err;
  REQUIRE(Inbox::Open(ThreeEpochs(), &k3, &err));
  const size_t n = k3.commits().size();
  std::vector<std::string> expected(n);
  for (size_t i = 0; i < n; ++i) REQUIRE_MESSAGE(k3.ReadBlob(i, &expected[i], &err), err);
  REQUIRE(k3.commits().front().epoch != k3.commits().back().epoch);
  k3.ReleaseCaches();
  std::string bytes;
  REQUIRE_MESSAGE(k3.ReadBlob(n - 1, &bytes, &err), err);
  CHECK(bytes == expected[n - 1]);
  size_t position = 0;
  k3.ReleaseCaches();
  REQUIRE_MESSAGE(k3.Resolve(k3.commits()[1].id.str(), &position, &err), err);
  CHECK(position == 1);
  // Last, first, last again: the reader closes an epoch as it leaves it.
  archive::BlobReader reader(k3);
  for (size_t i : {n - 1, size_t{0}, n - 1, size_t{0}}) {
    REQUIRE_MESSAGE(reader.Read(i, &bytes, &err), err);
    CHECK(bytes == expected[i]);
  }
}

TEST_CASE("inbox: object ids are held as 20 bytes and read as lower-case hex") {
  const std::string hex = "0123456789abcdef0123456789ABCDEF01234567";
  const archive::Hex40 id(hex);
  CHECK(id.size() == 40);
  CHECK(id.str() == "0123456789abcdef0123456789abcdef01234567");
  CHECK(id == archive::Hex40(id.str()));
  CHECK(id.key().size() == 20);
  CHECK(static_cast<unsigned char>(id.key()[1]) == 0x23);
  CHECK(archive::Hex40::FromRaw(id.raw()) == id);
  CHECK(id.substr(0, 12) == "0123456789ab");
  CHECK("commit " + id == "commit 0123456789abcdef0123456789abcdef01234567");
  // Anything but 40 hex digits is no id.
  for (const char* bad : {"", "0123", "0123456789abcdef0123456789abcdef0123456g",
                          "0123456789abcdef0123456789abcdef012345678"}) {
    const archive::Hex40 none(bad);
    CHECK(none.empty());
    CHECK(none.str().empty());
    CHECK(none.key().empty());
    CHECK(none == archive::Hex40());
  }
  // The ids of a real inbox are git's.
  Inbox k3;
  std::string err;
  REQUIRE(Inbox::Open(ThreeEpochs(), &k3, &err));
  for (const auto& c : k3.commits()) {
    CHECK(c.id.size() == 40);
    CHECK(c.blob.size() == (c.kind == CommitKind::kOther ? 0 : 40));
  }
}

std::string Git(const std::string& git_dir, const std::string& args) {
  std::string out;
  const int status = testing::Run("git --git-dir='" + git_dir + "' " + args, &out, false);
  REQUIRE_MESSAGE(status == 0, args << ": " << out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST_CASE("inbox: an epoch with a merge lists every commit once, parents first") {
  // The one-epoch slice, with a side line of one message branched off 100
  // commits back and merged into master: HEAD's first-parent line no longer
  // holds every commit, so the whole history is walked.
  const std::string dir = testing::InboxFromBundles("merge", {"kvmarm-2021-03-v2-epoch0.bundle"});
  const std::string g = dir + "/git/0.git";
  const std::string base = Git(g, "rev-parse HEAD~100");
  testing::WriteFile(dir + "/side.eml",
                     "From: Side <side@example.org>\nSubject: [PATCH] a message on a side line\n"
                     "Date: Wed, 10 Mar 2021 19:00:00 +0100\nMessage-ID: <side-1@example.org>\n\n"
                     "Body.\n");
  const std::string blob = Git(g, "hash-object -w '" + dir + "/side.eml'");
  std::string out;
  REQUIRE(testing::Run("printf '100644 blob " + blob + "\\tm\\n' | git --git-dir='" + g +
                           "' mktree > '" + dir + "/tree.txt'", &out) == 0);
  const std::string tree = testing::ReadFile(dir + "/tree.txt").substr(0, 40);
  const std::string id = "-c user.name=x -c user.email=x@example.org ";
  const std::string side = Git(g, id + "commit-tree " + tree + " -p " + base + " -m side");
  const std::string head = Git(g, "rev-parse HEAD");
  const std::string head_tree = Git(g, "rev-parse HEAD^{tree}");
  const std::string merge =
      Git(g, id + "commit-tree " + head_tree + " -p " + head + " -p " + side + " -m merge");
  Git(g, "update-ref refs/heads/master " + merge);

  Inbox inbox;
  std::string err;
  REQUIRE_MESSAGE(Inbox::Open(dir, &inbox, &err), err);
  const auto& commits = inbox.commits();
  CHECK(commits.size() == 783 + 2);
  CHECK(LiveMessages(inbox) == 783 + 1 + 1);  // the merge commit's tree holds HEAD's message
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < commits.size(); ++i) {
    CHECK_MESSAGE(at.emplace(commits[i].id, i).second, commits[i].id << " listed twice");
  }
  REQUIRE(at.count(side));
  REQUIRE(at.count(merge));
  CHECK(at[base] < at[side]);
  CHECK(at[head] < at[merge]);
  CHECK(at[side] < at[merge]);
  CHECK(commits.back().id == merge);
  CHECK(commits[at[side]].blob == blob);
}

TEST_CASE("inbox: a missing archive or a folder that is no repository is named") {
  Inbox inbox;
  std::string err;
  CHECK_FALSE(Inbox::Open("/nonexistent/inbox", &inbox, &err));
  CHECK(err.rfind("/nonexistent/inbox: archive not found;", 0) == 0);
  const std::string empty = testing::WorkDir("not-a-repo");
  CHECK_FALSE(Inbox::Open(empty, &inbox, &err));
  CHECK(err.rfind(empty + ": not a git repository", 0) == 0);
}

}  // namespace
}  // namespace listdigest
