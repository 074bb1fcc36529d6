// The build cache (site/cache.h) around a build of a small inbox: the
// records a build adds wait in spill files in the cache folder, which are
// gone once Save has written facts.bin and terms.bin; the next build loads
// them whole; a cache folder that cannot be written fails the save with a
// message naming the file, and leaves the files there as they were.
#include "site/cache.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "model/archive.h"
#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;

std::string Q(const std::string& s) { return "'" + s + "'"; }

// The names of the files in `dir` that hold ".tmp-".
std::vector<std::string> TempFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One build's use of the cache: load, list, read the mail through the
// facts store, index a few documents' terms, save.
struct CacheBuild {
  site::BuildCache cache;
  archive::Inbox inbox;
  std::string notice;
  model::BuildTimes times;

  CacheBuild(const std::string& dir, const std::string& inbox_path) {
    cache.Load(dir, inbox_path, true, &notice);
    std::string err;
    REQUIRE_MESSAGE(archive::Inbox::Open(inbox_path, cache.known_epochs(), &inbox, &err), err);
    model::BuildArchive(inbox, archive::Mailmap(), 2, nullptr, cache.facts(), &times);
    for (int i = 0; i < 3; ++i) {
      const auto key = model::HashBytes("document " + std::to_string(i));
      uint32_t title = 0, body = 0;
      if (!cache.terms()->Find(key, &title, &body, [](auto, auto, const auto&) {})) {
        cache.terms()->Add(key, 2, 0, {{"kvm", {0, 1, 0}}});
      }
    }
  }
};

TEST_CASE("build cache: spill files while a build runs, none after Save, all loaded next time") {
  auto mails = testing::ReadTimedMbox(testing::DataPath("kvmarm-series.mboxrd"));
  mails.resize(40);
  const std::string inbox = testing::InboxFromMails("cache-inbox", mails);
  const std::string dir = testing::WorkDir("cache-save") + "/cache";
  const std::string pid = std::to_string(::getpid());
  {
    CacheBuild first(dir, inbox);
    CHECK(first.notice == "no build cache in " + dir +
                              " yet: reading every message (later "
                              "builds reuse it)");
    CHECK(first.times.parsed == 40);
    CHECK(first.cache.facts()->added() == 40);
    // A killed build's leftovers go; this build's spill files stay until
    // they are written out.
    testing::WriteFile(dir + "/facts.bin.tmp-1-added", "left by a killed build");
    CHECK(TempFiles(dir) == std::vector<std::string>{"facts.bin.tmp-1-added",
                                                     "facts.bin.tmp-" + pid + "-added",
                                                     "terms.bin.tmp-" + pid + "-added"});
    std::string err;
    REQUIRE_MESSAGE(first.cache.Save(first.inbox, &err), err);
    CHECK(TempFiles(dir).empty());
    CHECK(fs::exists(dir + "/facts.bin"));
    CHECK(fs::exists(dir + "/terms.bin"));
    CHECK(fs::exists(dir + "/commits.bin"));
  }
  const std::string facts = testing::ReadFile(dir + "/facts.bin");
  const std::string terms = testing::ReadFile(dir + "/terms.bin");
  {
    CacheBuild second(dir, inbox);
    CHECK(second.notice == "");
    CHECK(second.times.parsed == 0);
    CHECK(second.times.cached == 40);
    CHECK(second.cache.facts()->loaded() == 40);
    CHECK_FALSE(second.cache.facts()->Changed());
    CHECK_FALSE(second.cache.terms()->Changed());
    std::string err;
    REQUIRE_MESSAGE(second.cache.Save(second.inbox, &err), err);
    CHECK(TempFiles(dir).empty());
  }
  // Nothing changed: the same bytes.
  CHECK(testing::ReadFile(dir + "/facts.bin") == facts);
  CHECK(testing::ReadFile(dir + "/terms.bin") == terms);
}

