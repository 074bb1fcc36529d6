#include "site/build.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>
#include <tuple>

#include "mail/message.h"
#include "model/archive.h"
#include "pages/digest_text.h"
#include "pages/views.h"
#include "render/theme.h"
#include "site/cache.h"
#include "site/context.h"
#include "site/incremental.h"

namespace listdigest::site {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string FindTheme(const config::Config& c) {
  const std::vector<fs::path> candidates = {
      fs::path(c.dir) / "themes" / c.theme,
      fs::path(c.dir).parent_path() / "themes" / c.theme,
      fs::path(LISTDIGEST_SOURCE_DIR) / "themes" / c.theme,
  };
  std::error_code ec;
  for (const auto& p : candidates) {
    if (fs::is_directory(p / "templates", ec)) return p.lexically_normal().string();
  }
  return candidates[1].lexically_normal().string();
}

class ProgressReporter {
 public:
  explicit ProgressReporter(bool bar) : bar_(bar), start_(Clock::now()), last_(start_) {}

  void operator()(size_t done, size_t total) {
    const auto now = Clock::now();
    if (bar_) {
      if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
      last_ = now;
      const int width = 30;
      const int filled = total ? static_cast<int>(width * done / total) : width;
      std::fprintf(stderr, "\rreading mail [%s%s] %zu/%zu", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), done, total);
      if (done == total) std::fprintf(stderr, "\n");
    } else if (now - last_ >= std::chrono::seconds(3) || (done == total && !reported_end_)) {
      last_ = now;
      reported_end_ = done == total;
      std::fprintf(stderr, "listdigest: read %zu of %zu messages\n", done, total);
    }
  }

 private:
  bool bar_;
  bool reported_end_ = false;
  Clock::time_point start_, last_;
};

pages::SiteInfo InfoOf(const config::Config& c) {
  pages::SiteInfo info;
  info.title = c.title;
  info.list = c.list;
  info.base_url = c.base_url;
  info.message_url = c.message_url;
  info.search_url = c.search_fallback_url;
  info.organisations = c.domains;
  return info;
}

}  // namespace

double PeakMemoryMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024;
  }
  return 0;
}

