// End to end: the listdigest binary builds the site of the real series
// slice (tests/data/kvmarm-series.mboxrd, every message committed at its
// original time); the series pages, series.json, the per-series feeds, the
// series index with its state pages, and the series parts of the digest
// pages are checked in the files written.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "model/archive.h"
#include "pages/series_views.h"
#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kFixes = "kvm-arm64-don-t-acquire-rcu-read-lock-for-exclusive-table-wa-07d1b59";
const char* const kA77 = "arm64-add-part-number-for-arm-cortex-a77-e26088f";

struct Fixture {
  std::string inbox, site;
};

const Fixture& Built() {
  static const Fixture f = [] {
    Fixture x;
    x.inbox = testing::InboxFromMails(
        "series-pages-inbox", testing::ReadTimedMbox(testing::DataPath("kvmarm-series.mboxrd")));
    const std::string dir = testing::WorkDir("series-pages");
    const std::string config = dir + "/site.toml";
    testing::WriteFile(config,
                       "title = \"kvmarm series\"\nlist = \"kvmarm\"\n"
                       "base_url = \"https://example.org/kvmarm/\"\n\n"
                       "[archive]\npath = \"" + x.inbox + "\"\n"
                       "message_url = \"https://lore.kernel.org/kvmarm/{message_id}/\"\n\n"
                       "[digests]\nperiod = \"week\"\n");
    x.site = dir + "/site";
    std::string out;
    const int status = testing::Run("'" + testing::Binary() + "' build --config '" + config +
                                        "' --out '" + x.site + "' --jobs 2", &out);
    REQUIRE_MESSAGE(status == 0, out);
    return x;
  }();
  return f;
}

json ReadJson(const std::string& path) { return json::parse(testing::ReadFile(path)); }