TEST_CASE("build cache: the facts of new messages go to facts.delta, loaded with facts.bin") {
  auto mails = testing::ReadTimedMbox(testing::DataPath("kvmarm-series.mboxrd"));
  REQUIRE(mails.size() >= 45);
  const std::string dir = testing::WorkDir("cache-delta") + "/cache";
  auto build = [&](size_t count) {
    // The same messages make the same commits: 45 extend the 40.
    const std::vector<testing::TestMail> some(mails.begin(), mails.begin() + count);
    return testing::InboxFromMails("cache-delta-inbox", some);
  };
  auto save = [](CacheBuild& b) {
    std::string err;
    REQUIRE_MESSAGE(b.cache.Save(b.inbox, &err), err);
  };
  {
    CacheBuild first(dir, build(40));
    save(first);
  }
  const std::string facts = testing::ReadFile(dir + "/facts.bin");
  CHECK_FALSE(fs::exists(dir + "/facts.delta"));
  const std::string inbox = build(45);
  {
    CacheBuild second(dir, inbox);
    CHECK(second.times.parsed == 5);
    CHECK(second.cache.facts()->SavePlan() == model::FactsStore::Plan::kDelta);
    save(second);
  }
  CHECK(testing::ReadFile(dir + "/facts.bin") == facts);
  const std::string delta = testing::ReadFile(dir + "/facts.delta");
  CHECK(delta.size() < facts.size() / 4);
  {
    CacheBuild third(dir, inbox);
    CHECK(third.notice == "");
    CHECK(third.cache.TakeNotices().empty());
    CHECK(third.times.parsed == 0);
    CHECK(third.times.cached == 45);
    CHECK(third.cache.facts()->loaded_delta() == 5);
    save(third);
  }
  CHECK(testing::ReadFile(dir + "/facts.bin") == facts);
  CHECK(testing::ReadFile(dir + "/facts.delta") == delta);

  // A damaged delta: its messages are read again, with a notice, and it is
  // written anew; facts.bin is used as it is.
  std::string damaged = delta;
  damaged[damaged.size() / 2] ^= 0x20;
  testing::WriteFile(dir + "/facts.delta", damaged);
  {
    CacheBuild fourth(dir, inbox);
    CHECK(fourth.cache.TakeNotices() ==
          std::vector<std::string>{dir + "/facts.delta is corrupt (checksum mismatch): "
                                         "reading its messages again"});
    CHECK(fourth.times.parsed == 5);
    CHECK(fourth.times.cached == 40);
    save(fourth);
  }
  CHECK(testing::ReadFile(dir + "/facts.bin") == facts);
  CHECK(testing::ReadFile(dir + "/facts.delta") == delta);

  // --clean (the cache not read): the whole file anew, the delta removed.
  {
    site::BuildCache cache;
    std::string notice, err;
    cache.Load(dir, inbox, false, &notice);
    archive::Inbox opened;
    REQUIRE_MESSAGE(archive::Inbox::Open(inbox, {}, &opened, &err), err);
    model::BuildTimes times;
    model::BuildArchive(opened, archive::Mailmap(), 2, nullptr, cache.facts(), &times);
    CHECK(times.parsed == 45);
    REQUIRE_MESSAGE(cache.Save(opened, &err), err);
  }
  CHECK_FALSE(fs::exists(dir + "/facts.delta"));
  CacheBuild last(dir, inbox);
  CHECK(last.times.cached == 45);
  CHECK(last.cache.facts()->loaded_delta() == 0);
}

// Makes a folder unwritable for the test's user and back: chmod for a
// normal user; root ignores modes, so for root the folder is made immutable
// (as tests/config/config_test.cc does).
class ReadOnly {
 public:
  explicit ReadOnly(std::string dir) : dir_(std::move(dir)) {
    std::string out;
    const std::string cmd = ::geteuid() == 0 ? "chattr +i " : "chmod a-w ";
    REQUIRE_MESSAGE(testing::Run(cmd + Q(dir_), &out) == 0, cmd << dir_ << ": " << out);
  }
  ~ReadOnly() {
    std::string out;
    testing::Run((::geteuid() == 0 ? "chattr -i " : "chmod u+w ") + Q(dir_), &out);
  }
  static std::string Reason() {
    return ::geteuid() == 0 ? "Operation not permitted" : "Permission denied";
  }

 private:
  std::string dir_;
};

TEST_CASE("build cache: a folder that cannot be written fails the save, naming the file") {
  auto mails = testing::ReadTimedMbox(testing::DataPath("kvmarm-series.mboxrd"));
  mails.resize(20);
  std::string inbox = testing::InboxFromMails("cache-read-only-inbox", mails);
  const std::string dir = testing::WorkDir("cache-read-only") + "/cache";
  const std::string pid = std::to_string(::getpid());
  {
    CacheBuild first(dir, inbox);
    std::string err;
    REQUIRE_MESSAGE(first.cache.Save(first.inbox, &err), err);
  }
  // Without facts.bin every message is read again and only facts.bin
  // changes: writing it fails.
  fs::remove(dir + "/facts.bin");
  {
    CacheBuild second(dir, inbox);
    CHECK(second.times.parsed == 20);
    ReadOnly lock(dir);
    std::string err;
    CHECK_FALSE(second.cache.Save(second.inbox, &err));
    CHECK(err == dir + "/facts.bin.tmp-" + pid + ": cannot write: " + ReadOnly::Reason() +
                     "; make the folder writable or set cache_dir to another folder");
  }
  CHECK_FALSE(fs::exists(dir + "/facts.bin"));
  // Ten more messages: commits.bin, written first, fails.
  const std::string commits = testing::ReadFile(dir + "/commits.bin");
  mails = testing::ReadTimedMbox(testing::DataPath("kvmarm-series.mboxrd"));
  mails.resize(30);
  inbox = testing::InboxFromMails("cache-read-only-inbox", mails);
  {
    CacheBuild third(dir, inbox);
    CHECK(third.times.parsed == 30);
    ReadOnly lock(dir);
    std::string err;
    CHECK_FALSE(third.cache.Save(third.inbox, &err));
    CHECK(err == dir + "/commits.bin.tmp-" + pid + ": cannot write: " + ReadOnly::Reason() +
                     "; make the folder writable or set cache_dir to another folder");
  }
  CHECK(testing::ReadFile(dir + "/commits.bin") == commits);
  // Writable again: the next build saves, and leaves no temporary file.
  {
    CacheBuild fourth(dir, inbox);
    CHECK(fourth.times.parsed == 30);
    std::string err;
    REQUIRE_MESSAGE(fourth.cache.Save(fourth.inbox, &err), err);
    CHECK(TempFiles(dir).empty());
  }
  CacheBuild fifth(dir, inbox);
  CHECK(fifth.times.parsed == 0);
}

}  // namespace
}  // namespace listdigest
