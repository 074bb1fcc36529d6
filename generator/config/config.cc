#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <vector>

namespace listdigest::config {
namespace {

namespace fs = std::filesystem;

std::string Where(const std::string& file, const toml::source_region& r) {
  return file + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

// Levenshtein distance, ignoring case: "peroid" is 2 from "period".
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Checks that `table` holds only `known` keys: a typo ("peroid") must not be
// silently ignored. Suggests the closest known key when one is close: at
// most 2 edits, or a third of the key's length for long keys.
bool OnlyKnownKeys(const std::string& file, const toml::table& table, const std::string& section,
                   const std::set<std::string>& known, std::string* err) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (known.count(name)) continue;
    std::string list, closest;
    size_t best = std::max<size_t>(2, name.size() / 3) + 1;
    for (const auto& k : known) {
      list += (list.empty() ? "" : ", ") + k;
      const size_t d = EditDistance(name, k);
      if (d < best) best = d, closest = k;
    }
    *err = Where(file, key.source()) + ": unknown key '" + section + name + "'; " +
           (closest.empty() ? "" : "did you mean '" + section + closest + "'? ") +
           "known keys here: " + list;
    return false;
  }
  return true;
}

// "an integer", "a table", … for "must be a string, not an integer".
std::string TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

bool GetString(const std::string& file, const toml::table& table, const char* key,
               const std::string& section, std::string* out, std::string* err) {
  const toml::node* node = table.get(key);
  if (!node) return true;
  if (!node->is_string()) {
    *err = Where(file, node->source()) + ": " + section + key + " must be a string, not " +
           TypeName(*node) + "; write it in quotes: " + key + " = \"…\"";
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
  if (!OnlyKnownKeys(path, root, "", {"title", "list", "base_url", "theme", "theme_dir", "cache_dir",
                                         "archive", "digests", "search"},
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
  std::string cache_dir;
  if (!GetString(path, root, "cache_dir", "", &cache_dir, err)) return false;
  c.cache_dir = (fs::path(c.dir) / (cache_dir.empty() ? ".listdigest-cache" : cache_dir))
                    .lexically_normal()
                    .string();
  std::string theme_dir;
  if (!GetString(path, root, "theme_dir", "", &theme_dir, err)) return false;
  if (!theme_dir.empty()) {
    c.theme_dir = (fs::path(c.dir) / theme_dir).lexically_normal().string();
    if (!fs::is_directory(c.theme_dir, ec)) {
      *err = Where(path, root.get("theme_dir")->source()) + ": theme_dir: " + c.theme_dir +
             " is not a folder; create it with templates/ and static/ overrides, or remove the key";
      return false;
    }
  }

  const toml::table* archive = root["archive"].as_table();
  if (!archive && root.get("archive")) {
    *err = Where(path, root.get("archive")->source()) + ": archive must be a table, not " +
           TypeName(*root.get("archive")) + "; write [archive] and path = \"…\" below it";
    return false;
  }
  if (!archive) {
    *err = path + ": missing [archive] table with path = \"…\" (the public-inbox folder or git "
                  "repository to read)";
    return false;
  }
  if (!OnlyKnownKeys(path, *archive, "archive.", {"path", "message_url", "mailmap", "domains"},
                     err)) {
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
  if (const toml::node* domains_node = archive->get("domains")) {
    const toml::table* domains = domains_node->as_table();
    if (!domains) {
      *err = Where(path, domains_node->source()) +
             ": archive.domains must be a table of \"domain\" = \"organisation\", e.g. "
             "[archive.domains] with \"intel.com\" = \"Intel\"";
      return false;
    }
    for (const auto& [key, node] : *domains) {
      std::string domain(key.str());
      std::transform(domain.begin(), domain.end(), domain.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (!node.is_string() || node.as_string()->get().empty() || domain.empty()) {
        *err = Where(path, key.source()) + ": archive.domains.\"" + std::string(key.str()) +
               "\" must be a domain with a non-empty organisation name, e.g. "
               "\"intel.com\" = \"Intel\"";
        return false;
      }
      c.domains[domain] = node.as_string()->get();
    }
  }
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
        const std::string what =
            top->is_integer() ? std::to_string(top->as_integer()->get()) : TypeName(*top);
        *err = Where(path, top->source()) + ": digests.top must be a whole number from 1 to 1000, "
               "not " + what;
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
  // Without JavaScript the search box asks the list's lore instead: by
  // default the part of message_url before {message_id}
  // ("https://lore.kernel.org/kvm/"), which takes ?q=.
  if (const size_t at = c.message_url.find("{message_id}");
      at != std::string::npos && at > 0 && c.message_url[at - 1] == '/' &&
      c.message_url.rfind("https://", 0) == 0) {
    c.search_fallback_url = c.message_url.substr(0, at);
  }
  if (const toml::node* search_node = root.get("search")) {
    const toml::table* search = search_node->as_table();
    if (!search) {
      *err = Where(path, search_node->source()) + ": search must be a table";
      return false;
    }
    if (!OnlyKnownKeys(path, *search, "search.", {"fallback_url"}, err) ||
        !GetString(path, *search, "fallback_url", "search.", &c.search_fallback_url, err)) {
      return false;
    }
    if (!c.search_fallback_url.empty() && c.search_fallback_url.rfind("https://", 0) != 0) {
      *err = Where(path, search->get("fallback_url")->source()) +
             ": search.fallback_url must be an https URL that takes ?q=, such as "
             "\"https://lore.kernel.org/kvm/\" (pages only submit forms to https), or \"\"";
      return false;
    }
  }
  *config = std::move(c);
  return true;
}

}  // namespace listdigest::config
