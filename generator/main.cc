// listdigest: the command line. Parses arguments and calls the build; every
// error is printed here as "listdigest: error: …".
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "config/config.h"
#include "site/build.h"
#include "site/cache.h"
#include "site/incremental.h"
#include "site/inputs.h"
#include "site/manifest.h"
#include "site/writer.h"

namespace {

constexpr int kFailed = 1;
constexpr int kBadUsage = 2;

int Error(const std::string& message, int status) {
  std::fprintf(stderr, "listdigest: error: %s\n", message.c_str());
  return status;
}

struct BuildFlags {
  int jobs = 0;
  bool verbose = false;
  bool strict = false;
  bool clean = false;
  bool quiet = false;
  std::string summary_json;
};

void Notice(const BuildFlags& flags, const std::string& text) {
  if (!flags.quiet) std::fprintf(stderr, "listdigest: %s\n", text.c_str());
}

// The end of every build, also of one that found nothing to do.
int Finish(const BuildFlags& flags, const std::string& out_dir,
           const listdigest::site::BuildSummary& summary) {
  using namespace listdigest;
  if (!flags.quiet) {
    for (const auto& notice : summary.notices) Notice(flags, notice);
    std::fprintf(stderr,
                 "listdigest: %zu messages, %zu digests, %zu series, %zu people; "
                 "%zu files written, %zu unchanged, %zu removed; %zu diagnostics; %.2f s\n",
                 summary.messages, summary.digests, summary.series, summary.people,
                 summary.written, summary.unchanged, summary.removed, summary.diagnostics,
                 summary.seconds);
    if (!summary.up_to_date) {
      std::fprintf(stderr, "listdigest:   messages: %zu read, %zu from the cache\n",
                   summary.parsed, summary.cached);
      std::fprintf(stderr, "listdigest:   search index: %zu segments, %zu kept\n",
                   summary.search_segments, summary.search_segments_kept);
    }
    for (const auto& step : summary.steps) {
      if (step.peak_mb > 0) {
        std::fprintf(stderr, "listdigest:   %-24s %6.2f s   peak %5.0f MB\n", step.name.c_str(),
                     step.seconds, step.peak_mb);
      } else {
        std::fprintf(stderr, "listdigest:   %-24s %6.2f s\n", step.name.c_str(), step.seconds);
      }
      if (!step.parts.empty()) {
        std::string parts;
        for (const auto& [name, seconds] : step.parts) {
          char text[64];
          std::snprintf(text, sizeof text, "%s%s %.2f s", parts.empty() ? "" : ", ", name.c_str(),
                        seconds);
          parts += text;
        }
        std::fprintf(stderr, "listdigest:     thread time: %s\n", parts.c_str());
      }
    }
    if (!summary.diagnostic_kinds.empty()) {
      std::string kinds;
      for (const auto& [kind, count] : summary.diagnostic_kinds) {
        kinds += (kinds.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
      }
      std::fprintf(stderr, "listdigest: diagnostics by kind: %s\n", kinds.c_str());
    }
    std::fprintf(stderr, summary.up_to_date ? "listdigest: site in %s/ is up to date\n"
                                            : "listdigest: site written to %s/\n",
                 out_dir.c_str());
  }
  if (!flags.summary_json.empty()) {
    std::ofstream json(flags.summary_json, std::ios::binary | std::ios::trunc);
    json << site::SummaryJson(summary, true) << "\n";
    if (!json.good()) {
      return Error(flags.summary_json + ": cannot write the summary (--summary-json)", kFailed);
    }
  }
  if (flags.strict && summary.diagnostics > 0) {
    return Error("--strict: " + std::to_string(summary.diagnostics) +
                     " diagnostics in the archive's mail (--verbose lists them); the site was "
                     "written, build without --strict to accept them",
                 kFailed);
  }
  return 0;
}

// `listdigest build`: lock the output folder, stop early when nothing
// changed, else open the archive with the build cache and build.
int Build(const std::string& config_path, const std::string& out_dir, const BuildFlags& flags) {
  using namespace listdigest;
  namespace fs = std::filesystem;
  const auto start = std::chrono::steady_clock::now();
  std::string err;
  config::Config config;
  if (!config::LoadConfig(config_path, &config, &err)) return Error(err, kBadUsage);
  site::OutputLock lock;
  std::error_code ec;
  if (fs::is_directory(out_dir, ec) && !lock.Acquire(out_dir, &err)) return Error(err, kBadUsage);
  std::string fingerprint;
  if (!site::InputFingerprint(config, site::ThemeDirOf(config), &fingerprint, &err)) {
    fingerprint.clear();  // the archive cannot be read: OpenSite says why
  }
  site::BuildSummary summary;
  std::string last_summary;
  size_t files = 0;
  if (!flags.clean && lock.held() && !fingerprint.empty() &&
      site::OutputUpToDate(config, out_dir, fingerprint, &last_summary, &files) &&
      site::SummaryFromJson(last_summary, &summary)) {
    summary.up_to_date = true;
    summary.unchanged = files;
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Notice(flags, "nothing changed since the last build (" + std::to_string(files) +
                      " files checked)");
    return Finish(flags, out_dir, summary);
  }

  site::BuildCache cache;
  std::string cache_notice;
  cache.Load(config.cache_dir, config.archive_path, !flags.clean, &cache_notice);
  site::Site loaded;
  if (!site::OpenSite(config_path, cache.known_epochs(), &loaded, &err)) {
    return Error(err, kBadUsage);
  }
  // Before any work: a folder that cannot be written fails now, with the
  // previous site as it was.
  if (!site::Writer(out_dir).CheckWritable(&err)) return Error(err, kBadUsage);
  if (!lock.held() && !lock.Acquire(out_dir, &err)) return Error(err, kBadUsage);
  if (!cache_notice.empty()) Notice(flags, cache_notice);
  for (const auto& notice : cache.RewrittenEpochs(loaded.inbox)) Notice(flags, notice);

  site::BuildOptions options;
  options.out_dir = out_dir;
  options.jobs = flags.jobs;
  options.verbose = flags.verbose;
  options.quiet = flags.quiet;
  options.clean = flags.clean;
  options.cache = &cache;
  options.fingerprint = fingerprint;
  options.progress_bar = !flags.quiet && ::isatty(STDERR_FILENO) != 0;
  if (!site::BuildSite(loaded, options, &summary, &err)) return Error(err, kFailed);
  // What loading the cache found out late (a damaged facts.bin or terms.bin).
  const std::vector<std::string> late = cache.TakeNotices();
  summary.notices.insert(summary.notices.begin(), late.begin(), late.end());
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Finish(flags, out_dir, summary);
}

}  // namespace

// jemalloc's settings (the binary links it, see CMakeLists.txt): a
// background thread gives memory freed by one build step back within a
// second, so that the next step, run on new threads and so on other arenas,
// does not add to the peak. Ignored by any other allocator.
extern "C" const char* malloc_conf;
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000";

int main(int argc, char** argv) {
  using namespace listdigest;
  CLI::App app{"listdigest: static digests, series and search for a public-inbox mail archive"};
  app.set_version_flag("--version", std::string("listdigest ") + LISTDIGEST_VERSION);
  app.require_subcommand(1);

  std::string config_path = "content/site.toml";
  std::string out_dir = "site";
  int jobs = 0;
  BuildFlags flags;
  CLI::App* build = app.add_subcommand("build", "build the whole site");
  build->add_option("--config", config_path, "the site's config file")->capture_default_str();
  build->add_option("--out", out_dir, "the output folder")->capture_default_str();
  build->add_option("--jobs,-j", flags.jobs, "threads to use (0: one per core)")
      ->check(CLI::Range(0, 256));
  build->add_flag("--verbose,-v", flags.verbose, "list every diagnostic");
  build->add_flag("--strict", flags.strict,
                  "exit with status 1 when any message has a diagnostic (the site is written)");
  build->add_flag("--clean", flags.clean,
                  "ignore the build cache and the last build's state: read every message and "
                  "render every page (the cache is written anew)");
  build->add_flag("--quiet,-q", flags.quiet, "print errors only");
  build->add_option("--summary-json", flags.summary_json,
                    "write the build's summary as JSON to this file (for CI)");

  std::string range, id, format = "txt";
  CLI::App* digest = app.add_subcommand("digest", "print one digest to standard output");
  digest->add_option("--config", config_path, "the site's config file")->capture_default_str();
  auto* range_option = digest->add_option("--range", range, "FROM..TO: commit ids or refs");
  auto* id_option = digest->add_option("--id", id, "a digest id: 2021-W10, 2021-03, 2021-03-08");
  range_option->excludes(id_option);
  digest->add_option("--format", format, "txt, md or json")
      ->check(CLI::IsMember({"txt", "md", "json"}))
      ->capture_default_str();
  digest->add_option("--jobs,-j", jobs, "threads to use (0: one per core)")
      ->check(CLI::Range(0, 256));

  CLI::App* check = app.add_subcommand("check", "validate the config and the archive");
  check->add_option("--config", config_path, "the site's config file")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : kBadUsage;
  }

  if (*build) return Build(config_path, out_dir, flags);

  site::Site loaded;
  std::string err;
  if (!site::OpenSite(config_path, &loaded, &err)) return Error(err, kBadUsage);

  if (*check) {
    size_t messages = 0, deleted = 0;
    for (const auto& c : loaded.inbox.commits()) {
      if (c.kind == archive::CommitKind::kMessage) (c.deleted ? deleted : messages)++;
    }
    std::printf("%s: ok: %d epoch(s), %zu messages (%zu deleted), %zu digests, theme %s\n",
                config_path.c_str(), loaded.inbox.epochs(), messages, deleted,
                loaded.ranges.size(), loaded.theme_dir.c_str());
    return 0;
  }

  if (*digest) {
    if (range.empty() && id.empty()) return Error("digest needs --range FROM..TO or --id ID", kBadUsage);
    std::string out;
    if (!site::RenderOneDigest(loaded, range, id, format, jobs, &out, &err)) {
      return Error(err, kBadUsage);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  }

  return 0;
}
