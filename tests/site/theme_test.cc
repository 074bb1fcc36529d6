// End to end: a site with its own content pages and theme overrides, built
// by the listdigest binary from one real kvmarm epoch. Content pages land in
// the navigation of every page; content/theme/ and theme_dir override the
// theme's files in that order; static files are linked with their version;
// every page has its canonical URL, Open Graph title and description, and
// series and contributor pages their own feed; every feed is valid Atom
// (RFC 4287's schema, tests/data/atom/atom.rng, with xmllint).
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "model/archive.h"
#include "model/digest.h"
#include "model/people.h"
#include "pages/contributor_views.h"
#include "pages/series_views.h"
#include "pages/views.h"
#include "site/build.h"
#include "site/content.h"
#include "site/context.h"
#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;

struct Built {
  std::string dir, config, site;
};

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// The kvmarm inbox of March 2021 in `epochs` epochs (1 to 3).
Built Build(const std::string& name, const std::string& top_config, int epochs = 3) {
  Built b;
  b.dir = testing::WorkDir(name);
  std::string out;
  for (int e = 0; e < epochs; ++e) {
    const std::string n = std::to_string(e);
    REQUIRE(testing::Run(
                "git clone -q --mirror " +
                    Quote(testing::DataPath("kvmarm-2021-03-3epochs-v2-epoch" + n + ".bundle")) +
                    " " + Quote(b.dir + "/inbox/git/" + n + ".git"),
                &out) == 0);
  }
  b.config = b.dir + "/content/site.toml";
  b.site = b.dir + "/site";
  testing::WriteFile(b.config, "title = \"kvmarm test\"\nlist = \"kvmarm\"\n" + top_config +
                                   "\n[archive]\npath = \"../inbox\"\n");
  return b;
}

void Run(const Built& b) {
  std::string out;
  const int status = testing::Run("'" + testing::Binary() + "' build --config " + Quote(b.config) +
                                      " --out " + Quote(b.site) + " --jobs 2",
                                  &out);
  REQUIRE_MESSAGE(status == 0, out);
}

