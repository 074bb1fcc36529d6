// content/*.md: front matter and its errors, page names, the navigation, and
// the fields every page gets from where it is.
#include "site/content.h"

#include <doctest/doctest.h>

#include <string>

#include "site/build.h"
#include "site/context.h"
#include "support.h"

namespace listdigest {
namespace {

using site::ContentPage;

ContentPage Parse(const std::string& text, const std::string& name = "about") {
  ContentPage page;
  std::string err;
  REQUIRE_MESSAGE(site::ParseContentPage("content/" + name + ".md", name, text, &page, &err), err);
  return page;
}

std::string ParseError(const std::string& text) {
  ContentPage page;
  std::string err;
  CHECK_FALSE(site::ParseContentPage("content/about.md", "about", text, &page, &err));
  return err;
}

TEST_CASE("content: front matter gives title, nav and description; the rest is Markdown") {
  const ContentPage p = Parse(
      "---\ntitle: About the list\nnav: 2\ndescription: \"What: this is\"\n# a comment\n---\n"
      "Some *text*.\n");
  CHECK(p.name == "about");
  CHECK(p.title == "About the list");
  CHECK(p.nav == 2);
  CHECK(p.description == "What: this is");
  CHECK(p.html == "<p>Some <em>text</em>.</p>\n");
  CHECK_FALSE(p.has_heading);
}

TEST_CASE("content: without a front matter title, the leading heading or the name is the title") {
  const ContentPage heading = Parse("# Code of conduct\n\nBe kind.\n", "conduct");
  CHECK(heading.title == "Code of conduct");
  CHECK(heading.has_heading);
  CHECK(heading.nav == 0);
  CHECK(Parse("Be kind.\n", "code-of-conduct").title == "Code of conduct");
  // A front matter title wins over the heading, which stays in the page.
  const ContentPage both = Parse("---\ntitle: Short\n---\n# A longer heading\n");
  CHECK(both.title == "Short");
  CHECK(both.has_heading);
  // CRLF line ends and a byte order mark are fine.
  const ContentPage crlf = Parse("\xEF\xBB\xBF---\r\ntitle: Win\r\nnav: 1\r\n---\r\nText\r\n");
  CHECK(crlf.title == "Win");
  CHECK(crlf.nav == 1);
  CHECK(crlf.html == "<p>Text</p>\n");
}

TEST_CASE("content: front matter mistakes name the file and line and say what to do") {
  CHECK(ParseError("---\ntitle: About\ntitel: x\n---\n") ==
        "content/about.md:3: unknown front matter key 'titel'; known keys: title, nav, "
        "description");
  CHECK(ParseError("---\nnav: second\n---\n") ==
        "content/about.md:2: nav must be a whole number from 1 to 1000 (the page's place in the "
        "navigation), not \"second\"");
  CHECK(ParseError("---\nnav: 0\n---\n").find("content/about.md:2: nav must be") == 0);
  CHECK(ParseError("---\ntitle: About\n\nText without an end\n") ==
        "content/about.md:4: front matter lines are \"key: value\", not \"Text without an end\"; "
        "known keys: title, nav, description");
  CHECK(ParseError("---\ntitle: About\n") ==
        "content/about.md:1: the front matter is not closed; end it with a line of three dashes "
        "(---)");
}

TEST_CASE("content: pages are the .md files of the folder, sorted, with checked names") {
  const std::string dir = testing::WorkDir("content-load");
  testing::WriteFile(dir + "/zeta.md", "---\nnav: 1\n---\nZ\n");
  testing::WriteFile(dir + "/about.md", "---\nnav: 2\n---\nA\n");
  testing::WriteFile(dir + "/notes.md", "Not in the navigation.\n");
  testing::WriteFile(dir + "/index.md", "---\nnav: 3\n---\nThe home page's introduction.\n");
  testing::WriteFile(dir + "/site.toml", "");
  testing::WriteFile(dir + "/sub/deeper.md", "Not a page: only the folder itself counts.\n");
  std::vector<ContentPage> pages;
  std::string err;
  REQUIRE_MESSAGE(site::LoadContentPages(dir, &pages, &err), err);
  REQUIRE(pages.size() == 4);
  CHECK(pages[0].name == "about");
  CHECK(pages[1].name == "index");
  CHECK(pages[2].name == "notes");
  CHECK(pages[3].name == "zeta");
  // By nav, then name; the home introduction never is a navigation entry.
  const auto nav = site::NavPages(pages);
  REQUIRE(nav.size() == 2);
  CHECK(nav[0]->name == "zeta");
  CHECK(nav[1]->name == "about");
  REQUIRE(site::HomeIntroduction(pages) != nullptr);
  CHECK(site::HomeIntroduction(pages)->html == "<p>The home page's introduction.</p>\n");

  testing::WriteFile(dir + "/series.md", "Would be written over the series pages.\n");
  CHECK_FALSE(site::LoadContentPages(dir, &pages, &err));
  CHECK(err == dir +
                   "/series.md: the site has its own series/ folder; rename the page "
                   "(series-notes.md, about-series.md)");
  const std::string odd = testing::WorkDir("content-odd-name");
  testing::WriteFile(odd + "/my page.md", "x\n");
  CHECK_FALSE(site::LoadContentPages(odd, &pages, &err));
  CHECK(err.find("my page.md: a content page's name becomes its folder in the site") !=
        std::string::npos);
}

TEST_CASE("content: every page gets its canonical URL, the navigation and the asset version") {
  site::Site s;
  s.config.base_url = "https://example.org/kvm/";
  s.content = {Parse("---\nnav: 1\n---\nA\n", "about"), Parse("B\n", "notes")};
  std::string err;
  REQUIRE_MESSAGE(render::Theme::Load(std::string(LISTDIGEST_SOURCE_DIR) + "/themes/default",
                                      std::vector<std::string>{}, &s.theme, &err),
                  err);
  const nlohmann::json f = site::PageFields(s, "series/x-1/index.html", "../../");
  CHECK(f["canonical_url"] == "https://example.org/kvm/series/x-1/");
  CHECK(f["asset_version"] == s.theme.asset_version());
  CHECK(f["asset_version"].get<std::string>().size() == 12);
  CHECK(f["is_home"] == false);
  REQUIRE(f["nav"].size() == 4);
  CHECK(f["nav"][1] == nlohmann::json{{"name", "series"},
                                      {"title", "Series"},
                                      {"url", "../../series/index.html"},
                                      {"current", false},
                                      {"active", true}});
  CHECK(f["nav"][3]["url"] == "../../about/index.html");
  const nlohmann::json about = site::PageFields(s, "about/index.html", "../");
  CHECK(about["nav"][3]["current"] == true);
  CHECK(about["nav"][1]["active"] == false);
  CHECK(site::PageFields(s, "index.html", "")["canonical_url"] == "https://example.org/kvm/");
  CHECK(site::PageFields(s, "index.html", "")["is_home"] == true);
  // 404.html is served at any address: it has no canonical URL.
  CHECK(site::PageFields(s, "404.html", "/kvm/")["canonical_url"] == "");
  s.config.base_url.clear();
  CHECK(site::PageFields(s, "digests/index.html", "../")["canonical_url"] == "");
}

TEST_CASE("content: the asset version follows the static files' bytes") {
  const std::string dir = testing::WorkDir("asset-version");
  testing::WriteFile(dir + "/theme/templates/base.mustache", "{{{content}}}");
  testing::WriteFile(dir + "/theme/static/style.css", "body{}");
  testing::WriteFile(dir + "/theme/static/app.js", "1");
  render::Theme a, b, c;
  std::string err;
  REQUIRE(render::Theme::Load(dir + "/theme", "", &a, &err));
  REQUIRE(render::Theme::Load(dir + "/theme", "", &b, &err));
  CHECK(a.asset_version() == b.asset_version());
  testing::WriteFile(dir + "/over/static/app.js", "2");
  REQUIRE(render::Theme::Load(dir + "/theme", dir + "/over", &c, &err));
  CHECK(c.asset_version() != a.asset_version());
  CHECK(c.static_files().at("app.js") == "2");
}

}  // namespace
}  // namespace listdigest
