// Views of people: site/contributors/<slug>/ (page, contributor.json, Atom
// feed) and site/contributors/index.html. Pure functions of the model and the
// statistics of model/people.h; no file access.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/archive.h"
#include "model/content_hash.h"
#include "model/people.h"
#include "pages/views.h"

namespace listdigest::pages {

/// contributor.json, per the schema in README.md.
nlohmann::json ContributorJson(const model::Archive& archive, const model::PersonStats& stats,
                               const SiteInfo& site);

/// The view of site/contributors/<slug>/index.html (root "../../").
nlohmann::json ContributorPageView(const model::Archive& archive, const model::PersonStats& stats,
                                   const SiteInfo& site);

/// The activity chart of a contributor page, drawn by the template as inline
/// SVG: every month from the first to the last with activity on the x axis,
/// one bar per month and kind with its count in `data-count` and in a
/// <title>. Empty object when there is nothing to draw.
nlohmann::json ActivityChart(const std::vector<model::MonthActivity>& months);

/// The view of site/contributors/index.html (root "../"): everybody, by
/// patches, then reviews given, then name.
nlohmann::json ContributorsIndexView(const model::Archive& archive,
                                     const std::vector<model::PersonStats>& stats,
                                     const SiteInfo& site);

/// site/contributors/<slug>/feed.xml: the newest 50 series postings the
/// person authored.
std::string ContributorFeed(const model::Archive& archive, const model::PersonStats& stats,
                            const SiteInfo& site);

/// A hash of everything ContributorJson, ContributorPageView and
/// ContributorFeed read (pages/inputs.h): the person, their statistics,
/// the series and postings they list, the people they list and the site.
model::Hash128 ContributorInputs(const model::Archive& archive, const model::PersonStats& stats,
                                 const SiteInfo& site);

}  // namespace listdigest::pages
