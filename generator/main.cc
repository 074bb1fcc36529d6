// listdigest: the command line. Parses arguments and calls the build; every
// error is printed here as "listdigest: error: …".
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "site/build.h"
#include "site/writer.h"

namespace {

constexpr int kFailed = 1;
constexpr int kBadUsage = 2;

int Error(const std::string& message, int status) {
  std::fprintf(stderr, "listdigest: error: %s\n", message.c_str());
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace listdigest;
  CLI::App app{"listdigest: static digests, series and search for a public-inbox mail archive"};
  app.set_version_flag("--version", std::string("listdigest ") + LISTDIGEST_VERSION);
  app.require_subcommand(1);

  std::string config_path = "content/site.toml";
  std::string out_dir = "site";
  int jobs = 0;
  bool verbose = false;
  bool strict = false;
  CLI::App* build = app.add_subcommand("build", "build the whole site");
  build->add_option("--config", config_path, "the site's config file")->capture_default_str();
  build->add_option("--out", out_dir, "the output folder")->capture_default_str();
  build->add_option("--jobs,-j", jobs, "threads to use (0: one per core)")
      ->check(CLI::Range(0, 256));
  build->add_flag("--verbose,-v", verbose, "list every diagnostic");
  build->add_flag("--strict", strict,
                  "exit with status 1 when any message has a diagnostic (the site is written)");

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

  // Before any work: a folder that cannot be written fails now, with the
  // previous site as it was.
  if (!site::Writer(out_dir).CheckWritable(&err)) return Error(err, kBadUsage);

  site::BuildOptions options;
  options.out_dir = out_dir;
  options.jobs = jobs;
  options.verbose = verbose;
  options.progress_bar = ::isatty(STDERR_FILENO) != 0;
  site::BuildSummary summary;
  if (!site::BuildSite(loaded, options, &summary, &err)) return Error(err, kFailed);
  std::fprintf(stderr,
               "listdigest: %zu messages, %zu digests, %zu series, %zu people; "
               "%zu files written, %zu unchanged; %zu diagnostics; %.2f s\n",
               summary.messages, summary.digests, summary.series, summary.people, summary.written,
               summary.unchanged, summary.diagnostics, summary.seconds);
  for (const auto& step : summary.steps) {
    std::fprintf(stderr, "listdigest:   %-24s %6.2f s\n", step.name.c_str(), step.seconds);
  }
  if (!summary.diagnostic_kinds.empty()) {
    std::string kinds;
    for (const auto& [kind, count] : summary.diagnostic_kinds) {
      kinds += (kinds.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
    }
    std::fprintf(stderr, "listdigest: diagnostics by kind: %s\n", kinds.c_str());
  }
  std::fprintf(stderr, "listdigest: site written to %s/\n", out_dir.c_str());
  if (strict && summary.diagnostics > 0) {
    return Error("--strict: " + std::to_string(summary.diagnostics) +
                     " diagnostics in the archive's mail (--verbose lists them); the site was "
                     "written, build without --strict to accept them",
                 kFailed);
  }
  return 0;
}
