// End to end: contributor pages, their JSON, feeds and charts, the
// contributors index and the digest pages' links and organisations, built by
// the listdigest binary from the real three-epoch kvmarm inbox (with a
// .mailmap and [archive.domains]) and from kvmarm-oddities (mail over four
// years). Counts are those of tests/tools/people_counts.py, the independent
// count over git and Python's email package.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Site {
  std::string dir, config, site;
};

Site BuildSite(const std::string& name, const std::vector<std::string>& bundles,
               const std::string& extra_config) {
  Site s;
  s.dir = testing::InboxFromBundles(name, bundles);
  s.config = s.dir + "/site.toml";
  s.site = s.dir + "/site";
  testing::WriteFile(s.dir + "/mailmap",
                     "Greg Kroah-Hartman <gregkh@linuxfoundation.org> <greg@kroah.com>\n");
  testing::WriteFile(s.config,
                     "title = \"t\"\nlist = \"kvmarm\"\n"
                     "base_url = \"https://example.org/kvmarm/\"\n\n"
                     "[archive]\npath = \".\"\n"
                     "message_url = \"https://lore.kernel.org/kvmarm/{message_id}/\"\n" +
                         extra_config);
  std::string out;
  const int status = testing::Run("'" + testing::Binary() + "' build --config '" + s.config +
                                      "' --out '" + s.site + "' --jobs 2",
                                  &out);
  REQUIRE_MESSAGE(status == 0, out);
  return s;
}

const Site& Kvmarm() {
  static const Site s = BuildSite(
      "contributors-kvmarm",
      {"kvmarm-2021-03-3epochs-v2-epoch0.bundle", "kvmarm-2021-03-3epochs-v2-epoch1.bundle",
       "kvmarm-2021-03-3epochs-v2-epoch2.bundle"},
      "mailmap = \"mailmap\"\n\n"
      "[archive.domains]\n\"google.com\" = \"Google\"\n\"arm.com\" = \"Arm\"\n"
      "\"redhat.com\" = \"Red Hat\"\n\"huawei.com\" = \"Huawei\"\n\n"
      "[digests]\nperiod = \"week\"\n");
  return s;
}

const Site& Oddities() {
  static const Site s = BuildSite("contributors-oddities", {"kvmarm-oddities-v2-epoch0.bundle"},
                                  "\n[digests]\nperiod = \"month\"\n");
  return s;
}

json ReadJson(const std::string& path) { return json::parse(testing::ReadFile(path)); }

std::vector<std::string> All(const std::string& text, const std::string& pattern, int group = 1) {
  std::vector<std::string> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[group].str());
  }
  return out;
}

std::string Between(const std::string& text, const std::string& from, const std::string& to) {
  const size_t a = text.find(from);
  REQUIRE_MESSAGE(a != std::string::npos, from);
  const size_t b = text.find(to, a);
  REQUIRE_MESSAGE(b != std::string::npos, to);
  return text.substr(a, b - a);
}

TEST_CASE("contributor pages: contributor.json holds the independent counts") {
  const std::string dir = Kvmarm().site + "/contributors/";
  const json q = ReadJson(dir + "qperret-google-com/contributor.json");
  CHECK(q["slug"] == "qperret-google-com");
  CHECK(q["name"] == "Quentin Perret");
  CHECK(q["emails"] == json{"qperret@google.com"});
  CHECK(q["organisation"] == "Google");
  CHECK(q["first"] == "2021-03-02T15:00:12Z");
  CHECK(q["last"] == "2021-03-23T09:47:57Z");
  CHECK(q["messages"] == 180);
  CHECK(q["patches"] == 135);
  CHECK(q["reviews_given"] == 2);
  CHECK(q["reviews_received"] == 30);
  CHECK(q["series"].size() == 3);
  CHECK(q["reviewed_by"] == json::parse(R"([{"count": 30, "email": "will@kernel.org",
                                              "name": "Will Deacon",
                                              "slug": "will-kernel-org"}])"));
  CHECK(q["months"] == json::parse(R"([{"month": "2021-03", "patches": 135, "reviews": 2}])"));

  const json w = ReadJson(dir + "will-kernel-org/contributor.json");
  CHECK(w["organisation"] == "kernel.org");  // not configured: the domain stands
  CHECK(w["patches"] == 13);
  CHECK(w["reviews_given"] == 52);
  CHECK(w["reviews_received"] == 0);
  CHECK(w["series"] == json::array());
  CHECK(w["reviewed"][0] == json::parse(R"({"count": 30, "email": "qperret@google.com",
                                            "name": "Quentin Perret",
                                            "slug": "qperret-google-com"})"));

  const json a = ReadJson(dir + "andre-przywara-arm-com/contributor.json");
  CHECK(a["patches"] == 23);
  CHECK(a["reviews_given"] == 5);
  CHECK(a["reviews_received"] == 3);
  REQUIRE(a["series"].size() == 1);
  CHECK(a["series"][0].get<std::string>().rfind("unify-i-o-port-and-mmio-trap-handling-", 0) == 0);

  // The .mailmap merged Greg's two addresses: one page, both addresses.
  const json g = ReadJson(dir + "gregkh-linuxfoundation-org/contributor.json");
  CHECK(g["name"] == "Greg Kroah-Hartman");
  CHECK(g["emails"] == json{"greg@kroah.com", "gregkh@linuxfoundation.org"});
  CHECK(g["messages"] == 15);
  CHECK_FALSE(fs::exists(dir + "greg-kroah-com"));
}