std::vector<std::string> All(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

// Every link of a page: a lore message, or a relative path to a file the
// build wrote (a "#fragment" of the same page is fine too).
void CheckLinks(const std::string& site, const std::string& page) {
  const std::string html = testing::ReadFile(site + "/" + page);
  const fs::path dir = fs::path(site + "/" + page).parent_path();
  for (const std::string& href : All(html, "href=\"([^\"]*)\"")) {
    INFO(page << ": " << href);
    CHECK_FALSE(href.empty());
    if (href.rfind("https://lore.kernel.org/kvmarm/", 0) == 0 || href[0] == '#') continue;
    // The one absolute link into the site: <link rel="canonical"> from base_url.
    if (html.find("<link rel=\"canonical\" href=\"" + href + "\">") != std::string::npos) continue;
    CHECK(href.find("://") == std::string::npos);
    CHECK(href[0] != '/');
    // Static files carry their version: "../../static/style.css?v=…".
    const std::string file = href.substr(0, href.find_first_of("?#"));
    CHECK(fs::is_regular_file(dir / file));
  }
}

TEST_CASE("series pages: series.json of a series whose title changed between versions") {
  const json s = ReadJson(Built().site + "/series/" + kFixes + "/series.json");
  CHECK(s["id"] == kFixes);
  CHECK(s["list"] == "kvmarm");
  CHECK(s["title"] == "KVM: arm64: Fixes for parallel faults series");
  CHECK(s["author"] == json{{"name", "Oliver Upton"}, {"email", "oliver.upton@linux.dev"}});
  CHECK(s["state"] == "reviewed");
  REQUIRE(s["versions"].size() == 3);
  std::vector<std::string> labels, states, covers, digests;
  for (const auto& v : s["versions"]) {
    labels.push_back(v["label"]);
    states.push_back(v["state"]);
    covers.push_back(v["cover"].is_null() ? "null" : v["cover"].get<std::string>());
    digests.push_back(v["digest"]);
  }
  CHECK(labels == std::vector<std::string>{"v2", "v3", "v4"});
  CHECK(states == std::vector<std::string>{"superseded", "superseded", "reviewed"});
  CHECK(covers == std::vector<std::string>{"null", "20221116165655.2649475-1-oliver.upton@linux.dev",
                                           "20221118182222.3932898-1-oliver.upton@linux.dev"});
  CHECK(digests == std::vector<std::string>{"2022-W46", "2022-W46", "2022-W46"});
  const json& v4 = s["versions"][2];
  CHECK(v4["version"] == 4);
  CHECK(v4["rfc"] == false);
  CHECK(v4["date"] == "2022-11-18T18:22:19Z");
  CHECK(v4["replies"] == 1);
  CHECK(v4["applied"].is_null());
  REQUIRE(v4["patches"].size() == 3);
  const json& p2 = v4["patches"][1];
  CHECK(p2["number"] == 2);
  CHECK(p2["message_id"] == "20221118182222.3932898-3-oliver.upton@linux.dev");
  CHECK(p2["title"] == "KVM: arm64: Don't acquire RCU read lock for exclusive table walks");
  // Will Deacon's Acked-by on the cover letter, for every patch.
  CHECK(p2["reviews"] == json::array({{{"kind", "Acked-by"}, {"name", "Will Deacon"},
                                       {"email", "will@kernel.org"}}}));
  CHECK(p2["replies"] == 0);
  CHECK(v4["changes"]["from"] == "v3");
  CHECK(v4["changes"]["added"] == 1);
  CHECK(v4["changes"]["changed"] == 1);
  CHECK(v4["changes"]["unchanged"] == 1);
  CHECK(v4["changes"]["dropped"] == 0);
  CHECK(v4["changelog"] ==
        "v3: https://lore.kernel.org/kvmarm/20221116165655.2649475-1-oliver.upton@linux.dev/\n\n"
        "v3 -> v4:\n - Return an error instead of WARN() in hyp for shared walks (Will)");
  // The unnumbered v2 patch is patch 1 of 1, and v3's second patch is it.
  CHECK(s["versions"][0]["patches"][0]["number"] == 1);
  CHECK(s["versions"][1]["changes"]["patches"][1] ==
        json{{"change", "changed"}, {"number", 2}, {"previous_number", 1},
             {"title", "KVM: arm64: Don't acquire RCU read lock for exclusive table walks"}});
}

TEST_CASE("series pages: an applied version says who applied it and when") {
  const json s = ReadJson(Built().site + "/series/" + kA77 + "/series.json");
  REQUIRE(s["versions"].size() == 7);
  CHECK(s["state"] == "applied");
  CHECK(s["versions"][3]["applied"] ==
        json{{"by", {{"name", "Catalin Marinas"}, {"email", "catalin.marinas@arm.com"}}},
             {"date", "2020-08-21T18:15:00Z"},
             {"message_id", "159803353178.13439.2281554739729386553.b4-ty@arm.com"}});
  CHECK(s["versions"][4]["changes"]["dropped"] == 1);
  CHECK(s["versions"][4]["changes"]["patches"][2] ==
        json{{"change", "dropped"}, {"number", nullptr}, {"previous_number", 1},
             {"title", "KVM: arm64: Print warning when cpu erratum can cause guests to deadlock"}});
}

TEST_CASE("series pages: the HTML page of a series") {
  const std::string site = Built().site;
  const std::string page = "series/" + std::string(kFixes) + "/index.html";
  const std::string html = testing::ReadFile(site + "/" + page);
  CHECK(html.find("<h1>KVM: arm64: Fixes for parallel faults series</h1>") != std::string::npos);
  // The timeline, newest first: version, date, patches, replies, reviews,
  // state, digest, message.
  CHECK(All(html, "<tr><td><a href=\"#([a-z0-9-]+)\">") == std::vector<std::string>{"v4", "v3", "v2"});
  CHECK(html.find("<td><a href=\"../../digests/2022-W46/index.html\">2022-W46</a></td><td><a "
                  "href=\"https://lore.kernel.org/kvmarm/20221118182222.3932898-1-oliver.upton@linux.dev/\">"
                  "message</a></td>") != std::string::npos);
  CHECK(html.find("<p class=\"changes\">Since <a href=\"#v3\">v3</a>: 1 added, 1 changed, 1 unchanged.</p>") !=
        std::string::npos);
  CHECK(html.find("For every patch: <span class=\"review\">Acked-by: Will Deacon</span>") !=
        std::string::npos);
  // Mail text is escaped: the cover letter's "v3 -> v4:" and "Don't".
  CHECK(html.find("v3 -&gt; v4:") != std::string::npos);
  CHECK(html.find("v3 -> v4:") == std::string::npos);
  CHECK(html.find("Don&apos;t acquire RCU read lock") != std::string::npos);
  // The people involved link to their pages.
  CHECK(html.find("<li><a href=\"../../contributors/will-kernel-org/index.html\">Will Deacon</a>") !=
        std::string::npos);
  CheckLinks(site, page);
}

TEST_CASE("series pages: the series feed has one entry per version, newest first") {
  const std::string feed = testing::ReadFile(Built().site + "/series/" + kFixes + "/feed.xml");
  CHECK(All(feed, "<entry>\\n    <title>([^<]*)</title>") ==
        std::vector<std::string>{"[v4] KVM: arm64: Fixes for parallel faults series",
                                 "[v3] KVM: arm64: Fixes for parallel faults series",
                                 "[v2] KVM: arm64: Don&apos;t acquire RCU read lock for exclusive table walks"});
  CHECK(feed.find("<id>https://example.org/kvmarm/series/" + std::string(kFixes) + "/#v4</id>") !=
        std::string::npos);
  CHECK(feed.find("<updated>2022-11-18T19:02:44Z</updated>") != std::string::npos);
}

TEST_CASE("series pages: the index, newest activity first, one page per state") {
  const std::string site = Built().site;
  const std::string index = testing::ReadFile(site + "/series/index.html");
  const std::vector<std::string> rows =
      All(index, "<tr><td><a href=\"\\.\\./series/([^/]+)/index.html\">");
  REQUIRE(rows.size() == 16);
  CHECK(rows[0] == "kvm-arm64-m2-vgic-maintenance-interrupt-rework-pre-nv-89947d0");
  CHECK(rows[1] == "perf-arm-spev1-2-support-02c999c");
  CHECK(rows[2] == "kvm-arm64-parallel-access-faults-1114c04");
  CHECK(rows[3] == kFixes);
  CHECK(All(index, "<span class=\"meta\">\\((\\d+)\\)</span></li>") ==
        std::vector<std::string>{"16", "3", "2", "0", "6", "5"});
  const std::string applied = testing::ReadFile(site + "/series/state/applied/index.html");
  CHECK(All(applied, "<tr><td><a href=\"\\.\\./\\.\\./\\.\\./series/([^/]+)/index.html\">") ==
        std::vector<std::string>{"kvm-arm64-m2-vgic-maintenance-interrupt-rework-pre-nv-89947d0",
                                 "kvm-arm64-sys-reg-table-init-small-improvements-f7e6c09",
                                 "kvm-arm64-fix-use-after-free-in-debugfs-3606d3a",
                                 "debug-info-for-nvhe-hyp-panics-9c8ee2a",
                                 "vfio-iommu-type1-some-fixes-5ceed83", kA77});
  CHECK(applied.find("<a href=\"../../../series/state/applied/index.html\" aria-current=\"page\">") !=
        std::string::npos);
  // A state no series is in still has its page, so that the filter never
  // leads nowhere.
  const std::string superseded = testing::ReadFile(site + "/series/state/superseded/index.html");
  CHECK(superseded.find("<p>No series.</p>") != std::string::npos);
  for (const char* page : {"series/index.html", "series/state/applied/index.html",
                           "series/state/superseded/index.html"}) {
    CheckLinks(site, page);
  }
  const std::string sitemap = testing::ReadFile(site + "/sitemap.xml");
  CHECK(sitemap.find("<loc>https://example.org/kvmarm/series/state/no-reply/</loc>") != std::string::npos);
  CHECK(sitemap.find("<loc>https://example.org/kvmarm/series/" + std::string(kFixes) + "/</loc>") !=
        std::string::npos);
}

TEST_CASE("series pages: the index is paginated") {
  archive::Inbox inbox;
  std::string err;
  REQUIRE_MESSAGE(archive::Inbox::Open(Built().inbox, &inbox, &err), err);
  archive::Mailmap mailmap;
  const model::Archive a = model::BuildArchive(inbox, mailmap, 2, nullptr);
  pages::SiteInfo site;
  site.title = "kvmarm series";
  const auto index = pages::SeriesIndexPages(a, site, 5);
  std::vector<std::string> paths;
  for (const auto& p : index) paths.push_back(p.path);
  CHECK(paths == std::vector<std::string>{
                     "series/index.html", "series/page/2/index.html", "series/page/3/index.html",
                     "series/page/4/index.html", "series/state/new/index.html",
                     "series/state/reviewed/index.html", "series/state/superseded/index.html",
                     "series/state/applied/index.html", "series/state/applied/page/2/index.html",
                     "series/state/no-reply/index.html"});
  const auto& second = index[1].view;
  CHECK(second["root"] == "../../../");
  CHECK(second["series"].size() == 5);
  CHECK(second["prev_url"] == "../../../series/index.html");
  CHECK(second["next_url"] == "../../../series/page/3/index.html");
  CHECK(index[3].view["series"].size() == 1);
  CHECK(index[3].view["next_url"].is_null());
  CHECK(index[8].view["root"] == "../../../../../");
  CHECK(index[8].view["series"].size() == 1);
}

TEST_CASE("series pages: digests link to series, mark re-rolls and list what waits for review") {
  const std::string site = Built().site;
  const std::string w46 = testing::ReadFile(site + "/digests/2022-W46/index.html");
  CHECK(w46.find("<a href=\"../../series/" + std::string(kFixes) +
                 "/index.html#v4\">series</a> · <span class=\"reroll\">v4, supersedes v3 from "
                 "2022-W46</span>") != std::string::npos);
  CHECK(w46.find("<span class=\"reroll\">v2, supersedes") == std::string::npos);
  // Oliver Upton's "Parallel access faults" v2 (2022-12-02) had no reply by
  // the end of its week.
  const std::string w48 = testing::ReadFile(site + "/digests/2022-W48/index.html");
  const size_t waiting = w48.find("<h2 id=\"waiting\">Waiting for review</h2>");
  REQUIRE(waiting != std::string::npos);
  CHECK(All(w48.substr(waiting), "<li><a href=\"https://lore.kernel.org/kvmarm/([^/]+)/\">") ==
        std::vector<std::string>{"20221202185156.696189-1-oliver.upton@linux.dev"});
  CheckLinks(site, "digests/2022-W46/index.html");
  // The header of every page links to the series index.
  CHECK(w46.find("<a href=\"../../series/index.html\">Series</a>") != std::string::npos);
}

TEST_CASE("series pages: the same input gives byte-identical series files") {
  const Fixture& f = Built();
  const std::string again = testing::WorkDir("series-pages-again") + "/site";
  const std::string config = fs::path(f.site).parent_path().string() + "/site.toml";
  std::string out;
  REQUIRE(testing::Run("'" + testing::Binary() + "' build --config '" + config + "' --out '" + again +
                           "' --jobs 1", &out) == 0);
  size_t compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(f.site + "/series")) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), f.site).string();
    INFO(rel);
    CHECK(testing::ReadFile(e.path().string()) == testing::ReadFile(again + "/" + rel));
    ++compared;
  }
  CHECK(compared == 16 * 3 + 6);
}

}  // namespace
}  // namespace listdigest
