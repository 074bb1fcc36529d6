// End to end: the listdigest binary builds a site from the real three-epoch
// kvmarm inbox; digest.json counts are those of tests/tools/digest_counts.py,
// an independent count over git and Python's email package.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

#include <nlohmann/json.hpp>

#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Fixture {
  std::string dir, config;
};

const Fixture& Built() {
  static const Fixture f = [] {
    Fixture x;
    x.dir = testing::WorkDir("e2e");
    std::string out;
    for (int e = 0; e < 3; ++e) {
      const std::string cmd = "git clone -q --mirror '" +
                              testing::DataPath("kvmarm-2021-03-3epochs-v2-epoch" +
                                                std::to_string(e) + ".bundle") +
                              "' '" + x.dir + "/inbox/git/" + std::to_string(e) + ".git'";
      REQUIRE(testing::Run(cmd, &out) == 0);
    }
    x.config = x.dir + "/content/site.toml";
    testing::WriteFile(x.config,
                       "title = \"kvmarm test\"\nlist = \"kvmarm\"\n"
                       "base_url = \"https://example.org/kvmarm\"\n\n"
                       "[archive]\npath = \"../inbox\"\n"
                       "message_url = \"https://lore.kernel.org/kvmarm/{message_id}/\"\n\n"
                       "[digests]\nperiod = \"week\"\n\n"
                       "[[digests.range]]\nfrom = \"a10c811eb\"\nto = \"0c6886e0a\"\n");
    const int status = testing::Run("'" + testing::Binary() + "' build --config '" + x.config +
                                        "' --out '" + x.dir + "/site' --jobs 2", &out);
    REQUIRE_MESSAGE(status == 0, out);
    return x;
  }();
  return f;
}

json ReadJson(const std::string& path) { return json::parse(testing::ReadFile(path)); }

std::vector<std::pair<std::string, int>> Rows(const json& rows, const char* key) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& r : rows) out.emplace_back(r[key].get<std::string>(), r["count"].get<int>());
  return out;
}

using RowList = std::vector<std::pair<std::string, int>>;

TEST_CASE("build: week 2021-W10 counts equal the independent count") {
  const json d = ReadJson(Built().dir + "/site/digests/2021-W10/digest.json");
  CHECK(d["id"] == "2021-W10");
  CHECK(d["list"] == "kvmarm");
  CHECK(d["messages"] == 227);
  CHECK(d["patches"] == 81);
  CHECK(d["replies"] == 145);
  CHECK(d["pulls"] == 1);
  CHECK(Rows(d["contributors"], "email") ==
        RowList{{"qperret@google.com", 32}, {"maz@kernel.org", 14}, {"eric.auger@redhat.com", 9},
                {"steven.price@arm.com", 7}, {"jingzhangos@google.com", 5},
                {"lushenming@huawei.com", 5}, {"wangyanan55@huawei.com", 4},
                {"will@kernel.org", 3}, {"james.morse@arm.com", 1}, {"yuzenghui@huawei.com", 1}});
  CHECK(Rows(d["domains"], "domain") == RowList{{"google.com", 37}, {"kernel.org", 17},
                                                {"huawei.com", 10}, {"redhat.com", 9},
                                                {"arm.com", 8}});
  CHECK(Rows(d["reviewers"], "email") ==
        RowList{{"will@kernel.org", 13}, {"alexandru.elisei@arm.com", 7},
                {"drjones@redhat.com", 3}, {"eric.auger@redhat.com", 3},
                {"catalin.marinas@arm.com", 1}, {"maz@kernel.org", 1},
                {"mark.rutland@arm.com", 1}, {"nathan@kernel.org", 1},
                {"suzuki.poulose@arm.com", 1}});
  CHECK(d["contributors"][0]["name"] == "Quentin Perret");
}

TEST_CASE("build: a range across epochs 0 and 1 counts the same as the independent count") {
  const json d = ReadJson(Built().dir + "/site/digests/a10c811eb..0c6886e0a/digest.json");
  CHECK(d["from"] == "a10c811ebe630be2dea3d1da66241a02546c04c8");
  CHECK(d["to"] == "0c6886e0a7f6baa2514377e65bfcd14a68814faa");
  CHECK(d["messages"] == 171);
  CHECK(d["patches"] == 73);
  CHECK(d["replies"] == 97);
  CHECK(d["pulls"] == 1);
  CHECK(Rows(d["contributors"], "email") ==
        RowList{{"qperret@google.com", 32}, {"maz@kernel.org", 12}, {"eric.auger@redhat.com", 9},
                {"steven.price@arm.com", 7}, {"jingzhangos@google.com", 5},
                {"wangyanan55@huawei.com", 4}, {"will@kernel.org", 3}, {"james.morse@arm.com", 1}});
  CHECK(Rows(d["domains"], "domain") == RowList{{"google.com", 37}, {"kernel.org", 15},
                                                {"redhat.com", 9}, {"arm.com", 8},
                                                {"huawei.com", 4}});
  CHECK(Rows(d["reviewers"], "email") ==
        RowList{{"will@kernel.org", 11}, {"drjones@redhat.com", 3}, {"eric.auger@redhat.com", 3},
                {"alexandru.elisei@arm.com", 1}, {"mark.rutland@arm.com", 1}});
}

