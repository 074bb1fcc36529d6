// The build: a flat list of named, timed steps from config to written site.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "config/config.h"
#include "model/digest.h"
#include "render/theme.h"
#include "site/content.h"

namespace listdigest::site {

/// Everything a build reads, checked before anything is written.
struct Site {
  config::Config config;
  archive::Inbox inbox;
  archive::Mailmap mailmap;
  render::Theme theme;
  std::string theme_dir;
  std::vector<ContentPage> content;  // content/*.md, by name
  std::vector<model::DigestRange> ranges;  // periods oldest first, then explicit ranges
};

/// Loads the config, opens the archive and mailmap, loads the theme and
/// resolves every range. On failure sets `err` (file:line, commit or path,
/// and what to do); nothing has been written.
bool OpenSite(const std::string& config_path, Site* site, std::string* err);
/// The same, listing the archive's commits with what `known` (the build
/// cache's, archive::EpochListing) says of each epoch.
bool OpenSite(const std::string& config_path, const std::vector<archive::EpochListing>& known,
              Site* site, std::string* err);

/// The theme folder a config names: themes/<theme> beside the config, above
/// it, or in the source tree.
std::string ThemeDirOf(const config::Config& config);

class BuildCache;

struct BuildOptions {
  std::string out_dir = "site";
  int jobs = 0;            // 0: one per core
  bool progress_bar = false;  // a bar on a terminal, else a line every few seconds
  bool verbose = false;    // list every diagnostic
  bool quiet = false;      // no progress and no diagnostics on standard error
  bool clean = false;      // --clean: use nothing from the build cache or the last build's
                           // state (both are written anew)
  BuildCache* cache = nullptr;  // site/cache.h; nullptr: no cache, nothing saved
  std::string fingerprint; // site/inputs.h, of this build's inputs: kept for the no-op check
};

struct StepTime {
  std::string name;
  double seconds = 0;
  double peak_mb = 0;  // the process's peak resident memory when the step ended
  // Parts of the step as thread time summed over all threads (read, parse…).
  std::vector<std::pair<std::string, double>> parts;
};

/// The process's peak resident memory so far, in MB (0 where unknown).
double PeakMemoryMb();

struct BuildSummary {
  size_t messages = 0;
  size_t digests = 0;
  size_t series = 0;
  size_t people = 0;
  size_t written = 0;
  size_t unchanged = 0;
  size_t removed = 0;       // files of earlier builds that no longer belong
  size_t parsed = 0;        // messages read and parsed
  size_t cached = 0;        // messages whose facts came from the build cache
  size_t search_segments = 0;       // of the search index (search/index.h)
  size_t search_segments_kept = 0;  // of them, kept whole from the last build
  bool up_to_date = false;  // nothing changed: no build ran (the counts are the last build's)
  std::vector<std::string> notices;  // about the cache and the output folder, one line each
  size_t diagnostics = 0;
  /// Diagnostics by kind (mail::DiagnosticKind), most frequent first.
  std::vector<std::pair<std::string, size_t>> diagnostic_kinds;
  double seconds = 0;
  std::vector<StepTime> steps;
};

/// Builds the whole site into options.out_dir. Progress and diagnostics go to
/// standard error. Fails only on an output error.
bool BuildSite(const Site& site, const BuildOptions& options, BuildSummary* summary,
               std::string* err);

/// One digest as text ("txt"), Markdown ("md") or JSON ("json"), for the
/// `digest` command. `range` is "FROM..TO"; else `id` names a digest of the
/// config (a period id or an explicit range id).
bool RenderOneDigest(const Site& site, const std::string& range, const std::string& id,
                     const std::string& format, int jobs, std::string* out, std::string* err);

/// The number of threads to use for `jobs` (0: one per core).
int ThreadCount(int jobs);

}  // namespace listdigest::site
