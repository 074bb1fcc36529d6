// Views of patch series: series.json, the page of one series with its
// version timeline, the per-series Atom feed, and the series index pages
// (all, or one state; paginated). Pure functions of the model.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/archive.h"
#include "model/content_hash.h"
#include "model/digest.h"
#include "pages/atom.h"
#include "pages/views.h"

namespace listdigest::pages {

/// The digest each message commit first appears in. Period digests come
/// before explicit ranges. Refers to the digests it was made of.
class DigestIds {
 public:
  /// The id of the digest the commit at `position` first appears in, or
  /// nullptr.
  const std::string* Find(size_t position) const {
    if (position >= first_.size() || first_[position] < 0) return nullptr;
    return &(*digests_)[static_cast<size_t>(first_[position])].range.id;
  }

 private:
  friend DigestIds DigestIdsOf(const std::vector<model::Digest>& digests);
  std::vector<int32_t> first_;  // by commit position: index in *digests_, or -1
  const std::vector<model::Digest>* digests_ = nullptr;
};
DigestIds DigestIdsOf(const std::vector<model::Digest>& digests);

/// The anchor of a version on its series page: "v3", "v5-5", "rfc-v2",
/// "v2-resend"; "-2", "-3" … when a label repeats in the series.
std::string VersionAnchor(const model::Archive& archive, int version);

/// For a digest entry: "v3, supersedes v2 from 2021-W09" (the previous
/// version's label and the ISO week its head was committed in); "" for the
/// first version of a series.
std::string SupersedesNote(const model::Archive& archive, int version);

/// The "Waiting for review" rows of a digest page: the versions nobody had
/// answered by the range's last commit, among those posted in the eight
/// weeks up to it; oldest first. `root` is the page's path to the site top.
nlohmann::json WaitingForReviewView(const model::Archive& archive, const model::Digest& digest,
                                    const SiteInfo& site, const std::string& root);

/// series.json: the schema in README.md ("series.json").
nlohmann::json SeriesJson(const model::Archive& archive, int series, const SiteInfo& site,
                          const DigestIds& digests);

/// The view of site/series/<id>/index.html (root "../../").
nlohmann::json SeriesPageView(const model::Archive& archive, int series, const SiteInfo& site,
                              const DigestIds& digests);

/// site/series/<id>/feed.xml: one entry per version, newest first.
AtomFeed SeriesFeed(const model::Archive& archive, int series, const SiteInfo& site);

/// A hash of everything DigestText, DigestJson and DigestPageView read for
/// `digest` (pages/inputs.h): its range and counts, its messages, people
/// and domains, its series versions with what their anchors and notes read
/// of their series, what waits for review at its end, `top` and `site`.
model::Hash128 DigestInputs(const model::Archive& archive, const model::Digest& digest,
                            const SiteInfo& site, int top, const DigestIds& digests);

/// A hash of everything SeriesJson, SeriesPageView and SeriesFeed read for
/// `series`, made without making them: the series and its versions, the
/// messages they name (by commit, which fixes their text and facts), how
/// each reply hangs below a patch, the people involved (by name, address
/// and slug, not by index), the digests of their commits and `site`.
/// Two models with the same hash give the three files the same bytes; an
/// incremental build skips the series whose hash did not change.
model::Hash128 SeriesInputs(const model::Archive& archive, int series, const SiteInfo& site,
                            const DigestIds& digests);

/// One page of the series index.
struct SeriesIndexPage {
  std::string path;     // "series/index.html", "series/page/2/index.html",
                        // "series/state/new/index.html", "series/state/new/page/2/index.html"
  nlohmann::json view;
};

/// Every series, newest activity first, `per_page` to a page; the same for
/// each state. A state with no series still gets its (empty) first page.
std::vector<SeriesIndexPage> SeriesIndexPages(const model::Archive& archive, const SiteInfo& site,
                                              size_t per_page);

}  // namespace listdigest::pages
