// Theme templates (Mustache, HTML-escaped by default) and the static files a
// theme ships. Views come in as JSON made for the templates by pages/.
#pragma once

#include <map>
#include <string>

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

  /// Renders template `name` (without .mustache) with `view`, then wraps it
  /// in the `base` layout as {{{content}}}. Partials are the templates whose
  /// name starts with "_" ({{> _header}}). On a template error sets `err`.
  bool RenderPage(const std::string& name, const nlohmann::json& view, std::string* out,
                  std::string* err) const;

  /// Static files: path relative to static/ -> bytes.
  const std::map<std::string, std::string>& static_files() const { return static_files_; }

 private:
  std::map<std::string, std::string> templates_;
  std::map<std::string, std::string> static_files_;
};

/// Escapes text for XML (feeds, sitemaps): & < > " '.
std::string XmlEscape(const std::string& text);

/// Percent-encodes a URL path segment (a Message-ID in a lore URL).
std::string UrlEncode(const std::string& text);

/// `url` when it is http(s) or mailto, else an empty string: mail can never
/// make a javascript: or data: link.
std::string SafeUrl(const std::string& url);

}  // namespace listdigest::render
