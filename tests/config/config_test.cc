// Bad configs and bad archives, through the listdigest binary: each stops
// the build with exit status 2 and exactly one line, "listdigest: error: "
// with the file and line, path or commit, what is wrong and what to do,
// and the site built before stays byte for byte as it was.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

struct Fixture {
  std::string dir;       // work folder
  std::string inbox;     // a good one-epoch inbox (real kvmarm mail)
  std::string site;      // the site built from it before any error
  std::string snapshot;  // a copy of that site
};

const Fixture& Previous() {
  static const Fixture f = [] {
    Fixture x;
    x.inbox = testing::InboxFromBundles("config-inbox", {"kvmarm-2021-03-v2-epoch0.bundle"});
    x.dir = testing::WorkDir("config");
    x.site = x.dir + "/site";
    x.snapshot = x.dir + "/snapshot";
    testing::WriteFile(x.dir + "/good.toml", "[archive]\npath = \"" + x.inbox + "\"\n");
    std::string out;
    REQUIRE_MESSAGE(testing::Run(Quote(testing::Binary()) + " build --config " +
                                     Quote(x.dir + "/good.toml") + " --out " + Quote(x.site),
                                 &out) == 0,
                    out);
    REQUIRE(testing::Run("cp -a " + Quote(x.site) + " " + Quote(x.snapshot), &out) == 0);
    return x;
  }();
  return f;
}

// Builds with `config` (written to <dir>/site.toml unless it is a path
// already) into the previous site; returns the exit status and fills `out`.
int Build(const std::string& toml, std::string* out, const std::string& site = "") {
  const Fixture& f = Previous();
  const std::string config = f.dir + "/site.toml";
  testing::WriteFile(config, toml);
  return testing::Run(Quote(testing::Binary()) + " build --config " + Quote(config) + " --out " +
                          Quote(site.empty() ? f.site : site),
                      out);
}

void CheckIntact() {
  const Fixture& f = Previous();
  std::string out;
  CHECK_MESSAGE(testing::Run("diff -r " + Quote(f.snapshot) + " " + Quote(f.site), &out) == 0, out);
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return !prefix.empty() && s.rfind(prefix, 0) == 0;
}

// The keys after "known keys here: " in a one-line error.
std::vector<std::string> KnownKeys(const std::string& out) {
  std::vector<std::string> keys;
  const size_t at = out.find("known keys here: ");
  if (at == std::string::npos) return keys;
  std::string rest = out.substr(at + 17);
  if (!rest.empty() && rest.back() == '\n') rest.pop_back();
  for (size_t pos = 0; pos <= rest.size();) {
    const size_t comma = std::min(rest.find(", ", pos), rest.size());
    keys.push_back(rest.substr(pos, comma - pos));
    pos = comma + 2;
  }
  return keys;
}

// One line ending in a sorted list of known keys, with those that are there
// for good.
bool IsKeyList(const std::string& out) {
  const std::vector<std::string> keys = KnownKeys(out);
  if (out.find('\n') != out.size() - 1 || !std::is_sorted(keys.begin(), keys.end())) return false;
  for (const char* key : {"archive", "base_url", "digests", "list", "theme", "title"}) {
    if (std::count(keys.begin(), keys.end(), key) != 1) return false;
  }
  return true;
}

// The one line a failed build prints.
std::string Error(const std::string& text) { return "listdigest: error: " + text + "\n"; }

TEST_CASE("config: unknown keys name the closest known key") {
  const Fixture& f = Previous();
  const std::string cfg = f.dir + "/site.toml";
  const std::string archive = "[archive]\npath = \"" + f.inbox + "\"\n";
  std::string out;
  // The top level gains keys as the site grows: after the exact sentence,
  // the list is checked for its form and for keys that are there for good.
  CHECK(Build("titel = \"KVM\"\n" + archive, &out) == 2);
  CHECK(StartsWith(out, "listdigest: error: " + cfg +
                            ":1:1: unknown key 'titel'; did you mean 'title'? known keys here: "));
  CHECK(IsKeyList(out));
  CHECK(Build(archive + "mailmpa = \".mailmap\"\n", &out) == 2);
  CHECK(out == Error(cfg + ":3:1: unknown key 'archive.mailmpa'; did you mean 'archive.mailmap'? "
                           "known keys here: domains, mailmap, message_url, path"));
  CHECK(Build(archive + "[[digests.range]]\nform = \"a10c811eb\"\nto = \"0a02370aa\"\n", &out) ==
        2);
  CHECK(out == Error(cfg + ":4:1: unknown key 'digests.range.form'; did you mean "
                           "'digests.range.from'? known keys here: from, to"));
  // Nothing close: no guess.
  CHECK(Build("colour = \"blue\"\n" + archive, &out) == 2);
  CHECK(StartsWith(out, "listdigest: error: " + cfg +
                            ":1:1: unknown key 'colour'; known keys "
                            "here: "));
  CHECK(IsKeyList(out));
  CheckIntact();
}