TEST_CASE("contributor pages: the index lists everybody by patches, with relative links") {
  const std::string dir = Kvmarm().site + "/contributors/";
  const std::string html = testing::ReadFile(dir + "index.html");
  size_t folders = 0;
  for (const auto& e : fs::directory_iterator(dir)) folders += e.is_directory() ? 1 : 0;
  const auto links = All(html, R"re(<tr data-patches="\d+"[^>]*><td><a href="([^"]+)")re");
  CHECK(links.size() == folders);
  CHECK(folders == 38);  // 39 addresses in people_counts.py, Greg's two merged
  REQUIRE(links.size() >= 6);
  CHECK(std::vector<std::string>(links.begin(), links.begin() + 6) ==
        std::vector<std::string>{"qperret-google-com/index.html", "maz-kernel-org/index.html",
                                 "andre-przywara-arm-com/index.html",
                                 "ascull-google-com/index.html", "seanjc-google-com/index.html",
                                 "steven-price-arm-com/index.html"});
  for (const auto& link : links) CHECK(fs::exists(dir + link));
  const auto patches = All(html, R"re(<tr data-patches="(\d+)")re");
  for (size_t i = 1; i < patches.size(); ++i)
    CHECK(std::stoi(patches[i - 1]) >= std::stoi(patches[i]));
  CHECK(html.find(R"(data-patches="13" data-reviews="52" data-last="2021-03-22T12:19:45Z")") !=
        std::string::npos);
  CHECK(std::regex_search(
      html,
      std::regex(R"re(<script src="\.\./static/contributors\.js\?v=[0-9a-f]{12}" defer></script>)re")));
  CHECK(fs::exists(Kvmarm().site + "/static/contributors.js"));
  // The whole archive by organisation: Google 135 + 21 + 19 + 5 + 2 patches.
  CHECK(html.find("<tr><td>Google</td><td class=\"num\">5</td><td class=\"num\">182</td>"
                  "<td class=\"num\">2</td></tr>") != std::string::npos);
  CHECK(html.find("href=\"/") == std::string::npos);
  const std::string sitemap = testing::ReadFile(Kvmarm().site + "/sitemap.xml");
  CHECK(sitemap.find("<loc>https://example.org/kvmarm/contributors/qperret-google-com/</loc>") !=
        std::string::npos);
}

TEST_CASE("contributor pages: digest pages link names and count organisations") {
  const std::string html = testing::ReadFile(Kvmarm().site + "/digests/2021-W10/index.html");
  CHECK(html.find(
            "<a href=\"../../contributors/qperret-google-com/index.html\">Quentin Perret</a>") !=
        std::string::npos);
  CHECK(html.find("<a href=\"../../contributors/will-kernel-org/index.html\">Will Deacon</a>") !=
        std::string::npos);
  // Every contributor and reviewer row links to a page that exists.
  const std::string tables = Between(html, "<div class=\"tables\">", "</div>");
  const auto links = All(tables, R"re(<a href="\.\./\.\./(contributors/[^"]+)")re");
  CHECK(links.size() == 10 + 9);  // the week's contributors and reviewers (build_test)
  for (const auto& link : links) CHECK(fs::exists(Kvmarm().site + "/" + link));
  // From the week's independent counts: patches by domain, reviews by
  // reviewer's domain (kernel.org: Will 13, Marc 1, Nathan 1).
  const std::string orgs = Between(html, "<h2 id=\"organisations\">", "</table>");
  CHECK(All(orgs, R"(<tr><td class="num">(\d+)</td><td class="num">(\d+)</td><td>([^<]+)</td>)",
            3) == std::vector<std::string>{"Google", "kernel.org", "Huawei", "Red Hat", "Arm"});
  CHECK(All(orgs, R"(<tr><td class="num">(\d+)</td><td class="num">(\d+)</td>)", 1) ==
        std::vector<std::string>{"37", "17", "10", "9", "8"});
  CHECK(All(orgs, R"(<tr><td class="num">(\d+)</td><td class="num">(\d+)</td>)", 2) ==
        std::vector<std::string>{"0", "15", "0", "6", "10"});
  // Without [archive.domains] there is no such table, and the index counts
  // by domain.
  const std::string plain = testing::ReadFile(Oddities().site + "/digests/2021-11/index.html");
  CHECK(plain.find("id=\"domains\"") != std::string::npos);
  CHECK(plain.find("id=\"organisations\"") == std::string::npos);
  const std::string index = testing::ReadFile(Oddities().site + "/contributors/index.html");
  CHECK(index.find("<h2 id=\"organisations\">Email domains</h2>") != std::string::npos);
}

// The bars of a page's chart: (month, kind) -> count, checked against the
// bar's <title> and height, and the page's own table and figures.
void CheckChart(const std::string& page_dir) {
  CAPTURE(page_dir);
  const std::string html = testing::ReadFile(page_dir + "/index.html");
  const json j = ReadJson(page_dir + "/contributor.json");
  const std::regex bar_re(
      R"re(<rect class="bar bar-(\w+)" x="\d+" y="(\d+)" width="\d+" height="(\d+)" )re"
      R"re(data-month="([0-9-]+)" data-kind="(\w+)" data-count="(\d+)">)re"
      R"re(<title>([^<]*)</title></rect>)re");
  std::map<std::pair<std::string, std::string>, int> bars;
  int most = 0;
  std::vector<std::tuple<std::string, std::string, int, int, int>> raw;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), bar_re);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    CHECK(m[1].str() == m[5].str());
    const int count = std::stoi(m[6].str());
    const std::string word = m[5].str() == "patches" ? (count == 1 ? "patch" : "patches")
                                                     : (count == 1 ? "review" : "reviews");
    CHECK(m[7].str() == m[4].str() + ": " + std::to_string(count) + " " + word);
    CHECK(std::stoi(m[2].str()) + std::stoi(m[3].str()) == 130);  // standing on the baseline
    bars[{m[4].str(), m[5].str()}] = count;
    raw.emplace_back(m[4].str(), m[5].str(), count, std::stoi(m[3].str()), 0);
    most = std::max(most, count);
  }
  for (const auto& [month, kind, count, height, unused] : raw) {
    CHECK(height == std::max(1, (count * 120 + most / 2) / most));  // to scale
  }
  // The chart, the table under it and contributor.json say the same.
  std::map<std::pair<std::string, std::string>, int> from_json, from_table;
  for (const auto& m : j["months"]) {
    for (const char* kind : {"patches", "reviews"}) {
      if (m[kind].get<int>() > 0) from_json[{m["month"], kind}] = m[kind].get<int>();
    }
  }
  const std::regex row_re(R"(<tr><td>([0-9]{4}-[0-9]{2})</td><td class="num">(\d+)</td>)"
                          R"(<td class="num">(\d+)</td></tr>)");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), row_re);
       it != std::sregex_iterator(); ++it) {
    if (std::stoi((*it)[2].str()) > 0)
      from_table[{(*it)[1].str(), "patches"}] = std::stoi((*it)[2].str());
    if (std::stoi((*it)[3].str()) > 0)
      from_table[{(*it)[1].str(), "reviews"}] = std::stoi((*it)[3].str());
  }
  CHECK(bars == from_json);
  CHECK(bars == from_table);
  int patches = 0, reviews = 0;
  for (const auto& [key, count] : bars) (key.second == "patches" ? patches : reviews) += count;
  CHECK(patches == j["patches"].get<int>());
  CHECK(reviews == j["reviews_given"].get<int>());
  CHECK(html.find("<dd id=\"n-patches\">" + std::to_string(patches) + "</dd>") !=
        std::string::npos);
  CHECK(html.find("<dd id=\"n-reviews-given\">" + std::to_string(reviews) + "</dd>") !=
        std::string::npos);
  if (bars.empty()) CHECK(html.find("<svg") == std::string::npos);
}

