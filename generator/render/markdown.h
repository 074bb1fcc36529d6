// Markdown for the site's own pages (content/*.md), never for mail: mail
// text is always shown as escaped text. CommonMark through cmark-gfm with
// the GFM extensions; the only file that includes cmark-gfm's headers is
// markdown.cc.
#pragma once

#include <string>
#include <string_view>

namespace listdigest::render {

/// A rendered Markdown document.
struct Markdown {
  std::string html;
  /// The text of the level-1 heading the document starts with ("About this
  /// site" for "# About *this* site"), or "" when it starts otherwise: a
  /// template then shows the page's title as its own <h1>.
  std::string title;
};

/// Renders CommonMark with the GFM tables, autolinks, strikethrough and
/// tagfilter extensions. Raw HTML is left out (cmark's safe default: it
/// becomes "<!-- raw HTML omitted -->") and so are links and images whose
/// URL is javascript:, vbscript:, file: or data: (other than images), so a
/// page cannot bring a script past the site's Content-Security-Policy or an
/// inline style. Invalid UTF-8 becomes U+FFFD. Never fails; the same text
/// always gives the same bytes.
Markdown RenderMarkdown(std::string_view text);

}  // namespace listdigest::render
