// The parts of a build that make the next one incremental and safe: the
// output folder's manifest, pending list and state (site/manifest.h), the
// build cache (site/cache.h), and the summary kept with them.
#pragma once

#include <string>
#include <vector>

#include "site/build.h"
#include "site/manifest.h"

namespace listdigest::site {

class Output;

/// Before the first file is written: gives the writer what the last builds
/// left (manifest and pending list always; the state, for skipping
/// unchanged files and pages, unless options.clean), and sets the hash
/// salt of pages. `state` receives the state and must outlive the build.
/// Returns notices to print (one line each).
std::vector<std::string> BeginOutput(const Site& site, const BuildOptions& options, Output* out,
                                     OutputState* state);

/// After the last file: removes what no longer belongs, replaces the
/// manifest, and saves the folder's state (with `summary`) and the build
/// cache. Fails only when the output folder cannot be finished; a cache that
/// cannot be saved is a notice.
bool FinishOutput(const Site& site, const BuildOptions& options, Output* out,
                  const BuildSummary& summary, std::vector<std::string>* notices,
                  std::string* err);

/// The summary as JSON (the --summary-json file): counts, diagnostics by
/// kind, files written, unchanged and removed, and, with `times`, seconds
/// per step.
std::string SummaryJson(const BuildSummary& summary, bool times);

/// Fills the counts of `summary` from SummaryJson's text (for a build that
/// found nothing changed). False when the text is not such JSON.
bool SummaryFromJson(const std::string& json, BuildSummary* summary);

}  // namespace listdigest::site