TEST_CASE("contributor pages: every chart's numbers are the page's numbers") {
  for (const Site* s : {&Kvmarm(), &Oddities()}) {
    int charts = 0;
    for (const auto& e : fs::directory_iterator(s->site + "/contributors")) {
      if (!e.is_directory()) continue;
      CheckChart(e.path().string());
      ++charts;
    }
    CHECK(charts > 30);
  }
  // Alex Bennée posted over nine months, with gaps: the x axis has every
  // month from 2021-04 to 2021-12, bars only where there were patches
  // (people_counts.py: 2021-04 1, 2021-05 2, 2021-11 2, 2021-12 1).
  const std::string html =
      testing::ReadFile(Oddities().site + "/contributors/alex-bennee-linaro-org/index.html");
  CHECK(All(html, R"re(data-month="([0-9-]+)" data-kind="patches" data-count="(\d+)")re", 2) ==
        std::vector<std::string>{"1", "2", "2", "1"});
  CHECK(All(html, R"re(data-month="([0-9-]+)" data-kind="patches")re") ==
        std::vector<std::string>{"2021-04", "2021-05", "2021-11", "2021-12"});
  CHECK(html.find(R"(viewBox="0 0 440 152")") != std::string::npos);  // 9 slots of 40
  CHECK(html.find("<h1>Alex Bennée</h1>") != std::string::npos);
}

