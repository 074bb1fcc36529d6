// [search] in site.toml: where the search box goes without JavaScript.
#include <doctest/doctest.h>

#include "config/config.h"
#include "support.h"

namespace listdigest {
namespace {

// Loads a site.toml with `text`; returns the error, or "" and fills `c`.
std::string Load(const std::string& text, config::Config* c) {
  const std::string dir = testing::WorkDir("search-config");
  testing::WriteFile(dir + "/site.toml", text);
  std::string err;
  return config::LoadConfig(dir + "/site.toml", c, &err) ? "" : err;
}

const char* kArchive =
    "[archive]\npath = \"inbox\"\nmessage_url = \"https://lore.kernel.org/kvmarm/{message_id}/\"\n";

TEST_CASE("config: search.fallback_url is lore's list search by default") {
  config::Config c;
  REQUIRE(Load(kArchive, &c) == "");
  CHECK(c.search_fallback_url == "https://lore.kernel.org/kvmarm/");
  REQUIRE(Load("[archive]\npath = \"inbox\"\n", &c) == "");
  CHECK(c.search_fallback_url == "");
}

TEST_CASE("config: search.fallback_url set, emptied, or refused when not https") {
  config::Config c;
  REQUIRE(
      Load(std::string(kArchive) + "[search]\nfallback_url = \"https://lore.kernel.org/all/\"\n",
           &c) == "");
  CHECK(c.search_fallback_url == "https://lore.kernel.org/all/");
  REQUIRE(Load(std::string(kArchive) + "[search]\nfallback_url = \"\"\n", &c) == "");
  CHECK(c.search_fallback_url == "");
  const std::string err =
      Load(std::string(kArchive) + "[search]\nfallback_url = \"http://example.org/\"\n", &c);
  CHECK(err.find("site.toml:5:") != std::string::npos);
  CHECK(err.find("search.fallback_url must be an https URL") != std::string::npos);
  const std::string typo =
      Load(std::string(kArchive) + "[search]\nfallback = \"https://x/\"\n", &c);
  CHECK(typo.find("site.toml:5:1: unknown key 'search.fallback'; known keys here: fallback_url") !=
        std::string::npos);
}

}  // namespace
}  // namespace listdigest
