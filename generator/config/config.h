// content/site.toml: what to build, from which archive, into which ranges.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace listdigest::config {

/// One [[digests.range]] entry.
struct RangeSpec {
  std::string from;
  std::string to;
  int line = 0;  // where it is written, for errors
};

struct Config {
  std::string file;         // the config file as given
  std::string dir;          // its folder; relative paths are resolved from here
  std::string title = "Mailing list digest";
  std::string list = "List";
  std::string base_url;     // ends with "/" (added when missing); may be empty
  std::string theme = "default";
  std::string theme_dir;    // a folder of template and static overrides, resolved against
                            // `dir`; empty when not set
  std::string cache_dir;    // the build cache (site/cache.h): `cache_dir` resolved against
                            // `dir`, by default `dir`/.listdigest-cache
  std::string archive_path; // resolved against `dir`
  std::string message_url;  // with {message_id}; may be empty
  std::string mailmap;      // resolved against `dir`; empty when not set
  std::map<std::string, std::string> domains;  // [archive.domains]: domain -> organisation
  std::string period = "week";  // week | month | day | none
  int top = 15;
  std::string search_fallback_url;  // [search] fallback_url: the search box's target without
                                    // JavaScript; https, or empty
  std::vector<RangeSpec> ranges;
};

/// Reads and checks a config file. On failure returns false and sets `err`
/// to "FILE:LINE: what is wrong; what to do".
bool LoadConfig(const std::string& path, Config* config, std::string* err);

}  // namespace listdigest::config