TEST_CASE("contributor pages: a feed of each person's newest postings") {
  const std::string feed =
      testing::ReadFile(Kvmarm().site + "/contributors/andre-przywara-arm-com/feed.xml");
  CHECK(feed.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
                   "xmlns=\"http://www.w3.org/2005/Atom\">\n"
                   "  <title>kvmarm: patch postings by Andre Przywara</title>\n"
                   "  <id>https://example.org/kvmarm/contributors/andre-przywara-arm-com/</id>\n",
                   0) == 0);
  CHECK(All(feed, "<entry>").size() == 1);
  CHECK(
      feed.find("<title>[PATCH kvmtool v3 00/22] Unify I/O port and MMIO trap handling</title>") !=
      std::string::npos);
  CHECK(feed.find(
            "<link "
            "href=\"https://example.org/kvmarm/series/unify-i-o-port-and-mmio-trap-handling-") !=
        std::string::npos);
  // Quentin Perret: five postings, newest first.
  const std::string q =
      testing::ReadFile(Kvmarm().site + "/contributors/qperret-google-com/feed.xml");
  const auto updated = All(q, "<entry>\\n.*\\n.*\\n.*\\n    <updated>([^<]+)</updated>");
  CHECK(updated.size() == 5);
  for (size_t i = 1; i < updated.size(); ++i) CHECK(updated[i - 1] >= updated[i]);
}

TEST_CASE("contributor pages: [archive.domains] must map domains to names") {
  const std::string dir = testing::WorkDir("bad-domains");
  std::string out;
  auto run = [&](const std::string& toml) {
    testing::WriteFile(dir + "/site.toml", "[archive]\npath = \"" + Kvmarm().dir + "\"\n" + toml);
    return testing::Run("'" + testing::Binary() + "' check --config '" + dir + "/site.toml'", &out);
  };
  CHECK(run("domains = \"intel.com\"\n") == 2);
  CHECK(
      out ==
      "listdigest: error: " + dir +
          "/site.toml:3:11: archive.domains must be a table of "
          "\"domain\" = \"organisation\", e.g. [archive.domains] with \"intel.com\" = \"Intel\"\n");
  CHECK(run("[archive.domains]\n\"intel.com\" = \"\"\n") == 2);
  CHECK(out == "listdigest: error: " + dir +
                   "/site.toml:4:1: archive.domains.\"intel.com\" must be "
                   "a domain with a non-empty organisation name, e.g. \"intel.com\" = \"Intel\"\n");
  CHECK(run("[archive.domains]\n\"Intel.COM\" = \"Intel\"\n") == 0);
}

}  // namespace
}  // namespace listdigest
