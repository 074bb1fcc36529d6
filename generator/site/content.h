// The site's own pages: content/*.md (Markdown with a small front matter),
// each written to site/<name>/index.html, listed in the header navigation
// when its front matter gives a `nav` position; content/index.md is the
// home page's introduction.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pages/views.h"

namespace listdigest::site {

/// One content/<name>.md, read and rendered.
struct ContentPage {
  std::string name;          // "about" for content/about.md; "index" for the home introduction
  std::string file;          // the file's path, for errors
  std::string title;         // front matter `title`, else the leading "# heading", else the name
  std::string description;   // front matter `description`; may be empty
  int nav = 0;               // front matter `nav`: place in the header navigation; 0: not there
  std::string html;          // the Markdown rendered (render/markdown.h)
  bool has_heading = false;  // the Markdown starts with its own level-1 heading
};

/// Parses one page: an optional front matter between two "---" lines at the
/// very top, of `key: value` lines (title, description: text, optionally in
/// double quotes; nav: a whole number from 1 to 1000), then Markdown. On an
/// unknown key, a bad value or an unclosed front matter, sets `err` to
/// "FILE:LINE: what is wrong; what to do" and returns false.
bool ParseContentPage(const std::string& file, const std::string& name, const std::string& text,
                      ContentPage* page, std::string* err);

/// Reads every *.md file directly in `dir` (not in its subfolders), sorted
/// by name. A name must be letters, digits, "-" and "_" and must not be one
/// of the site's own folders (digests, series, contributors, search,
/// static). Fails naming the file.
bool LoadContentPages(const std::string& dir, std::vector<ContentPage>* pages, std::string* err);

/// The pages of the header navigation, by `nav` then name.
std::vector<const ContentPage*> NavPages(const std::vector<ContentPage>& pages);

/// The view of site/<name>/index.html (the `page` template).
nlohmann::json ContentPageView(const pages::SiteInfo& info, const ContentPage& page);

/// content/index.md, or nullptr.
const ContentPage* HomeIntroduction(const std::vector<ContentPage>& pages);

}  // namespace listdigest::site
