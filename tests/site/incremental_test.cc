// Incremental builds and safe output (issue 7), through the listdigest binary
// on the real three-epoch kvmarm inbox: a build in two steps (the first half
// of the history, then the rest, with a new epoch) equals a one-step build
// file by file, as do --jobs 1 and --jobs 8; files that no longer belong are
// removed and nobody else's; a rewritten history, a damaged or foreign cache
// and a template change give the site a clean build gives; a second build
// on one folder stops; a build killed at random points leaves a complete
// site that the next build finishes.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "site/manifest.h"
#include "support.h"

extern char** environ;

namespace listdigest {
namespace {

namespace fs = std::filesystem;

std::string Q(const std::string& s) { return "'" + s + "'"; }

// Every regular file below `dir` by relative path, without what a build
// leaves only while it runs (or when it was killed).
using Tree = std::map<std::string, std::string>;
Tree ReadTree(const std::string& dir) {
  Tree tree;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string rel = fs::relative(it->path(), dir).generic_string();
    if (rel.rfind(site::kTempDirName, 0) == 0 || rel == site::kPendingName) continue;
    if (it->is_regular_file()) tree[rel] = testing::ReadFile(it->path().string());
  }
  return tree;
}

// "" when equal, else the first differences.
std::string Diff(const Tree& a, const Tree& b) {
  std::string out;
  int shown = 0;
  for (const auto& [path, bytes] : a) {
    auto it = b.find(path);
    if (it == b.end()) out += "only in the first: " + path + "\n";
    else if (it->second != bytes) out += "differs: " + path + "\n";
    else continue;
    if (++shown == 10) return out;
  }
  for (const auto& [path, bytes] : b) {
    if (!a.count(path)) out += "only in the second: " + path + "\n";
    if (++shown == 10) return out;
  }
  return out;
}

// The inbox, its heads, and two configs over it: `inc` builds step by step
// with its cache, `ref` makes clean builds to compare with (its own cache
// folder, so the two never share anything).
struct World {
  std::string dir, inbox, inc, ref;
  std::string head1, mid1;  // epoch 1: its head, and its 147th commit
};

std::string Git(const std::string& git_dir, const std::string& args) {
  std::string out;
  const int status = testing::Run("git --git-dir=" + Q(git_dir) + " " + args, &out, false);
  REQUIRE_MESSAGE(status == 0, args << ": " << out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

const char kWeekConfig[] =
    "title = \"kvmarm test\"\nlist = \"kvmarm\"\nbase_url = \"https://example.org/kvmarm\"\n\n"
    "[archive]\npath = \"../inbox\"\n"
    "message_url = \"https://lore.kernel.org/kvmarm/{message_id}/\"\n\n"
    "[digests]\nperiod = \"week\"\n\n"
    "[[digests.range]]\nfrom = \"a10c811eb\"\nto = \"0c6886e0a\"\n";

std::string Config(const std::string& period) {
  std::string c = kWeekConfig;
  c.replace(c.find("\"week\""), 6, "\"" + period + "\"");
  return c;
}

World& TheWorld() {
  static World w = [] {
    World x;
    x.dir = testing::WorkDir("incremental");
    x.inbox = x.dir + "/inbox";
    std::string out;
    for (int e = 0; e < 3; ++e) {
      REQUIRE(testing::Run("git clone -q --mirror " +
                               Q(testing::DataPath("kvmarm-2021-03-3epochs-v2-epoch" +
                                                   std::to_string(e) + ".bundle")) +
                               " " + Q(x.inbox + "/git/" + std::to_string(e) + ".git"),
                           &out) == 0);
    }
    x.head1 = Git(x.inbox + "/git/1.git", "rev-parse HEAD");
    x.mid1 = Git(x.inbox + "/git/1.git", "rev-list --reverse HEAD").substr(146 * 41, 40);
    x.inc = x.dir + "/inc/site.toml";
    x.ref = x.dir + "/ref/site.toml";
    testing::WriteFile(x.inc, kWeekConfig);
    testing::WriteFile(x.ref, kWeekConfig);
    return x;
  }();
  return w;
}

// The first half of the history: epoch 1 cut at its middle, epoch 2 not yet
// there (a new epoch appears when the last one is full).
void ArchiveHalf() {
  World& w = TheWorld();
  Git(w.inbox + "/git/1.git", "update-ref refs/heads/master " + w.mid1);
  std::error_code ec;
  if (fs::exists(w.inbox + "/git/2.git")) fs::rename(w.inbox + "/git/2.git", w.dir + "/aside-2.git");
}

void ArchiveFull() {
  World& w = TheWorld();
  Git(w.inbox + "/git/1.git", "update-ref refs/heads/master " + w.head1);
  if (fs::exists(w.dir + "/aside-2.git")) fs::rename(w.dir + "/aside-2.git", w.inbox + "/git/2.git");
}

struct Result {
  int status = -1;
  std::string output;
};

Result Build(const std::string& config, const std::string& out_dir, const std::string& flags = "") {
  Result r;
  r.status = testing::Run(Q(testing::Binary()) + " build --config " + Q(config) + " --out " +
                              Q(out_dir) + " " + flags,
                          &r.output);
  return r;
}

// A clean build of `ref` (written with `config_text`) into a fresh folder.
Tree Reference(const std::string& config_text, const std::string& name) {
  World& w = TheWorld();
  testing::WriteFile(w.ref, config_text);
  const std::string out = w.dir + "/" + name;
  fs::remove_all(out);
  const Result r = Build(w.ref, out, "--clean --jobs 2");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  return ReadTree(out);
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The number after `label` in a build's output; -1 when absent.
long NumberAfter(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  return at == std::string::npos ? -1 : std::atol(text.c_str() + at + label.size());
}

// N of the summary line "listdigest: N messages, …".
long Messages(const std::string& text) {
  size_t at = text.find(" messages, ");
  if (at == std::string::npos) return -1;
  while (at > 0 && std::isdigit(static_cast<unsigned char>(text[at - 1]))) --at;
  return std::atol(text.c_str() + at);
}

// Messages read and parsed, and taken from the cache: "messages: 3 read, 780
// from the cache".
std::pair<long, long> ReadAndCached(const std::string& text) {
  const long read = NumberAfter(text, "messages: ");
  const size_t comma = text.find(" read, ", text.find("messages: "));
  return {read, comma == std::string::npos ? -1 : std::atol(text.c_str() + comma + 7)};
}

constexpr long kMessages = 783;  // 784 commits with mail, one of them deleted

TEST_CASE("incremental: two steps equal one step, file by file; --jobs 1 equals --jobs 8") {
  World& w = TheWorld();
  const std::string site = w.dir + "/site-two-steps";
  ArchiveHalf();
  Result r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(Has(r.output, "no build cache in " + w.dir + "/inc/.listdigest-cache yet"));
  const long first_half = Messages(r.output);
  CHECK(first_half > 300);
  CHECK(first_half < 500);
  ArchiveFull();
  r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  // Only the second half of the mail was read; the first came from the cache.
  const auto [read, cached] = ReadAndCached(r.output);
  CHECK_MESSAGE(read == kMessages - first_half, r.output);
  CHECK(cached == first_half);
  const Tree two_steps = ReadTree(site);
  const Tree one_step = Reference(kWeekConfig, "site-one-step");
  CHECK(two_steps.count(".listdigest-manifest") == 1);
  CHECK(two_steps.count("digests/2021-W10/digest.json") == 1);
  CHECK_MESSAGE(Diff(two_steps, one_step).empty(), Diff(two_steps, one_step));

  for (const char* jobs : {"1", "8"}) {
    const std::string out = w.dir + "/site-jobs" + jobs;
    fs::remove_all(out);
    r = Build(w.ref, out, std::string("--clean --jobs ") + jobs);
    REQUIRE_MESSAGE(r.status == 0, r.output);
    CHECK_MESSAGE(Diff(ReadTree(out), one_step).empty(), jobs);
  }

  // Again, with nothing changed: nothing to do, nothing touched.
  r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(Has(r.output, "nothing changed since the last build"));
  CHECK(Has(r.output, " 0 files written, "));
  CHECK(Diff(ReadTree(site), one_step).empty());
}

TEST_CASE("incremental: small steps add to facts.delta; three steps equal one step") {
  World& w = TheWorld();
  ArchiveFull();
  const std::string epoch2 = w.inbox + "/git/2.git";
  const std::string head2 = Git(epoch2, "rev-parse HEAD");
  // Epoch 2 is moved back and forth: put back whatever happens.
  struct Restore {
    std::string git_dir, head;
    ~Restore() {
      std::string out;
      testing::Run("git --git-dir=" + Q(git_dir) + " update-ref refs/heads/master " + head, &out);
    }
  } restore{epoch2, head2};
  // A config and cache of its own, so that the first step starts empty.
  const std::string config = w.dir + "/steps/site.toml";
  const std::string cache = w.dir + "/steps/.listdigest-cache";
  const std::string site = w.dir + "/site-steps";
  testing::WriteFile(config, kWeekConfig);
  Git(epoch2, "update-ref refs/heads/master " + head2 + "~40");
  Result r = Build(config, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  // (A few of the 40 commits left out hold no mail.)
  const long first = Messages(r.output);
  CHECK(first > kMessages - 41);
  CHECK(first < kMessages - 30);
  const std::string facts = testing::ReadFile(cache + "/facts.bin");
  CHECK_FALSE(fs::exists(cache + "/facts.delta"));

  // 20 commits more: their facts go to facts.delta; facts.bin stays.
  Git(epoch2, "update-ref refs/heads/master " + head2 + "~20");
  r = Build(config, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  const long second = Messages(r.output);
  CHECK(second > first);
  CHECK(ReadAndCached(r.output) == std::pair<long, long>{second - first, first});
  CHECK(testing::ReadFile(cache + "/facts.bin") == facts);
  REQUIRE(fs::exists(cache + "/facts.delta"));
  const uintmax_t delta = fs::file_size(cache + "/facts.delta");

  // The last 20: the delta is loaded with facts.bin (nothing read twice) and
  // grows; the site is the one-step site, file by file.
  Git(epoch2, "update-ref refs/heads/master " + head2);
  r = Build(config, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(Messages(r.output) == kMessages);
  CHECK(ReadAndCached(r.output) == std::pair<long, long>{kMessages - second, second});
  CHECK(testing::ReadFile(cache + "/facts.bin") == facts);
  CHECK(fs::file_size(cache + "/facts.delta") > delta);
  const Tree steps = ReadTree(site);
  const Tree one_step = Reference(kWeekConfig, "site-one-step");
  CHECK_MESSAGE(Diff(steps, one_step).empty(), Diff(steps, one_step));
}

TEST_CASE("incremental: files that no longer belong are removed, and only those") {
  World& w = TheWorld();
  ArchiveFull();
  const std::string site = w.dir + "/site-removal";
  testing::WriteFile(w.inc, kWeekConfig);
  Result r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  // Someone's own files: beside the site's, and in a folder the site empties.
  testing::WriteFile(site + "/README.md", "mine\n");
  testing::WriteFile(site + "/digests/2021-W10/notes.txt", "mine too\n");
  REQUIRE(fs::exists(site + "/digests/2021-W09/digest.txt"));

  testing::WriteFile(w.inc, Config("month"));
  r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK_FALSE(Has(r.output, " 0 removed"));
  CHECK_FALSE(fs::exists(site + "/digests/2021-W09"));  // emptied: gone
  CHECK(fs::exists(site + "/digests/2021-03/digest.txt"));
  CHECK(testing::ReadFile(site + "/README.md") == "mine\n");
  CHECK(testing::ReadFile(site + "/digests/2021-W10/notes.txt") == "mine too\n");
  CHECK_FALSE(fs::exists(site + "/digests/2021-W10/digest.txt"));
  Tree month = ReadTree(site);
  month.erase("README.md");
  month.erase("digests/2021-W10/notes.txt");
  const Tree reference = Reference(Config("month"), "site-month");
  CHECK_MESSAGE(Diff(month, reference).empty(), Diff(month, reference));

  // And back: the weeks return, the months go.
  testing::WriteFile(w.inc, kWeekConfig);
  r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(fs::exists(site + "/digests/2021-W09/digest.txt"));
  CHECK_FALSE(fs::exists(site + "/digests/2021-03"));
  CHECK(testing::ReadFile(site + "/digests/2021-W10/notes.txt") == "mine too\n");
}

TEST_CASE("incremental: a damaged manifest removes nothing; a crafted one cannot escape") {
  World& w = TheWorld();
  ArchiveFull();
  const std::string site = w.dir + "/site-manifest";
  testing::WriteFile(w.inc, kWeekConfig);
  REQUIRE(Build(w.inc, site).status == 0);
  // A manifest naming a file outside the folder, with a valid checksum.
  const std::string outside = w.dir + "/outside.txt";
  testing::WriteFile(outside, "keep\n");
  site::Manifest m;
  std::string why;
  REQUIRE(site::ReadManifest(site, &m, &why));
  std::string text = testing::ReadFile(site + "/" + site::kManifestName);
  text = text.substr(0, text.rfind("end "));
  text += std::string(32, '0') + " 5 ../outside.txt\n";
  const model::Hash128 h = model::HashBytes(text);
  text += "end " + std::to_string(m.size() + 1) + " " + h.Hex() + "\n";
  testing::WriteFile(site + "/" + site::kManifestName, text);
  CHECK_FALSE(site::ReadManifest(site, &m, &why));
  CHECK(why == "its manifest is damaged");

  testing::WriteFile(w.inc, Config("month"));
  const Result r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(Has(r.output, "its manifest is damaged, so files of earlier builds that no longer "
                      "belong stay"));
  CHECK(testing::ReadFile(outside) == "keep\n");
  CHECK(fs::exists(site + "/digests/2021-W09/digest.txt"));  // not known to be ours
  // The build wrote a sound manifest: from now on removal works again.
  REQUIRE(site::ReadManifest(site, &m, &why));
  CHECK(m.count("digests/2021-03/digest.txt") == 1);
  CHECK(m.count("digests/2021-W09/digest.txt") == 0);
}

// Makes epoch 1 end at its middle commit plus one new message: a history
// rewritten after the last build read it.
void RewriteEpoch1() {
  World& w = TheWorld();
  const std::string g = w.inbox + "/git/1.git";
  const std::string mail =
      "From: Rewriter <rewriter@example.org>\nTo: kvmarm@lists.cs.columbia.edu\n"
      "Subject: [PATCH] KVM: arm64: a message written into a rewritten history\n"
      "Date: Wed, 10 Mar 2021 19:00:00 +0100\nMessage-ID: <rewrite-1@example.org>\n\n"
      "Body.\n";
  testing::WriteFile(w.dir + "/rewrite.eml", mail);
  const std::string blob = Git(g, "hash-object -w " + Q(w.dir + "/rewrite.eml"));
  std::string out;
  REQUIRE(testing::Run("printf '100644 blob " + blob + "\\tm\\n' | git --git-dir=" + Q(g) +
                           " mktree > " + Q(w.dir + "/tree.txt"),
                       &out) == 0);
  const std::string tree = testing::ReadFile(w.dir + "/tree.txt").substr(0, 40);
  const std::string commit =
      Git(g, "-c user.name=x -c user.email=x@example.org commit-tree " + tree + " -p " + w.mid1 +
                 " -m rewrite");
  Git(g, "update-ref refs/heads/master " + commit);
}

TEST_CASE("incremental: a rewritten history is detected and read again") {
  World& w = TheWorld();
  ArchiveFull();
  const std::string site = w.dir + "/site-rewrite";
  testing::WriteFile(w.inc, kWeekConfig);
  REQUIRE(Build(w.inc, site).status == 0);
  RewriteEpoch1();
  Result r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(Has(r.output, "history of " + w.inbox + "/git/1.git was rewritten since the last build"));
  CHECK_FALSE(Has(r.output, " 0 removed"));
  const Tree rewritten = Reference(kWeekConfig, "site-rewritten-clean");
  CHECK(Has(rewritten.at("sitemap.xml"), "a-message-written-into-a-rewritten-history"));
  CHECK_MESSAGE(Diff(ReadTree(site), rewritten).empty(), Diff(ReadTree(site), rewritten));
  // And back to the real history.
  ArchiveFull();
  r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(Has(r.output, "was rewritten since the last build"));
  const Tree original = Reference(kWeekConfig, "site-original-clean");
  CHECK_MESSAGE(Diff(ReadTree(site), original).empty(), Diff(ReadTree(site), original));
}

TEST_CASE("incremental: a damaged, foreign or missing cache is rebuilt with a notice") {
  World& w = TheWorld();
  ArchiveFull();
  const std::string site = w.dir + "/site-cache";
  const std::string cache = w.dir + "/inc/.listdigest-cache";
  testing::WriteFile(w.inc, kWeekConfig);
  REQUIRE(Build(w.inc, site).status == 0);
  const Tree reference = Reference(kWeekConfig, "site-cache-clean");
  int touch = 0;
  // Another config line each time, so the no-op check does not end the build
  // before the cache is read.
  auto build = [&](const std::string& flags = "") {
    testing::WriteFile(w.inc, std::string(kWeekConfig) + "# " + std::to_string(++touch) + "\n");
    Result r = Build(w.inc, site, flags);
    REQUIRE_MESSAGE(r.status == 0, r.output);
    CHECK_MESSAGE(Diff(ReadTree(site), reference).empty(), Diff(ReadTree(site), reference));
    return r.output;
  };
  CHECK(Has(build(), "messages: 0 read, 783 from the cache"));

  std::string facts = testing::ReadFile(cache + "/facts.bin");
  facts[facts.size() / 2] = static_cast<char>(facts[facts.size() / 2] ^ 1);
  testing::WriteFile(cache + "/facts.bin", facts);
  std::string out = build();
  CHECK(Has(out, "build cache in " + cache + " is corrupt (checksum mismatch): rebuilding it"));
  CHECK(Has(out, "messages: 783 read, 0 from the cache"));
  CHECK(Has(build(), "messages: 0 read, 783 from the cache"));

  const std::string commits = testing::ReadFile(cache + "/commits.bin");
  testing::WriteFile(cache + "/commits.bin", commits.substr(0, commits.size() / 3));
  CHECK(Has(build(), "build cache in " + cache + " is corrupt (commits.bin): rebuilding it"));

  // A cache from another listdigest: its identity differs.
  std::string foreign = testing::ReadFile(cache + "/commits.bin");
  const size_t at = foreign.find("listdigest ");
  REQUIRE(at != std::string::npos);
  foreign[at + 1] = 'L';
  foreign = foreign.substr(0, foreign.size() - 16);
  const model::Hash128 h = model::HashBytes(foreign);
  for (uint64_t v : {h.lo, h.hi}) {
    for (int i = 0; i < 8; ++i) foreign.push_back(static_cast<char>(v >> (8 * i)));
  }
  testing::WriteFile(cache + "/commits.bin", foreign);
  CHECK(Has(build(), "is from another listdigest build: rebuilding it"));

  // --clean reads nothing of a damaged cache, and writes a sound one.
  testing::WriteFile(cache + "/facts.bin", "garbage");
  out = build("--clean");
  CHECK_FALSE(Has(out, "corrupt"));
  CHECK(Has(out, "messages: 783 read, 0 from the cache"));
  out = build();
  CHECK_MESSAGE(Has(out, "messages: 0 read, 783 from the cache"), out);

  fs::remove_all(cache);
  CHECK(Has(build(), "no build cache in " + cache + " yet"));
  testing::WriteFile(w.inc, kWeekConfig);
}

TEST_CASE("incremental: a template change re-renders pages from the cached model") {
  World& w = TheWorld();
  ArchiveFull();
  const std::string site = w.dir + "/site-template";
  testing::WriteFile(w.inc, kWeekConfig);
  REQUIRE(Build(w.inc, site).status == 0);
  const std::string footer_dir = w.dir + "/inc/theme/templates";
  const std::string theme_footer =
      testing::ReadFile(std::string(LISTDIGEST_SOURCE_DIR) + "/themes/default/templates/_footer.mustache");
  testing::WriteFile(footer_dir + "/_footer.mustache", theme_footer + "<!-- changed footer -->\n");
  Result r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(Has(r.output, "messages: 0 read, 783 from the cache"));
  CHECK(Has(testing::ReadFile(site + "/series/index.html"), "<!-- changed footer -->"));
  // The same as a clean build with that template.
  fs::create_directories(w.dir + "/ref/theme/templates");
  fs::copy_file(footer_dir + "/_footer.mustache", w.dir + "/ref/theme/templates/_footer.mustache",
                fs::copy_options::overwrite_existing);
  const Tree changed = Reference(kWeekConfig, "site-template-clean");
  CHECK_MESSAGE(Diff(ReadTree(site), changed).empty(), Diff(ReadTree(site), changed));
  fs::remove_all(w.dir + "/ref/theme");
  fs::remove_all(w.dir + "/inc/theme");
  r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK_FALSE(Has(testing::ReadFile(site + "/series/index.html"), "<!-- changed footer -->"));
}

TEST_CASE("incremental: an output file changed or deleted by hand is made again") {
  World& w = TheWorld();
  ArchiveFull();
  const std::string site = w.dir + "/site-touched";
  testing::WriteFile(w.inc, kWeekConfig);
  REQUIRE(Build(w.inc, site).status == 0);
  const Tree before = ReadTree(site);
  testing::WriteFile(site + "/index.html", "defaced\n");
  fs::remove(site + "/digests/2021-W10/digest.json");
  Result r = Build(w.inc, site);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK_FALSE(Has(r.output, "nothing changed"));
  CHECK(Has(r.output, " 2 files written, "));
  CHECK(Diff(ReadTree(site), before).empty());
  r = Build(w.inc, site);
  CHECK(Has(r.output, "nothing changed since the last build"));
}

TEST_CASE("incremental: --quiet prints nothing; --summary-json says what was done") {
  World& w = TheWorld();
  ArchiveFull();
  const std::string site = w.dir + "/site-summary";
  const std::string json_file = w.dir + "/summary.json";
  testing::WriteFile(w.inc, kWeekConfig);
  Result r = Build(w.inc, site, "--quiet --summary-json " + Q(json_file));
  REQUIRE(r.status == 0);
  CHECK(r.output.empty());
  nlohmann::json s = nlohmann::json::parse(testing::ReadFile(json_file));
  CHECK(s["up_to_date"] == false);
  CHECK(s["messages"] == kMessages);
  CHECK(s["digests"].get<int>() > 0);
  CHECK(s["files"]["written"].get<int>() > 100);
  CHECK(s["files"]["removed"] == 0);
  // Fewer than 2,048 documents besides the contributors: one segment of
  // them, one of the contributors; this site had neither yet.
  CHECK(s["search_segments"] == 2);
  CHECK(s["search_segments_kept"] == 0);
  REQUIRE(s["steps"].is_array());
  std::set<std::string> steps;
  for (const auto& step : s["steps"]) {
    CHECK(step["seconds"].is_number());
    steps.insert(step["name"].get<std::string>());
  }
  CHECK(steps.count("series pages") == 1);
  CHECK(steps.count("search index") == 1);
  CHECK(steps.count("waiting for search") == 1);
  CHECK(s["diagnostics"].is_number());

  r = Build(w.inc, site, "--quiet --summary-json " + Q(json_file));
  REQUIRE(r.status == 0);
  CHECK(r.output.empty());
  s = nlohmann::json::parse(testing::ReadFile(json_file));
  CHECK(s["up_to_date"] == true);
  CHECK(s["messages"] == kMessages);
  CHECK(s["files"]["written"] == 0);
  CHECK(s["files"]["unchanged"].get<int>() > 100);

  // A summary written beside the config is no input of the site: the build
  // after the one that wrote it still finds nothing changed.
  const std::string beside = (std::filesystem::path(w.inc).parent_path() / "summary.json").string();
  REQUIRE(Build(w.inc, site, "--quiet --summary-json " + Q(beside)).status == 0);
  REQUIRE(Build(w.inc, site, "--quiet --summary-json " + Q(beside)).status == 0);
  CHECK(nlohmann::json::parse(testing::ReadFile(beside))["up_to_date"] == true);
  std::filesystem::remove(beside);
}

TEST_CASE("incremental: a second build on the same output folder stops with exit 2") {
  World& w = TheWorld();
  ArchiveFull();
  const std::string site = w.dir + "/site-locked";
  testing::WriteFile(w.inc, kWeekConfig);
  REQUIRE(Build(w.inc, site).status == 0);
  const Tree before = ReadTree(site);
  {
    site::OutputLock held;
    std::string err;
    REQUIRE(held.Acquire(site, &err));
    testing::WriteFile(w.inc, Config("month"));
    const Result r = Build(w.inc, site);
    CHECK(r.status == 2);
    CHECK(r.output == "listdigest: error: " + site +
                          ": another listdigest build is writing this folder; wait for it to "
                          "finish, or build into another --out\n");
    CHECK(Diff(ReadTree(site), before).empty());
  }
  const Result r = Build(w.inc, site);
  CHECK(r.status == 0);
  testing::WriteFile(w.inc, kWeekConfig);
}

// Starts the binary; returns its pid.
pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  return pid;
}

// Runs a build and kills it after `delay`; true when it was still running.
bool KillAfter(const std::string& config, const std::string& out, std::chrono::microseconds delay) {
  const pid_t pid = Spawn({testing::Binary(), "build", "--config", config, "--out", out});
  std::this_thread::sleep_for(delay);
  const bool killed = ::kill(pid, SIGKILL) == 0;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return killed && WIFSIGNALED(status);
}

TEST_CASE("incremental: SIGKILL at random points leaves a complete site; the next build finishes it") {
  World& w = TheWorld();
  // From A (the first half, weekly digests) to B (all of it, monthly): files
  // change, appear and go.
  const std::string site = w.dir + "/site-killed";
  const std::string cache = w.dir + "/inc/.listdigest-cache";
  ArchiveHalf();
  testing::WriteFile(w.inc, kWeekConfig);
  fs::remove_all(site);
  REQUIRE(Build(w.inc, site).status == 0);
  std::string out;
  REQUIRE(testing::Run("rm -rf " + Q(w.dir + "/snap") + " && mkdir " + Q(w.dir + "/snap") +
                           " && cp -a " + Q(site) + " " + Q(w.dir + "/snap/site") + " && cp -a " +
                           Q(cache) + " " + Q(w.dir + "/snap/cache"),
                       &out) == 0);
  const Tree a = ReadTree(site);
  ArchiveFull();
  const Tree b = Reference(Config("month"), "site-killed-clean");
  auto restore_a = [&] {
    REQUIRE(testing::Run("rm -rf " + Q(site) + " " + Q(cache) + " && cp -a " +
                             Q(w.dir + "/snap/site") + " " + Q(site) + " && cp -a " +
                             Q(w.dir + "/snap/cache") + " " + Q(cache),
                         &out) == 0);
  };
  testing::WriteFile(w.inc, Config("month"));

  // How long the whole step takes, run once uncut.
  restore_a();
  const auto start = std::chrono::steady_clock::now();
  Result r = Build(w.inc, site);
  const auto full = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  REQUIRE(Diff(ReadTree(site), b).empty());

  std::mt19937 random(20260101);
  std::uniform_int_distribution<int64_t> when(0, full.count() * 6 / 5);
  int killed = 0, finished_anyway = 0, mixed = 0;
  for (int run = 0; run < 10; ++run) {
    restore_a();
    // Odd runs are killed twice before a build may finish.
    for (int kill = 0; kill < 1 + run % 2; ++kill) {
      const std::chrono::microseconds delay(when(random));
      const bool was_running = KillAfter(w.inc, site, delay);
      (was_running ? killed : finished_anyway)++;
      // Complete: every file of A or every file of B is there, and each file
      // is whole, A's version or B's, never a mix or a part.
      const Tree now = ReadTree(site);
      bool all_a = true, all_b = true;
      for (const auto& [path, bytes] : a) all_a = all_a && now.count(path);
      for (const auto& [path, bytes] : b) all_b = all_b && now.count(path);
      CHECK_MESSAGE((all_a || all_b), "run " << run << " killed after " << delay.count() << " us");
      mixed += Diff(now, a).empty() || Diff(now, b).empty() ? 0 : 1;
      for (const auto& [path, bytes] : now) {
        const auto in_a = a.find(path), in_b = b.find(path);
        const bool whole = (in_a != a.end() && in_a->second == bytes) ||
                           (in_b != b.end() && in_b->second == bytes);
        CHECK_MESSAGE(whole, path << " in run " << run << " after " << delay.count() << " us");
      }
    }
    r = Build(w.inc, site);
    REQUIRE_MESSAGE(r.status == 0, r.output);
    CHECK_MESSAGE(Diff(ReadTree(site), b).empty(), "run " << run << ": " << Diff(ReadTree(site), b));
    CHECK_FALSE(fs::exists(site + "/" + site::kPendingName));
    CHECK_FALSE(fs::exists(site + "/" + site::kTempDirName));
  }
  MESSAGE(killed << " builds killed while running (" << mixed
                 << " of them halfway through writing the site), " << finished_anyway
                 << " finished before their kill; a whole step takes " << full.count() << " us");
  CHECK(killed >= 8);
  testing::WriteFile(w.inc, kWeekConfig);
}

}  // namespace
}  // namespace listdigest
