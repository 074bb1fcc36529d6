#include "config/config.h"

#include <toml++/toml.h>

#include <filesystem>
#include <set>

namespace listdigest::config {
namespace {

namespace fs = std::filesystem;

std::string Where(const std::string& file, const toml::source_region& r) {
  return file + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

// Checks that `table` holds only `known` keys: a typo ("peroid") must not be
// silently ignored.
bool OnlyKnownKeys(const std::string& file, const toml::table& table, const std::string& section,
                   const std::set<std::string>& known, std::string* err) {
  for (const auto& [key, node] : table) {
    if (!known.count(std::string(key.str()))) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      *err = Where(file, key.source()) + ": unknown key '" + section + std::string(key.str()) +
             "'; known keys here: " + list;
      return false;
    }
  }
  return true;
}

bool GetString(const std::string& file, const toml::table& table, const char* key,
               const std::string& section, std::string* out, std::string* err) {
  const toml::node* node = table.get(key);
  if (!node) return true;
  if (!node->is_string()) {
    *err = Where(file, node->source()) + ": " + section + key + " must be a string";
    return false;
  }
  *out = node->as_string()->get();
  return true;
}

}  // namespace

bool LoadConfig(const std::string& path, Config* config, std::string* err) {
  Config c;
  c.file = path;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    *err = path + ": config file not found; pass --config with the path of your site.toml";
    return false;
  }
  c.dir = fs::absolute(fs::path(path), ec).parent_path().string();
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    *err = Where(path, e.source()) + ": " + std::string(e.description()) +
           "; see the config reference in README.md";
    return false;
  }
  if (!OnlyKnownKeys(path, root, "", {"title", "list", "base_url", "theme", "archive", "digests"},
                     err)) {
    return false;
  }
  if (!GetString(path, root, "title", "", &c.title, err) ||
      !GetString(path, root, "list", "", &c.list, err) ||
      !GetString(path, root, "base_url", "", &c.base_url, err) ||
      !GetString(path, root, "theme", "", &c.theme, err)) {
    return false;
  }
  if (!c.base_url.empty() && c.base_url.back() != '/') c.base_url += '/';
  if (c.theme.empty() || c.theme.find_first_of("/\\") != std::string::npos || c.theme[0] == '.') {
    *err = path + ": theme must be the name of a folder in themes/, not \"" + c.theme + "\"";
    return false;
  }

  const toml::table* archive = root["archive"].as_table();
  if (!archive) {
    *err = path + ": missing [archive] table with path = \"…\" (the public-inbox folder or git "
                  "repository to read)";
    return false;
  }
  if (!OnlyKnownKeys(path, *archive, "archive.", {"path", "message_url", "mailmap"}, err)) {
    return false;
  }
  std::string archive_path, mailmap;
  if (!GetString(path, *archive, "path", "archive.", &archive_path, err) ||
      !GetString(path, *archive, "message_url", "archive.", &c.message_url, err) ||
      !GetString(path, *archive, "mailmap", "archive.", &mailmap, err)) {
    return false;
  }
  if (archive_path.empty()) {
    *err = Where(path, archive->source()) + ": archive.path is missing or empty; set it to the "
           "public-inbox folder or git repository to read";
    return false;
  }
  c.archive_path = (fs::path(c.dir) / archive_path).lexically_normal().string();
  if (!mailmap.empty()) c.mailmap = (fs::path(c.dir) / mailmap).lexically_normal().string();
  if (!c.message_url.empty() && c.message_url.find("{message_id}") == std::string::npos) {
    *err = Where(path, archive->get("message_url")->source()) +
           ": archive.message_url must contain {message_id}";
    return false;
  }

  if (const toml::node* digests_node = root.get("digests")) {
    const toml::table* digests = digests_node->as_table();
    if (!digests) {
      *err = Where(path, digests_node->source()) + ": digests must be a table";
      return false;
    }
    if (!OnlyKnownKeys(path, *digests, "digests.", {"period", "top", "range"}, err)) return false;
    if (!GetString(path, *digests, "period", "digests.", &c.period, err)) return false;
    if (c.period != "week" && c.period != "month" && c.period != "day" && c.period != "none") {
      *err = Where(path, digests->get("period")->source()) +
             ": digests.period must be \"week\", \"month\", \"day\" or \"none\", not \"" +
             c.period + "\"";
      return false;
    }
    if (const toml::node* top = digests->get("top")) {
      if (!top->is_integer() || top->as_integer()->get() < 1 || top->as_integer()->get() > 1000) {
        *err = Where(path, top->source()) + ": digests.top must be a whole number from 1 to 1000";
        return false;
      }
      c.top = static_cast<int>(top->as_integer()->get());
    }
    if (const toml::node* ranges = digests->get("range")) {
      const toml::array* array = ranges->as_array();
      if (!array) {
        *err = Where(path, ranges->source()) +
               ": digests.range must be written as [[digests.range]] tables";
        return false;
      }
      for (const toml::node& entry : *array) {
        const toml::table* t = entry.as_table();
        if (!t) {
          *err = Where(path, entry.source()) + ": each digests.range needs from = and to =";
          return false;
        }
        if (!OnlyKnownKeys(path, *t, "digests.range.", {"from", "to"}, err)) return false;
        RangeSpec r;
        r.line = static_cast<int>(t->source().begin.line);
        if (!GetString(path, *t, "from", "digests.range.", &r.from, err) ||
            !GetString(path, *t, "to", "digests.range.", &r.to, err)) {
          return false;
        }
        if (r.from.empty() || r.to.empty()) {
          *err = Where(path, t->source()) + ": digests.range needs both from and to (commit ids)";
          return false;
        }
        c.ranges.push_back(std::move(r));
      }
    }
  }
  *config = std::move(c);
  return true;
}

}  // namespace listdigest::config