TEST_CASE("config: wrong types say what was found and how to write it") {
  const Fixture& f = Previous();
  const std::string cfg = f.dir + "/site.toml";
  const std::string archive = "[archive]\npath = \"" + f.inbox + "\"\n";
  std::string out;
  CHECK(Build("title = 3\n" + archive, &out) == 2);
  CHECK(out == Error(cfg + ":1:9: title must be a string, not an integer; write it in quotes: "
                           "title = \"…\""));
  CHECK(Build("archive = \"" + f.inbox + "\"\n", &out) == 2);
  CHECK(out == Error(cfg + ":1:11: archive must be a table, not a string; write [archive] and "
                           "path = \"…\" below it"));
  CHECK(Build(archive + "[digests]\ntop = \"15\"\n", &out) == 2);
  CHECK(out ==
        Error(cfg + ":4:7: digests.top must be a whole number from 1 to 1000, not a string"));
  CHECK(Build(archive + "[digests]\nrange = \"a..b\"\n", &out) == 2);
  CHECK(out == Error(cfg + ":4:9: digests.range must be written as [[digests.range]] tables"));
  CheckIntact();
}

TEST_CASE("config: values out of range, reversed and unknown commits") {
  const Fixture& f = Previous();
  const std::string cfg = f.dir + "/site.toml";
  const std::string archive = "[archive]\npath = \"" + f.inbox + "\"\n";
  std::string out;
  CHECK(Build(archive + "[digests]\ntop = 0\n", &out) == 2);
  CHECK(out == Error(cfg + ":4:7: digests.top must be a whole number from 1 to 1000, not 0"));
  CHECK(Build(archive + "[digests]\ntop = 5000\n", &out) == 2);
  CHECK(out == Error(cfg + ":4:7: digests.top must be a whole number from 1 to 1000, not 5000"));
  CHECK(Build(archive + "[digests]\nperiod = \"fortnight\"\n", &out) == 2);
  CHECK(out ==
        Error(cfg + ":4:10: digests.period must be \"week\", \"month\", \"day\" or \"none\", "
                    "not \"fortnight\""));
  // 0a02370aa is the newest commit of the inbox, cdac053a9 an older one.
  CHECK(Build(archive + "[[digests.range]]\nfrom = \"0a02370aa\"\nto = \"cdac053a9\"\n", &out) ==
        2);
  CHECK(out == Error(cfg + ":3: digests.range: range 0a02370aa..cdac053a9 is reversed: 0a02370aa "
                           "is newer than cdac053a9; swap them"));
  CHECK(Build(archive + "[[digests.range]]\nfrom = \"cdac053a9\"\nto = \"ffffffff9\"\n", &out) ==
        2);
  CHECK(out ==
        Error(cfg + ":3: digests.range: commit ffffffff9 not found in " + f.inbox +
              "; use an id (or unambiguous prefix) from git log of one of its epochs, or a ref"));
  CHECK(Build(archive + "[[digests.range]]\nfrom = \"cdac053a9\"\n", &out) == 2);
  CHECK(out == Error(cfg + ":3:1: digests.range needs both from and to (commit ids)"));
  CheckIntact();
}

TEST_CASE("archive: an epoch missing in the middle") {
  // Epochs 0 and 2 of the real three-epoch kvmarm inbox, without 1.
  const std::string inbox = testing::InboxFromBundles(
      "config-gap",
      {"kvmarm-2021-03-3epochs-v2-epoch0.bundle", "kvmarm-2021-03-3epochs-v2-epoch2.bundle"});
  fs::rename(inbox + "/git/1.git", inbox + "/git/2.git");
  const std::string cfg = Previous().dir + "/site.toml";
  std::string out;
  CHECK(Build("[archive]\npath = \"" + inbox + "\"\n", &out) == 2);
  CHECK(out == Error(cfg + ": archive.path: " + inbox +
                     "/git: epoch 1 is missing (found 0.git and "
                     "2.git); mirror it into " +
                     inbox +
                     "/git/1.git (git clone --mirror "
                     "<list URL>/1 " +
                     inbox + "/git/1.git)"));
  CheckIntact();
}

