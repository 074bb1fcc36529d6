// Theme templates (Mustache, HTML-escaped by default) and the static files a
// theme ships. Views come in as JSON made for the templates by pages/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace listdigest::render {

/// A loaded theme: every templates/*.mustache and static/* file of
/// `themes/<name>/`, with the same-named files of an override folder (the
/// site's own `content/theme/`) taking their place.
class Theme {
 public:
  /// Loads `theme_dir`, then `override_dir` when it exists. Fails naming the
  /// folder when the theme has no templates.
  static bool Load(const std::string& theme_dir, const std::string& override_dir, Theme* theme,
                   std::string* err);
  /// The same with several override folders, later ones winning (the
  /// site's `content/theme/`, then the config's `theme_dir`). Folders that
  /// do not exist are skipped.
  static bool Load(const std::string& theme_dir, const std::vector<std::string>& override_dirs,
                   Theme* theme, std::string* err);

  /// Renders template `name` (without .mustache) with `view`, then wraps it
  /// in the `base` layout as {{{content}}}. Partials are the templates whose
  /// name starts with "_" ({{> _header}}). On a template error sets `err`.
  /// An empty string counts as false in a section ({{#url}}…{{/url}}).
  bool RenderPage(const std::string& name, const nlohmann::json& view, std::string* out,
                  std::string* err) const;
  /// The same, with the members of the object `page_fields` (what a page
  /// gets from where it is: canonical URL, navigation) added to the view's.
  bool RenderPage(const std::string& name, const nlohmann::json& view,
                  const nlohmann::json& page_fields, std::string* out, std::string* err) const;

  /// Static files: path relative to static/ -> bytes.
  const std::map<std::string, std::string>& static_files() const { return static_files_; }
  /// Templates: name (without .mustache) -> text; what pages are rendered
  /// with (the build hashes them to tell whether a page can change).
  const std::map<std::string, std::string>& templates() const { return templates_; }

  /// 12 hex digits that change whenever any static file changes (a hash of
  /// their names and bytes): pages link "static/style.css?v=<this>", so a
  /// browser never keeps a stale file. The same files give the same value.
  const std::string& asset_version() const { return asset_version_; }

 private:
  std::map<std::string, std::string> templates_;
  std::map<std::string, std::string> static_files_;
  std::string asset_version_;
  uint64_t id_ = 0;  // tells loaded themes apart: their parsed templates are cached
};

/// Escapes text for XML (feeds, sitemaps): & < > " '.
std::string XmlEscape(const std::string& text);

/// Percent-encodes a URL path segment (a Message-ID in a lore URL).
std::string UrlEncode(const std::string& text);

/// `url` when it is http(s) or mailto, else an empty string: mail can never
/// make a javascript: or data: link.
std::string SafeUrl(const std::string& url);

}  // namespace listdigest::render