int ThreadCount(int jobs) {
  if (jobs > 0) return jobs;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

std::string ThemeDirOf(const config::Config& config) { return FindTheme(config); }

bool OpenSite(const std::string& config_path, Site* site, std::string* err) {
  return OpenSite(config_path, {}, site, err);
}

bool OpenSite(const std::string& config_path, const std::vector<archive::EpochListing>& known,
              Site* site, std::string* err) {
  Site s;
  if (!config::LoadConfig(config_path, &s.config, err)) return false;
  if (!archive::Inbox::Open(s.config.archive_path, known, &s.inbox, err)) {
    *err = s.config.file + ": archive.path: " + *err;
    return false;
  }
  if (!s.config.mailmap.empty() && !archive::Mailmap::Load(s.config.mailmap, &s.mailmap, err)) {
    return false;
  }
  s.theme_dir = FindTheme(s.config);
  // The site's content/theme/ overrides the theme's files, and theme_dir
  // overrides both.
  const std::vector<std::string> overrides = {(fs::path(s.config.dir) / "theme").string(),
                                              s.config.theme_dir};
  if (!render::Theme::Load(s.theme_dir, overrides, &s.theme, err)) {
    *err = s.config.file + ": theme \"" + s.config.theme + "\": " + *err;
    return false;
  }
  if (!LoadContentPages(s.config.dir, &s.content, err)) return false;
  if (s.config.period != "none") s.ranges = model::PeriodRanges(s.inbox, s.config.period);
  for (const auto& spec : s.config.ranges) {
    model::DigestRange r;
    if (!model::ExplicitRange(s.inbox, spec.from, spec.to, &r, err)) {
      *err = s.config.file + ":" + std::to_string(spec.line) + ": digests.range: " + *err;
      return false;
    }
    s.ranges.push_back(std::move(r));
  }
  *site = std::move(s);
  return true;
}

bool BuildSite(const Site& site, const BuildOptions& options, BuildSummary* summary,
               std::string* err) {
  const auto start = Clock::now();
  auto step_start = start;
  auto finish_step = [&](const char* name) {
    const auto now = Clock::now();
    summary->steps.push_back(
        {name, std::chrono::duration<double>(now - step_start).count(), PeakMemoryMb()});
    step_start = now;
  };
  const int jobs = ThreadCount(options.jobs);
  // The output folder's last manifest and state are read meanwhile: they do
  // not depend on the mail.
  Output out(site, options.out_dir);
  OutputState last_state;
  std::vector<std::string> output_notices;
  std::thread output_reader(
      [&] { output_notices = BeginOutput(site, options, &out, &last_state); });
  ProgressReporter progress(options.progress_bar);
  model::BuildTimes times;
  const model::Archive archive = model::BuildArchive(
      site.inbox, site.mailmap, jobs, options.quiet ? model::Progress() : model::Progress(progress),
      options.cache ? options.cache->facts() : nullptr, &times, [&options, &site] {
        // The facts are complete: they go to disk while the model is built,
        // and of the cache's file only the texts the pages show are read
        // again (420 MB at 500,000 messages).
        if (options.cache) {
          options.cache->facts()->ReleaseLoaded();
          options.cache->StartSavingFacts(site.inbox);
        }
      });
  summary->parsed = times.parsed;
  summary->cached = times.cached;
  summary->steps.push_back({"read and parse mail", times.read_parse_seconds, 0,
                            {{"read", times.read_cpu_seconds},
                             {"parse", times.parse_cpu_seconds},
                             {"facts", times.facts_cpu_seconds}}});
  summary->steps.push_back({"model", times.model_seconds, PeakMemoryMb()});
  step_start = Clock::now();

  std::vector<model::Digest> digests(site.ranges.size());
  ParallelFor(site.ranges.size(), jobs,
              [&](size_t i) { digests[i] = model::ComputeDigest(archive, site.ranges[i]); });
  finish_step("digests");

  const pages::SiteInfo info = InfoOf(site.config);
  output_reader.join();
  summary->notices = std::move(output_notices);
  BuildContext ctx{site, archive, digests, info, jobs, out};
  ctx.cache = options.cache;
  // The search index is built on a thread of its own while the pages are
  // written: much of it (merging and encoding the terms) runs on one core.
  // Its step is timed on that thread. The series folders are work the two
  // threads share: the main thread writes them first, one at a time, while
  // the index reads its documents, then the digest and contributor pages,
  // the series index and the content pages alongside the index's merge; the
  // search thread takes on the series left when the index is done (with the
  // other threads --jobs allows).
  // Written after the digest and contributor pages, alongside the merge,
  // the series raised the peak memory of the 500,000-message scale archive
  // from 934 MiB (series after the index) to 990 MiB, over 1 GB; in this
  // order it is 946 MiB.
  const pages::DigestIds digest_ids = pages::DigestIdsOf(digests);
  SharedWork series_folders = SeriesFolders(ctx, digest_ids);
  StepTime search_step{"search index", 0, 0};
  std::thread search([&ctx, &search_step, &series_folders, jobs, summary] {
    const auto search_start = Clock::now();
    std::tie(summary->search_segments, summary->search_segments_kept) = WriteSearchIndex(ctx);
    search_step.seconds = std::chrono::duration<double>(Clock::now() - search_start).count();
    search_step.peak_mb = PeakMemoryMb();
    series_folders.WorkOn(std::max(1, jobs - 1));
  });
  series_folders.Work();
  finish_step("series pages");
  WriteDigestPages(ctx);
  finish_step("digest pages");
  WriteContributorPages(ctx);
  finish_step("contributor pages");
  WriteSeriesIndex(ctx);
  finish_step("series index");
  WriteContentPages(ctx);
  finish_step("content pages");
  // The files this build replaced are removed from now on, alongside the
  // index's last files: those left for Finish made a small build's last step
  // a third longer.
  out.writer().RemoveReplacedMeanwhile();
  // What is left of the index (and of the series it took on) when the main
  // thread has nothing more to do. The sitemap lists every page, the
  // search page too.
  search.join();
  finish_step("waiting for search");
  summary->steps.push_back(search_step);
  step_start = Clock::now();
  WriteSitemap(ctx);
  finish_step("sitemap");
  const std::string first_error = out.first_error();
  if (!first_error.empty()) {
    *err = first_error;
    return false;
  }
  summary->messages = archive.messages.size();
  summary->digests = digests.size();
  summary->series = archive.series.size();
  summary->people = archive.people.size();
  summary->diagnostics = archive.diagnostics.size();
  std::map<std::string, size_t> kinds;
  for (const auto& d : archive.diagnostics) ++kinds[mail::DiagnosticKind(d.text)];
  summary->diagnostic_kinds.assign(kinds.begin(), kinds.end());
  std::stable_sort(summary->diagnostic_kinds.begin(), summary->diagnostic_kinds.end(),
                   [](const auto& x, const auto& y) { return x.second > y.second; });
  if (!FinishOutput(site, options, &out, *summary, &summary->notices, err)) return false;
  finish_step("manifest and cache");
  summary->written = out.writer().written();
  summary->unchanged = out.writer().unchanged();
  summary->removed = out.writer().removed();
  summary->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const size_t shown = options.quiet ? 0 : options.verbose ? archive.diagnostics.size() : 10;
  for (size_t i = 0; i < archive.diagnostics.size() && i < shown; ++i) {
    const auto& d = archive.diagnostics[i];
    std::fprintf(stderr, "listdigest: commit %s <%s>: %s\n", d.commit.substr(0, 12).c_str(),
                 d.message_id.c_str(), d.text.c_str());
  }
  if (!options.quiet && archive.diagnostics.size() > shown) {
    std::fprintf(stderr, "listdigest: %zu more diagnostics (--verbose lists them all)\n",
                 archive.diagnostics.size() - shown);
  }
  return true;
}

bool RenderOneDigest(const Site& site, const std::string& range, const std::string& id,
                     const std::string& format, int jobs, std::string* out, std::string* err) {
  model::DigestRange r;
  if (!range.empty()) {
    const size_t dots = range.find("..");
    if (dots == std::string::npos || dots == 0 || dots + 2 >= range.size()) {
      *err = "--range must be FROM..TO (two commit ids), not \"" + range + "\"";
      return false;
    }
    if (!model::ExplicitRange(site.inbox, range.substr(0, dots), range.substr(dots + 2), &r, err)) {
      return false;
    }
  } else {
    bool found = false;
    for (const auto& candidate : site.ranges) {
      if (candidate.id == id) r = candidate, found = true;
    }
    // A period id of another kind than the configured one works too:
    // "2021-W10" with period = "month".
    for (const char* period : {"week", "month", "day"}) {
      if (found) break;
      for (auto& candidate : model::PeriodRanges(site.inbox, period)) {
        if (candidate.id == id) r = std::move(candidate), found = true;
      }
    }
    if (!found) {
      *err = "no digest " + id + " in " + site.config.archive_path +
             "; use a week (2021-W10), month (2021-03), day (2021-03-08) with mail in it, or --range";
      return false;
    }
  }
  const model::Archive archive =
      model::BuildArchive(site.inbox, site.mailmap, ThreadCount(jobs), nullptr);
  const model::Digest d = model::ComputeDigest(archive, r);
  if (format == "txt") *out = pages::DigestText(archive, d, site.config.list, site.config.top);
  else if (format == "md") *out = pages::DigestMarkdown(archive, d, site.config.list, site.config.top);
  else *out = DumpJson(pages::DigestJson(archive, d, InfoOf(site.config)));
  return true;
}

}  // namespace listdigest::site
