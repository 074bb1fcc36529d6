// What every build step gets: the loaded site, the model, the digests, and
// one way to write files and render pages. Steps are pure functions of this
// context; only Output touches the output folder.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/archive.h"
#include "model/digest.h"
#include "pages/series_views.h"
#include "pages/views.h"
#include "site/build.h"
#include "site/writer.h"

namespace listdigest::site {

class BuildCache;

/// Writes files and renders theme pages; remembers the first error and every
/// HTML page written (for the sitemap). Thread-safe.
class Output {
 public:
  Output(const Site& site, const std::string& out_dir) : site_(site), writer_(out_dir) {}

  /// `input`, here and for Render and WriteJson: a KeyedInput the caller
  /// made, recorded with the file; zero for none (Render and WriteJson
  /// then hash the view themselves).
  void Write(const std::string& path, const std::string& bytes, const model::Hash128& input = {});
  /// Renders template `name` with `view` into `path` (an .html file).
  void Render(const std::string& path, const std::string& name, const nlohmann::json& view,
              const model::Hash128& input = {});
  /// JSON as written to disk: one space indent, invalid UTF-8 replaced.
  void WriteJson(const std::string& path, const nlohmann::json& value,
                 const model::Hash128& input = {});

  /// From now on, Render hashes each page's template, view and page fields
  /// with `salt` (the generator and the theme's templates) and records the
  /// hash with the file; a page whose hash is the one the last build
  /// recorded, in a file still as that build left it, is not rendered
  /// again (Writer::KeepIfInputUnchanged).
  void HashPageInputs(const model::Hash128& salt);

  /// For files whose inputs the caller hashes itself, more cheaply than by
  /// making their views (`key`: all they are made from but the generator,
  /// the theme and a page's PageFields): the input to record for `path`,
  /// with those added (`root`: a page's path to the site's top, as its
  /// view has it). Zero when page inputs are not hashed.
  model::Hash128 KeyedInput(const std::string& path, const std::string& root,
                            const model::Hash128& key) const;
  /// True when the last build wrote every one of `files` from the same
  /// KeyedInput and each is as it left it: they count as unchanged (pages
  /// as written, for the sitemap) and need not be made.
  bool KeepIfUnchanged(const std::vector<std::pair<std::string, model::Hash128>>& files);

  std::string first_error() const;
  std::vector<std::string> pages() const;  // sorted
  const Writer& writer() const { return writer_; }
  Writer& writer() { return writer_; }

 private:
  const Site& site_;
  Writer writer_;
  model::Hash128 salt_;  // zero: render every page
  model::Hash128 fields_salt_;  // PageFieldsSalt, with salt_
  mutable std::mutex mutex_;
  std::string first_error_;
  std::set<std::string> pages_;
};

struct BuildContext {
  const Site& site;
  const model::Archive& archive;
  const std::vector<model::Digest>& digests;  // periods oldest first, then explicit ranges
  const pages::SiteInfo& info;
  int jobs = 1;
  Output& out;
  BuildCache* cache = nullptr;  // site/cache.h; none without a cache
};

/// Runs fn(i) for i in [0, n) on `jobs` threads.
void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn);

/// fn(i) for i in [0, n), for threads that join as they become free: each
/// takes items until none is left. Whoever started it waits for the others
/// (joins their threads) before it counts on every item being done.
class SharedWork {
 public:
  SharedWork(size_t n, std::function<void(size_t)> fn) : n_(n), fn_(std::move(fn)) {}
  /// Takes items on this thread until none is left.
  void Work();
  /// The same on `threads` threads (this one and threads − 1 more);
  /// returns when they are done.
  void WorkOn(int threads);

 private:
  const size_t n_;
  const std::function<void(size_t)> fn_;
  std::atomic<size_t> next_{0};
};

/// The fields a page gets from where it is, added to its view by
/// Output::Render: `canonical_url` (base_url + path, "" without base_url or
/// for 404.html), `nav` (Digests, Series, Contributors, then the content
/// pages by their `nav`; each {name, title, url, current, active}) and
/// `asset_version` (render::Theme::asset_version). `root` is the page's
/// path to the site's top.
nlohmann::json PageFields(const Site& site, const std::string& path, const std::string& root);
/// A hash of everything of `site` that PageFields reads (asset_version,
/// base_url, the nav's content pages): with a page's path and root it fixes
/// the page's fields, without making them.
model::Hash128 PageFieldsSalt(const Site& site);

/// nlohmann::json dumped the way every .json file of the site is.
std::string DumpJson(const nlohmann::json& value);

// The build steps, in the order they run. Each writes its own pages.
void WriteDigestPages(BuildContext& ctx);   // digests/, home, 404, feed.xml, static/
void WriteContributorPages(BuildContext& ctx);  // contributors/, one folder per person
// search/: index files and the search page; returns the index segments
// made and kept whole (as the summary counts them).
std::pair<size_t, size_t> WriteSearchIndex(BuildContext& ctx);
void WriteSeriesPages(BuildContext& ctx);     // series/: one folder per series, the index
// The same in two parts: the series' folders as shared work, then the index.
SharedWork SeriesFolders(BuildContext& ctx, const pages::DigestIds& digests);
void WriteSeriesIndex(BuildContext& ctx);
void WriteContentPages(BuildContext& ctx);  // <name>/ for each content/<name>.md
void WriteSitemap(BuildContext& ctx);       // sitemap.xml, from every page written before

}  // namespace listdigest::site