TEST_CASE("archive: a shallow clone") {
  const std::string source =
      testing::InboxFromBundles("config-deep", {"kvmarm-2021-03-v2-epoch0.bundle"});
  const std::string inbox = testing::WorkDir("config-shallow");
  std::string out;
  REQUIRE_MESSAGE(
      testing::Run("git clone -q --mirror --depth 5 " + Quote("file://" + source + "/git/0.git") +
                       " " + Quote(inbox + "/git/0.git"),
                   &out) == 0,
      out);
  const std::string cfg = Previous().dir + "/site.toml";
  CHECK(Build("[archive]\npath = \"" + inbox + "\"\n", &out) == 2);
  CHECK(out == Error(cfg + ": archive.path: " + inbox +
                     "/git/0.git: a shallow clone (its history "
                     "is cut, digests would miss mail); fetch all of it with git --git-dir=" +
                     inbox + "/git/0.git fetch --unshallow"));
  CheckIntact();
}

TEST_CASE("archive: a git repository that is not an inbox") {
  // A code repository: commits of README.md and src/main.c, no `m`, no `d`,
  // no v1 file named after a SHA-1.
  const std::string repo = testing::WorkDir("config-code") + "/code.git";
  std::string out;
  REQUIRE(testing::Run("git init -q --bare " + Quote(repo), &out) == 0);
  testing::WriteFile(repo + "/../import",
                     "commit refs/heads/master\ncommitter a <a@example.org> 1614592800 +0000\n"
                     "data 7\nREADME\nM 100644 inline README.md\ndata 6\nhello\n\n"
                     "commit refs/heads/master\ncommitter a <a@example.org> 1614592900 +0000\n"
                     "data 5\ncode\nM 100644 inline src/main.c\ndata 13\nint main() {}\n");
  REQUIRE(testing::Run("git --git-dir=" + Quote(repo) + " fast-import --quiet < " +
                           Quote(repo + "/../import"),
                       &out) == 0);
  const std::string cfg = Previous().dir + "/site.toml";
  CHECK(Build("[archive]\npath = \"" + repo + "\"\n", &out) == 2);
  CHECK(out == Error(cfg + ": archive.path: " + repo +
                     ": not a public-inbox archive: none of its 2 "
                     "commits holds an `m` or `d` file (v2) or a file named like ab/cdef0123… "
                     "(v1); point archive.path at the inbox's folder (with git/0.git) or one "
                     "of its epochs"));
  CheckIntact();
}

// Makes a folder unwritable for the test's user and back: chmod for a
// normal user; root ignores modes, so for root the folder is made immutable.
class ReadOnly {
 public:
  explicit ReadOnly(std::string dir) : dir_(std::move(dir)) {
    std::string out;
    const std::string cmd = ::geteuid() == 0 ? "chattr +i " : "chmod a-w ";
    REQUIRE_MESSAGE(testing::Run(cmd + Quote(dir_), &out) == 0, cmd << dir_ << ": " << out);
  }
  ~ReadOnly() {
    std::string out;
    testing::Run((::geteuid() == 0 ? "chattr -i " : "chmod u+w ") + Quote(dir_), &out);
  }
  static std::string Reason() {
    return ::geteuid() == 0 ? "Operation not permitted" : "Permission denied";
  }

 private:
  std::string dir_;
};

TEST_CASE("output: a folder that cannot be written stops the build before it starts") {
  const Fixture& f = Previous();
  const std::string good = "[archive]\npath = \"" + f.inbox + "\"\n";
  std::string out;
  {
    ReadOnly lock(f.site);
    CHECK(Build(good, &out) == 2);
    CHECK(out == Error(f.site + ": the output folder is not writable (" + ReadOnly::Reason() +
                       "); choose another --out or make it writable"));
  }
  CheckIntact();
  // A file where the folder should be, and a folder below a file.
  const std::string file = f.dir + "/a-file";
  testing::WriteFile(file, "x");
  CHECK(Build(good, &out, file) == 2);
  CHECK(out == Error(file + ": the output folder is a file; choose another --out or move that "
                            "file away"));
  CHECK(Build(good, &out, file + "/site") == 2);
  CHECK(out == Error(file + "/site: cannot create the output folder (Not a directory); choose "
                            "another --out or create it yourself"));
  CHECK(testing::ReadFile(file) == "x");
}

TEST_CASE("config: a good config after all this builds, and leaves no stray files") {
  const Fixture& f = Previous();
  std::string out;
  CHECK(Build("[archive]\npath = \"" + f.inbox + "\"\n", &out) == 0);
  CHECK(out.find(" 0 files written, ") != std::string::npos);
  CheckIntact();
}

}  // namespace
}  // namespace listdigest
