// Views: what each page and machine-readable file shows, made from the model
// for templates and JSON consumers. Pure functions; no file access.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/archive.h"
#include "model/digest.h"
#include "model/people.h"

namespace listdigest::pages {

/// Site-wide facts every view needs.
struct SiteInfo {
  std::string title;
  std::string list;
  std::string base_url;
  std::string message_url;  // with {message_id}
  std::string search_url;   // the search box's form action without JavaScript; may be empty
  model::Organisations organisations;  // [archive.domains]; empty when not configured
  std::string generator = "listdigest";
};

/// digest.json, per the schema in README.md.
nlohmann::json DigestJson(const model::Archive& archive, const model::Digest& digest,
                          const SiteInfo& site);

/// The link to a message on the archive's web site, or "" when not configured.
std::string MessageUrl(const SiteInfo& site, const std::string& message_id);

/// The view of site/digests/<id>/index.html. `root` is the relative path to
/// the site's top ("../../").
nlohmann::json DigestPageView(const model::Archive& archive, const model::Digest& digest,
                              const SiteInfo& site, int top);

/// A short summary of a digest for indexes and feeds.
nlohmann::json DigestSummary(const model::Archive& archive, const model::Digest& digest);

/// site/digests/index.html: every digest, newest first.
nlohmann::json DigestsIndexView(const model::Archive& archive,
                                const std::vector<model::Digest>& digests, const SiteInfo& site);

/// site/index.html.
nlohmann::json HomeView(const model::Archive& archive, const std::vector<model::Digest>& digests,
                        const SiteInfo& site);

/// Fields every page has: site title, root path, page title.
nlohmann::json PageBase(const SiteInfo& site, const std::string& root, const std::string& title);

/// Where a series' page is, relative to the site's top: "series/<id>/".
std::string SeriesPath(const model::Series& series);

/// Where a person's page is, relative to the site's top: "contributors/<slug>/".
std::string PersonPath(const model::Person& person);

/// Formats a time as "2021-03-01T10:00:00Z".
std::string IsoTime(int64_t time);

}  // namespace listdigest::pages