TEST_CASE("build: the site has every page, and the text digest's fixed lines") {
  const std::string site = Built().dir + "/site";
  for (const char* f : {"index.html", "404.html", "feed.xml", "sitemap.xml", "digests/index.html",
                        "static/style.css", "digests/2021-W09/index.html",
                        "digests/2021-W12/digest.txt"}) {
    CHECK_MESSAGE(fs::exists(site + "/" + f), f);
  }
  // Weeks hold mail by commit time; the spam of 2021-W29 was deleted, so
  // that week has no digest at all.
  CHECK_FALSE(fs::exists(site + "/digests/2021-W29"));
  const std::string text = testing::ReadFile(site + "/digests/a10c811eb..0c6886e0a/digest.txt");
  CHECK(text.rfind("From a10c811eb to 0c6886e0a\n"
                   "kvmarm mailing list update from a10c811eb to 0c6886e0a\n\n"
                   "Top 15 contributor Email domains (Based on Email Body)\n\n"
                   "     37 google.com\n     15 kernel.org\n",
                   0) == 0);
  CHECK(text.find("\nTop 15 contributors (Based on Email Body)\n\n"
                  "     32  Quentin Perret <qperret@google.com>\n") != std::string::npos);
  const std::string html = testing::ReadFile(site + "/digests/2021-W10/index.html");
  // Static files carry the theme's version (render::Theme::asset_version).
  CHECK(std::regex_search(
      html, std::regex(R"re(href="\.\./\.\./static/style\.css\?v=[0-9a-f]{12}")re")));
  // The one script is the search box's, from a file (CSP: script-src 'self').
  CHECK(std::regex_search(
      html,
      std::regex(R"re(<script src="\.\./\.\./static/search\.js\?v=[0-9a-f]{12}" defer></script>)re")));
  CHECK(html.find("<script") == html.rfind("<script"));
}

TEST_CASE("build: the same input gives byte-identical output, and unchanged files are kept") {
  const Fixture& f = Built();
  std::string out;
  const std::string second = f.dir + "/site-jobs1";
  REQUIRE(testing::Run("'" + testing::Binary() + "' build --config '" + f.config + "' --out '" +
                           second + "' --jobs 1", &out) == 0);
  CHECK(testing::Run("diff -r '" + f.dir + "/site' '" + second + "'", &out) == 0);
  CHECK(out.empty());
  REQUIRE(testing::Run("'" + testing::Binary() + "' build --config '" + f.config + "' --out '" +
                           second + "'", &out) == 0);
  CHECK(out.find(" 0 files written, ") != std::string::npos);
}

TEST_CASE("build: digest and check commands") {
  const Fixture& f = Built();
  std::string out;
  CHECK(testing::Run("'" + testing::Binary() + "' digest --config '" + f.config +
                         "' --range a10c811eb..0c6886e0a", &out, false) == 0);
  CHECK(out == testing::ReadFile(f.dir + "/site/digests/a10c811eb..0c6886e0a/digest.txt"));
  CHECK(testing::Run("'" + testing::Binary() + "' digest --config '" + f.config +
                         "' --id 2021-W10 --format json", &out, false) == 0);
  CHECK(out == testing::ReadFile(f.dir + "/site/digests/2021-W10/digest.json"));
  CHECK(testing::Run("'" + testing::Binary() + "' check --config '" + f.config + "'", &out) == 0);
  CHECK(out.find(": ok: 3 epoch(s), 783 messages (1 deleted), ") != std::string::npos);
}

TEST_CASE("build: bad config and bad ranges stop with exit 2, a clear message, nothing written") {
  const Fixture& f = Built();
  const std::string dir = testing::WorkDir("bad-config");
  std::string out;
  auto run = [&](const std::string& toml) {
    testing::WriteFile(dir + "/site.toml", toml);
    return testing::Run("'" + testing::Binary() + "' build --config '" + dir + "/site.toml' --out '" +
                            dir + "/site'", &out);
  };
  const std::string archive = "[archive]\npath = \"" + f.dir + "/inbox\"\n";
  SUBCASE("unknown period") {
    CHECK(run(archive + "[digests]\nperiod = \"weekly\"\n") == 2);
    CHECK(out == "listdigest: error: " + dir + "/site.toml:4:10: digests.period must be \"week\", "
                 "\"month\", \"day\" or \"none\", not \"weekly\"\n");
  }
  SUBCASE("a typo in a key") {
    CHECK(run(archive + "[digests]\npeirod = \"week\"\n") == 2);
    CHECK(out.find(dir + "/site.toml:4:1: unknown key 'digests.peirod'") != std::string::npos);
  }
  SUBCASE("TOML syntax error") {
    CHECK(run("title = \"x\n") == 2);
    CHECK(out.rfind("listdigest: error: " + dir + "/site.toml:1:", 0) == 0);
  }
  SUBCASE("missing archive") {
    CHECK(run("[archive]\npath = \"nowhere\"\n") == 2);
    CHECK(out == "listdigest: error: " + dir + "/site.toml: archive.path: " + dir +
                     "/nowhere: archive not found; set archive.path to a public-inbox folder "
                     "(git clone --mirror of each epoch into git/N.git) or a git repository\n");
  }
  SUBCASE("unknown commit in a range") {
    CHECK(run(archive + "[[digests.range]]\nfrom = \"a10c811eb\"\nto = \"ffffffff9\"\n") == 2);
    CHECK(out.rfind("listdigest: error: " + dir + "/site.toml:3: digests.range: commit ffffffff9 "
                    "not found in ", 0) == 0);
  }
  CHECK_FALSE(fs::exists(dir + "/site"));
}

}  // namespace
}  // namespace listdigest
