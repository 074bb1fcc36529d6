// Markdown of the site's own pages (content/*.md): the GFM extensions work,
// and nothing in a page can bring in raw HTML, a script or a dangerous link.
#include "render/markdown.h"

#include <doctest/doctest.h>

#include <string>

namespace listdigest {
namespace {

using render::RenderMarkdown;

bool Has(const std::string& html, const std::string& part) {
  return html.find(part) != std::string::npos;
}

TEST_CASE("markdown: GFM tables, autolinks and strikethrough") {
  const std::string html = RenderMarkdown(
                               "| Page | Count |\n|:---|---:|\n| Series | 12 |\n\n"
                               "Mail on https://lore.kernel.org/kvm/ and ~~nothing~~ else.\n")
                               .html;
  CHECK(Has(html, "<table>"));
  CHECK(Has(html, "<th align=\"left\">Page</th>"));
  CHECK(Has(html, "<td align=\"right\">12</td>"));
  CHECK(Has(html, "<a href=\"https://lore.kernel.org/kvm/\">https://lore.kernel.org/kvm/</a>"));
  CHECK(Has(html, "<del>nothing</del>"));
  // Alignment is an attribute, never style="…", which the site's CSP forbids.
  CHECK_FALSE(Has(html, "style="));
}

TEST_CASE("markdown: raw HTML, scripts and dangerous links are left out") {
  const std::string html = RenderMarkdown(
                               "<script>alert(1)</script>\n\n"
                               "Text <img src=x onerror=alert(1)> and <b>bold</b>.\n\n"
                               "[a](javascript:alert(1)) [b](vbscript:x) [c](data:text/html,x) "
                               "[d](../series/index.html) [e](mailto:list@example.org)\n\n"
                               "<style>body{display:none}</style>\n")
                               .html;
  CHECK_FALSE(Has(html, "<script"));
  CHECK_FALSE(Has(html, "<img"));
  CHECK_FALSE(Has(html, "onerror"));
  CHECK_FALSE(Has(html, "<style"));
  CHECK_FALSE(Has(html, "<b>"));
  CHECK(Has(html, "<!-- raw HTML omitted -->"));
  CHECK_FALSE(Has(html, "javascript:"));
  CHECK_FALSE(Has(html, "vbscript:"));
  CHECK_FALSE(Has(html, "data:text"));
  CHECK(Has(html, "<a href=\"../series/index.html\">d</a>"));
  CHECK(Has(html, "<a href=\"mailto:list@example.org\">e</a>"));
}

TEST_CASE("markdown: text is escaped and invalid UTF-8 becomes U+FFFD") {
  const std::string html = RenderMarkdown("a < b & \"c\" \xff\n").html;
  CHECK(html == "<p>a &lt; b &amp; &quot;c&quot; \xEF\xBF\xBD</p>\n");
}

TEST_CASE("markdown: a leading level-1 heading is the page's title") {
  CHECK(RenderMarkdown("# About *this* `site`\n\nText.\n").title == "About this site");
  CHECK(RenderMarkdown("About\n=====\n").title == "About");
  CHECK(RenderMarkdown("Intro.\n\n# Later\n").title.empty());
  CHECK(RenderMarkdown("## Second level\n").title.empty());
  CHECK(RenderMarkdown("").html.empty());
}

TEST_CASE("markdown: the same text gives the same bytes") {
  const std::string text = "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nhttps://example.org ~~x~~\n";
  CHECK(RenderMarkdown(text).html == RenderMarkdown(text).html);
}

}  // namespace
}  // namespace listdigest
