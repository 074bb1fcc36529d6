#include "render/theme.h"

#include <kainjow/mustache.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string_view>

namespace listdigest::render {
namespace {

namespace fs = std::filesystem;
using kainjow::mustache::data;
using kainjow::mustache::mustache;

// Templates parsed once per thread and theme, not once per page: a build
// renders thousands of pages with a dozen templates. One set per thread,
// since rendering is not const in kainjow's mustache.
mustache& Parsed(uint64_t theme, const std::string& name, const std::string& text) {
  thread_local std::map<std::pair<uint64_t, std::string>, std::unique_ptr<mustache>> parsed;
  std::unique_ptr<mustache>& slot = parsed[{theme, name}];
  // A render that failed in a partial leaves its template invalid: parse it
  // again, as for the first page.
  if (!slot || !slot->is_valid()) slot = std::make_unique<mustache>(text);
  return *slot;
}

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

void LoadFolder(const fs::path& dir, std::map<std::string, std::string>* templates,
                std::map<std::string, std::string>* statics) {
  std::error_code ec;
  const fs::path tdir = dir / "templates";
  if (fs::is_directory(tdir, ec)) {
    for (const auto& e : fs::directory_iterator(tdir, ec)) {
      if (e.path().extension() != ".mustache") continue;
      std::string text;
      if (ReadFile(e.path(), &text)) (*templates)[e.path().stem().string()] = text;
    }
  }
  const fs::path sdir = dir / "static";
  if (fs::is_directory(sdir, ec)) {
    for (const auto& e : fs::recursive_directory_iterator(sdir, ec)) {
      if (!e.is_regular_file()) continue;
      std::string bytes;
      if (ReadFile(e.path(), &bytes)) {
        (*statics)[fs::relative(e.path(), sdir).generic_string()] = bytes;
      }
    }
  }
}

data ToData(const nlohmann::json& j) {
  switch (j.type()) {
    // data::set and data::push_back copy their argument, and with it every
    // level below: the members and elements move in instead (operator[]
    // gives the member's place; the list, which list_value() shows as
    // const, is the data's own).
    case nlohmann::json::value_t::object: {
      data d{data::type::object};
      for (auto it = j.begin(); it != j.end(); ++it) d[it.key()] = ToData(it.value());
      return d;
    }
    case nlohmann::json::value_t::array: {
      data d{data::type::list};
      auto& list = const_cast<kainjow::mustache::basic_list<std::string>&>(d.list_value());
      list.reserve(j.size());
      for (const auto& e : j) list.push_back(ToData(e));
      return d;
    }
    case nlohmann::json::value_t::string:
      // Empty is false, as in every other Mustache: {{#url}}<a href="{{url}}">…{{/url}}
      // must not make a link to nowhere when there is no URL.
      if (j.get_ref<const std::string&>().empty()) return data(data::type::bool_false);
      return data(j.get<std::string>());
    case nlohmann::json::value_t::boolean:
      return j.get<bool>() ? data(data::type::bool_true) : data(data::type::bool_false);
    case nlohmann::json::value_t::null:
      return data(data::type::bool_false);
    default:
      return data(j.dump());
  }
}

// FNV-1a, 64 bits: enough to tell one set of theme files from another.
void Hash(std::string_view bytes, uint64_t* h) {
  for (unsigned char c : bytes) *h = (*h ^ c) * 0x100000001b3ULL;
}

std::string AssetVersion(const std::map<std::string, std::string>& statics) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& [name, bytes] : statics) {
    Hash(name, &h);
    Hash(std::string_view("\0", 1), &h);
    Hash(std::to_string(bytes.size()), &h);
    Hash(bytes, &h);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string(hex, 12);
}

}  // namespace

bool Theme::Load(const std::string& theme_dir, const std::string& override_dir, Theme* theme,
                 std::string* err) {
  return Load(theme_dir, std::vector<std::string>{override_dir}, theme, err);
}

bool Theme::Load(const std::string& theme_dir, const std::vector<std::string>& override_dirs,
                 Theme* theme, std::string* err) {
  Theme t;
  std::error_code ec;
  if (!fs::is_directory(fs::path(theme_dir) / "templates", ec)) {
    *err = theme_dir + ": theme not found (no templates/ folder); set theme = \"default\" or "
                       "create themes/<name>/templates/";
    return false;
  }
  LoadFolder(theme_dir, &t.templates_, &t.static_files_);
  for (const std::string& dir : override_dirs) {
    if (!dir.empty()) LoadFolder(dir, &t.templates_, &t.static_files_);
  }
  t.asset_version_ = AssetVersion(t.static_files_);
  static std::atomic<uint64_t> loaded{0};
  t.id_ = ++loaded;
  if (!t.templates_.count("base")) {
    *err = theme_dir + "/templates/base.mustache: missing; every theme needs a base layout";
    return false;
  }
  *theme = std::move(t);
  return true;
}

bool Theme::RenderPage(const std::string& name, const nlohmann::json& view, std::string* out,
                       std::string* err) const {
  return RenderPage(name, view, nlohmann::json::object(), out, err);
}

bool Theme::RenderPage(const std::string& name, const nlohmann::json& view,
                       const nlohmann::json& page_fields, std::string* out,
                       std::string* err) const {
  auto it = templates_.find(name);
  if (it == templates_.end()) {
    *err = "template " + name + ".mustache not found in the theme";
    return false;
  }
  data d = ToData(view);
  if (page_fields.is_object()) {
    for (auto field = page_fields.begin(); field != page_fields.end(); ++field) {
      d[field.key()] = ToData(*field);
    }
  }
  for (const auto& [partial_name, text] : templates_) {
    if (partial_name[0] == '_') d.set(partial_name, data(text));
  }
  mustache& page = Parsed(id_, name, it->second);
  if (!page.is_valid()) {
    *err = name + ".mustache: " + page.error_message();
    return false;
  }
  const std::string content = page.render(d);
  d["content"] = data(content);
  mustache& base = Parsed(id_, "base", templates_.at("base"));
  if (!base.is_valid()) {
    *err = "base.mustache: " + base.error_message();
    return false;
  }
  *out = base.render(d);
  return true;
}

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string UrlEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '@' || c == '+' ||
        c == '=' || c == '$' || c == '!' || c == ',' || c == ';' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string SafeUrl(const std::string& url) {
  for (const char* scheme : {"https://", "http://", "mailto:"}) {
    if (url.rfind(scheme, 0) == 0) {
      return url.find_first_of(" \"'<>\n\r\t") == std::string::npos ? url : "";
    }
  }
  return "";
}

}  // namespace listdigest::render
