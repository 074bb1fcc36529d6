// The checks the hostile test runs on every page, tried on markup that
// must fail them (the tricks of the OWASP XSS filter evasion cheat sheet
// that survive a tokenizer) and on the theme's own markup that must pass.
#include "hostile/page_checks.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;

const std::string kHead =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src "
    "'self'\">"
    "<link rel=\"stylesheet\" href=\"../../static/style.css\"></head><body>";

size_t Count(const std::string& body) {
  return testing::CheckHtml("page.html", kHead + body + "</body></html>").size();
}

TEST_CASE("page checks: the theme's own markup passes") {
  CHECK(Count("") == 0);
  CHECK(Count("<script src=\"../../static/search.js\" defer></script>") == 0);
  CHECK(Count("<script src=\"/lists/kvm/static/search.js\" defer></script>") == 0);
  CHECK(Count("<script src=\"../static/search.js?v=115a284904ff\" defer></script>") == 0);
  CHECK(Count("<a href=\"https://lore.kernel.org/kvm/x%40y/\">a</a> <a href=\"mailto:a@b\">m</a>"
              " <a href=\"../series/x/\">r</a> <a href=\"#v-1\">f</a>") == 0);
  CHECK(Count("<p>&lt;script&gt;alert(1)&lt;/script&gt; onerror=alert(1) javascript:x</p>") == 0);
  CHECK(Count("<svg viewBox=\"0 0 10 10\"><path d=\"M0 0L1 1\"/></svg>") == 0);
  CHECK(Count("<!-- <script>alert(1)</script> -->") == 0);
}

TEST_CASE("page checks: scripts, handlers and dangerous links are found") {
  CHECK(Count("<script>alert(1)</script>") == 2);  // no src, and inline code
  CHECK(Count("<SCRIPT SRC=https://evil.example/x.js></SCRIPT>") == 1);
  CHECK(Count("<script src=\"../../static/search.js\">alert(1)</script>") == 1);
  CHECK(Count("<script src=\"//evil.example/static/x.js\"></script>") == 1);
  CHECK(Count("<script src=\"static/x.js?v=1&callback=alert\"></script>") == 1);
  CHECK(Count("<img src=x onerror=alert(1)>") == 1);
  CHECK(Count("<img src=x OnError='alert(1)'>") == 1);
  CHECK(Count("<svg/onload=alert(1)>") == 1);
  CHECK(Count("<body onload=alert(1)>") == 1);
  CHECK(Count("<a href=\"javascript:alert(1)\">x</a>") == 1);
  CHECK(Count("<a href=\" JaVaScRiPt:alert(1)\">x</a>") == 1);
  CHECK(Count("<a href=\"java&#115;cript:alert(1)\">x</a>") == 1);
  CHECK(Count("<a href=\"java&#x09;script:alert(1)\">x</a>") == 1);
  CHECK(Count("<a href=\"javascript&colon;alert(1)\">x</a>") == 1);
  CHECK(Count("<iframe src=\"data:text/html;base64,PHNjcmlwdD4=\"></iframe>") == 2);
  CHECK(Count("<form action=\"javascript:alert(1)\"><button>x</button></form>") == 1);
  CHECK(Count("<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">") == 1);
  CHECK(Count("<base href=\"https://evil.example/\">") == 1);
  CHECK(Count("<object data=\"x.swf\"></object>") == 1);
  CHECK(Count("<div style=\"background:url(javascript:alert(1))\">") == 1);
  CHECK(Count("<style>body{display:none}</style>") == 1);
}

TEST_CASE("page checks: a page without the CSP meta tag, or with unsafe-inline, fails") {
  CHECK(testing::CheckHtml("a.html", "<html><body>x</body></html>").size() == 1);
  CHECK(testing::CheckHtml("a.html",
                           "<meta http-equiv=\"Content-Security-Policy\" "
                           "content=\"script-src 'self' 'unsafe-inline'\">")
            .size() == 1);
}

TEST_CASE("page checks: control and bidirectional characters in text are found") {
  CHECK(testing::CheckText("a.txt", "plain\ttext\nwith a form feed\f\n").empty());
  CHECK(testing::CheckText("a.txt", "an ESC \x1b[31m sequence").size() == 1);
  CHECK(testing::CheckText("a.txt", "Evil \xE2\x80\xAEgnp.exe").size() == 1);
  CHECK(testing::CheckText("a.txt", "isolate \xE2\x81\xA6x").size() == 1);
  CHECK(testing::CheckText("a.txt", "C1 \xC2\x85 NEL").size() == 1);
  CHECK(testing::CheckText("a.txt", "bad \xC0\xAF UTF-8").size() == 1);
}

TEST_CASE("page checks: odd file names and links out of the site are found") {
  const std::string dir = testing::WorkDir("tree-check");
  testing::WriteFile(dir + "/site/digests/2021-W09/index.html", "x");
  testing::WriteFile(dir + "/site/series/a-b-1234567/series.json", "{}");
  std::vector<std::string> files;
  CHECK(testing::CheckTree(dir + "/site", &files).empty());
  CHECK(files ==
        std::vector<std::string>{"digests/2021-W09/index.html", "series/a-b-1234567/series.json"});
  testing::WriteFile(dir + "/site/series/-rf/x.html", "x");
  testing::WriteFile(dir + "/site/series/.hidden", "x");
  testing::WriteFile(dir + "/site/series/.listdigest-manifest", "x");  // only at the top
  testing::WriteFile(dir + "/site/series/a b", "x");
  testing::WriteFile(dir + "/outside", "x");
  fs::create_symlink(dir + "/outside", dir + "/site/series/link");
  files.clear();
  // "-rf", ".hidden", ".listdigest-manifest" below the top, "a b", and
  // "link" both as a link and as leading outside.
  CHECK(testing::CheckTree(dir + "/site", &files).size() == 6);
  testing::WriteFile(dir + "/ok/.listdigest-manifest", "x");
  files.clear();
  CHECK(testing::CheckTree(dir + "/ok", &files).empty());
}

}  // namespace
}  // namespace listdigest