// The site of this file's tests: two content pages, a home introduction,
// a footer overridden twice and a static file added.
const Built& Site() {
  static const Built b = [] {
    Built x = Build("theme-site",
                    "base_url = \"https://example.org/kvmarm\"\ntheme_dir = \"../mytheme\"\n");
    testing::WriteFile(x.config,
                       testing::ReadFile(x.config) +
                           "message_url = \"https://lore.kernel.org/kvmarm/{message_id}/\"\n");
    testing::WriteFile(x.dir + "/content/about.md",
                       "---\ntitle: About\nnav: 2\ndescription: What this is.\n---\n"
                       "# About this site\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
    testing::WriteFile(x.dir + "/content/rules.md", "---\nnav: 1\n---\nBe kind.\n");
    testing::WriteFile(x.dir + "/content/index.md", "Welcome to **kvmarm**.\n");
    testing::WriteFile(x.dir + "/content/theme/templates/_footer.mustache",
                       "<footer>content theme footer</footer>\n");
    testing::WriteFile(
        x.dir + "/content/theme/templates/_header.mustache",
        "<header>{{#nav}}<a href=\"{{url}}\"{{#current}} aria-current=\"page\"{{/current}}>"
        "{{title}}</a>{{/nav}}</header>\n");
    testing::WriteFile(x.dir + "/content/theme/static/extra.txt", "from content/theme\n");
    testing::WriteFile(x.dir + "/mytheme/templates/_footer.mustache",
                       "<footer>theme_dir footer of {{list}}</footer>\n");
    Run(x);
    return x;
  }();
  return b;
}

std::string Page(const std::string& path) { return testing::ReadFile(Site().site + "/" + path); }

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> Files(const std::string& root, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().filename() == name) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("theme: content pages are written and listed in every page's navigation by nav") {
  const std::string about = Page("about/index.html");
  CHECK(Has(about, "<h1>About this site</h1>"));  // the page's own heading, not a second one
  CHECK_FALSE(Has(about, "<h1>About</h1>"));
  CHECK(Has(about, "<title>About · kvmarm test</title>"));
  CHECK(Has(about, "<td>1</td>"));
  CHECK(Has(about, "<meta name=\"description\" content=\"What this is.\">"));
  CHECK(Has(Page("rules/index.html"), "<h1>Rules</h1>\n<p>Be kind.</p>"));
  // rules (nav 1) before about (nav 2), after the site's own sections.
  CHECK(
      Has(Page("index.html"),
          "<header><a href=\"digests/index.html\">Digests</a><a href=\"series/index.html\">"
          "Series</a><a href=\"contributors/index.html\">Contributors</a>"
          "<a href=\"rules/index.html\">Rules</a><a href=\"about/index.html\">About</a></header>"));
  CHECK(Has(Page("digests/2021-W10/index.html"), "<a href=\"../../about/index.html\">About</a>"));
  CHECK(Has(about, "<a href=\"../about/index.html\" aria-current=\"page\">About</a>"));
  CHECK(Has(Page("sitemap.xml"), "<loc>https://example.org/kvmarm/about/</loc>"));
  CHECK(Has(Page("index.html"), "<p>Welcome to <strong>kvmarm</strong>.</p>"));
  CHECK_FALSE(fs::exists(Site().site + "/index/index.html"));
}

TEST_CASE("theme: theme_dir overrides content/theme, which overrides the theme") {
  CHECK(Has(Page("index.html"), "<footer>theme_dir footer of kvmarm</footer>"));
  CHECK_FALSE(Has(Page("index.html"), "content theme footer"));
  CHECK(Page("static/extra.txt") == "from content/theme\n");
  // What nobody overrode is the theme's.
  CHECK(Page("static/style.css") ==
        testing::ReadFile(std::string(LISTDIGEST_SOURCE_DIR) + "/themes/default/static/style.css"));
}

TEST_CASE("theme: static files are linked with one version, the same in every page") {
  const std::regex link(
      R"re((?:href|src)="((?:\.\./)*)static/([a-z]+\.(?:css|js|svg))\?v=([0-9a-f]+)")re");
  std::set<std::string> versions;
  int links = 0;
  for (const std::string& path :
       {std::string("index.html"), std::string("digests/2021-W10/index.html"),
        std::string("contributors/index.html"), std::string("about/index.html")}) {
    const std::string html = Page(path);
    for (auto it = std::sregex_iterator(html.begin(), html.end(), link);
         it != std::sregex_iterator(); ++it) {
      ++links;
      versions.insert((*it)[3].str());
      CHECK(fs::exists(Site().site + "/" + fs::path(path).parent_path().string() + "/" +
                       (*it)[1].str() + "static/" + (*it)[2].str()));
    }
  }
  CHECK(links >= 13);  // style, icon and search on each page, and the contributors script
  REQUIRE(versions.size() == 1);
  CHECK(versions.begin()->size() == 12);
}

TEST_CASE("theme: canonical URLs, Open Graph and each page's own feed") {
  const std::string digest = Page("digests/2021-W10/index.html");
  CHECK(Has(digest,
            "<link rel=\"canonical\" href=\"https://example.org/kvmarm/digests/2021-W10/\">"));
  CHECK(Has(digest,
            "<meta property=\"og:url\" content=\"https://example.org/kvmarm/digests/2021-W10/\">"));
  CHECK(Has(digest, "<meta property=\"og:title\" content=\"kvmarm digest 2021-W10\">"));
  CHECK(Has(digest,
            "<meta property=\"og:description\" content=\"227 messages, 81 patches, 145 "
            "replies and "));
  CHECK(Has(digest,
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"kvmarm test: "
            "digests\" href=\"../../feed.xml\">"));
  CHECK(Has(Page("index.html"), "<title>kvmarm test</title>"));
  CHECK(Has(Page("index.html"), "<link rel=\"canonical\" href=\"https://example.org/kvmarm/\">"));
  CHECK_FALSE(Has(Page("404.html"), "rel=\"canonical\""));

  const std::string one = Page("series/kvm-arm64-a-stage-2-for-the-host-b5c08f2/index.html");
  CHECK(Has(one, "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Versions of "));
  CHECK(Has(one, "\" href=\"feed.xml\">"));
  const std::string person = Page("contributors/maz-kernel-org/index.html");
  CHECK(Has(person,
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Postings by "
            "Marc Zyngier\" href=\"feed.xml\">"));
  CHECK(Has(person, "<meta property=\"og:title\" content=\"Marc Zyngier\">"));
}

TEST_CASE("theme: the home page shows the latest digest, the newest series and every index") {
  const std::string home = Page("index.html");
  CHECK(Has(home, "<h2 id=\"latest\">Latest digest: <a href=\"digests/2021-W12/index.html\">"));
  CHECK(Has(home, "<dt>Patches</dt>"));
  const std::regex series_link(R"re(<li><a class="subject" href="(series/[^"]+)")re");
  int newest = 0;
  for (auto it = std::sregex_iterator(home.begin(), home.end(), series_link);
       it != std::sregex_iterator(); ++it, ++newest) {
    CHECK(fs::exists(Site().site + "/" + (*it)[1].str()));
  }
  CHECK(newest == 8);
  for (const char* index : {"digests/index.html", "series/index.html", "contributors/index.html",
                            "search/index.html", "feed.xml"}) {
    CHECK(Has(home, std::string("<a href=\"") + index + "\">"));
  }
}

// The Schematron rules of RFC 4287's appendix B, which RELAX NG cannot say.
void CheckAtomRules(const std::string& file) {
  const std::string xml = testing::ReadFile(file);
  const size_t first_entry = xml.find("<entry>");
  const std::string head = xml.substr(0, first_entry);
  bool every_entry_has_author = true;
  for (size_t at = xml.find("<entry>"); at != std::string::npos; at = xml.find("<entry>", at + 1)) {
    const std::string entry = xml.substr(at, xml.find("</entry>", at) - at);
    every_entry_has_author = every_entry_has_author && Has(entry, "<author>");
    CHECK_MESSAGE((Has(entry, "<content") || Has(entry, "<link href=")), file);
  }
  CHECK_MESSAGE((Has(head, "<author>") || every_entry_has_author), file);
}

void CheckFeeds(const std::string& site, size_t at_least) {
  std::vector<std::string> feeds = {site + "/feed.xml"};
  for (const char* dir : {"/series", "/contributors"}) {
    for (const auto& f : Files(site + dir, "feed.xml")) feeds.push_back(f);
  }
  CHECK(feeds.size() >= at_least);
  std::string command = "xmllint --noout --relaxng " + Quote(testing::DataPath("atom/atom.rng"));
  for (const auto& f : feeds) command += " " + Quote(f);
  std::string out;
  CHECK_MESSAGE(testing::Run(command, &out) == 0, out.substr(0, 2000));
  for (const auto& f : feeds) CheckAtomRules(f);
}

TEST_CASE("theme: every feed is valid Atom, with and without base_url") {
  CheckFeeds(Site().site, 80);
  // Without base_url and message_url entries have no link: their text is
  // their content.
  Built bare = Build("theme-site-bare", "", 1);
  Run(bare);
  CheckFeeds(bare.site, 20);
  CHECK(Has(testing::ReadFile(bare.site + "/feed.xml"), "<content>"));
  CHECK_FALSE(Has(testing::ReadFile(bare.site + "/index.html"), "rel=\"canonical\""));
}

TEST_CASE("theme: the schema tells a broken feed from a valid one") {
  // A check that cannot fail checks nothing: the same schema must reject
  // an entry without an id and a date that is not RFC 3339.
  const std::string dir = testing::WorkDir("atom-schema");
  const std::string good =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
      "<title>t</title><id>urn:x</id><updated>2021-03-01T10:00:00Z</updated>"
      "<author><name>a</name></author><entry><title>e</title><id>urn:y</id>"
      "<updated>2021-03-01T10:00:00Z</updated><content>c</content></entry></feed>\n";
  testing::WriteFile(dir + "/good.xml", good);
  testing::WriteFile(dir + "/no-id.xml",
                     std::regex_replace(good, std::regex("<id>urn:y</id>"), ""));
  testing::WriteFile(
      dir + "/bad-date.xml",
      std::regex_replace(good, std::regex("<updated>2021-03-01T10:00:00Z</updated><content>"),
                         "<updated>2021-03-01 10:00</updated><content>"));
  const std::string xmllint =
      "xmllint --noout --relaxng " + Quote(testing::DataPath("atom/atom.rng")) + " ";
  std::string out;
  CHECK(testing::Run(xmllint + Quote(dir + "/good.xml"), &out) == 0);
  CHECK(testing::Run(xmllint + Quote(dir + "/no-id.xml"), &out) != 0);
  CHECK(testing::Run(xmllint + Quote(dir + "/bad-date.xml"), &out) != 0);
}

TEST_CASE("theme: a missing theme_dir or a bad front matter stops the build, naming the file") {
  Built b = Build("theme-site-errors", "theme_dir = \"nowhere\"\n", 1);
  std::string out;
  const std::string build =
      "'" + testing::Binary() + "' build --config " + Quote(b.config) + " --out " + Quote(b.site);
  CHECK(testing::Run(build, &out) == 2);
  CHECK(Has(out, b.config + ":3:13: theme_dir: " + b.dir +
                     "/content/nowhere is not a folder; create "
                     "it with templates/ and static/ overrides, or remove the key"));
  fs::create_directories(b.dir + "/content/nowhere");
  testing::WriteFile(b.dir + "/content/about.md", "---\nnav: first\n---\n");
  CHECK(testing::Run(build, &out) == 2);
  CHECK(Has(out, b.dir + "/content/about.md:2: nav must be a whole number"));
  CHECK_FALSE(fs::exists(b.site));
}

// Every key of `view`, at any depth: "timeline", "digest_url", …
void Keys(const nlohmann::json& view, std::set<std::string>* keys) {
  if (view.is_object()) {
    for (auto it = view.begin(); it != view.end(); ++it) {
      keys->insert(it.key());
      Keys(it.value(), keys);
    }
  } else if (view.is_array()) {
    for (const auto& e : view) Keys(e, keys);
  }
}

TEST_CASE("theme: themes/README.md documents every field a template can see") {
  site::Site s;
  std::string err;
  REQUIRE_MESSAGE(site::OpenSite(Site().config, &s, &err), err);
  const model::Archive a = model::BuildArchive(s.inbox, s.mailmap, 2, nullptr);
  std::vector<model::Digest> digests;
  for (const auto& r : s.ranges) digests.push_back(model::ComputeDigest(a, r));
  pages::SiteInfo info;
  info.title = s.config.title;
  info.list = s.config.list;
  info.base_url = s.config.base_url;
  info.message_url = s.config.message_url;
  info.organisations = {{"google.com", "Google"}};
  const std::vector<model::PersonStats> stats = model::ComputePeopleStats(a);
  const pages::DigestIds ids = pages::DigestIdsOf(digests);

  std::map<std::string, nlohmann::json> views = {
      {"home", pages::HomeView(a, digests, info)},
      {"digests", pages::DigestsIndexView(a, digests, info)},
      {"contributors_index", pages::ContributorsIndexView(a, stats, info)},
      {"page", site::ContentPageView(info, s.content.front())},
      {"fields", site::PageFields(s, "series/index.html", "../")},
  };
  // Every digest, series and person: some fields are only there for some
  // (a re-roll note, an applied version, dropped patches).
  std::set<std::string> keys;
  for (const auto& [name, view] : views) Keys(view, &keys);
  for (const auto& d : digests) Keys(pages::DigestPageView(a, d, info, 15), &keys);
  for (size_t i = 0; i < a.series.size(); ++i)
    Keys(pages::SeriesPageView(a, int(i), info, ids), &keys);
  for (const auto& page : pages::SeriesIndexPages(a, info, 10)) Keys(page.view, &keys);
  for (const auto& st : stats) Keys(pages::ContributorPageView(a, st, info), &keys);
  // Fields only `base` sees.
  keys.insert("content");

  const std::string readme =
      testing::ReadFile(std::string(LISTDIGEST_SOURCE_DIR) + "/themes/README.md");
  std::vector<std::string> missing;
  for (const auto& key : keys) {
    if (!Has(readme, "`" + key + "`")) missing.push_back(key);
  }
  CHECK_MESSAGE(
      missing.empty(), "not in themes/README.md: " << [&] {
        std::string list;
        for (const auto& k : missing) list += k + " ";
        return list;
      }());
  CHECK(keys.size() > 140);
  // The templates named in the README are the theme's.
  for (const auto& e :
       fs::directory_iterator(std::string(LISTDIGEST_SOURCE_DIR) + "/themes/default/templates")) {
    CHECK_MESSAGE(Has(readme, "| `" + e.path().stem().string() + "` |"), e.path().filename());
  }
}

}  // namespace
}  // namespace listdigest
