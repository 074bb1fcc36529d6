#include "site/build.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>

#include "model/archive.h"
#include "pages/digest_text.h"
#include "pages/views.h"
#include "render/theme.h"
#include "site/writer.h"

namespace listdigest::site {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string Dump(const json& j) {
  return j.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

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

// Runs fn(i) for i in [0, n) on `jobs` threads.
void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
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
  return info;
}

std::string AtomFeed(const model::Archive& a, const std::vector<model::Digest>& digests,
                     const config::Config& c) {
  using render::XmlEscape;
  std::string updated = "1970-01-01T00:00:00Z";
  if (!digests.empty() && !digests.back().messages.empty()) {
    updated = pages::IsoTime(a.messages[digests.back().messages.back()].time);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  out += "  <title>" + XmlEscape(c.title) + "</title>\n";
  out += "  <id>" + XmlEscape(c.base_url.empty() ? "urn:listdigest:" + c.list : c.base_url) + "</id>\n";
  if (!c.base_url.empty()) {
    out += "  <link href=\"" + XmlEscape(c.base_url) + "\"/>\n";
    out += "  <link rel=\"self\" href=\"" + XmlEscape(c.base_url + "feed.xml") + "\"/>\n";
  }
  out += "  <updated>" + updated + "</updated>\n";
  out += "  <author><name>" + XmlEscape(c.list) + "</name></author>\n";
  int n = 0;
  for (auto it = digests.rbegin(); it != digests.rend() && n < 50; ++it, ++n) {
    const model::Digest& d = *it;
    if (d.messages.empty()) continue;
    const std::string link = c.base_url + "digests/" + d.range.id + "/";
    out += "  <entry>\n";
    out += "    <title>" + XmlEscape(c.list + " digest " + d.range.id) + "</title>\n";
    out += "    <id>" + XmlEscape(c.base_url.empty() ? "urn:listdigest:" + c.list + ":" + d.range.id
                                                     : link) + "</id>\n";
    if (!c.base_url.empty()) out += "    <link href=\"" + XmlEscape(link) + "\"/>\n";
    out += "    <updated>" + pages::IsoTime(a.messages[d.messages.back()].time) + "</updated>\n";
    out += "    <summary>" + XmlEscape(std::to_string(d.messages.size()) + " messages, " +
                               std::to_string(d.patches) + " patches, " +
                               std::to_string(d.replies) + " replies, " +
                               std::to_string(d.versions.size()) + " series") +
           "</summary>\n";
    out += "  </entry>\n";
  }
  out += "</feed>\n";
  return out;
}

std::string Sitemap(const std::vector<model::Digest>& digests, const config::Config& c) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  auto url = [&](const std::string& path) {
    out += "  <url><loc>" + render::XmlEscape(c.base_url + path) + "</loc></url>\n";
  };
  url("");
  url("digests/");
  for (const auto& d : digests) url("digests/" + d.range.id + "/");
  out += "</urlset>\n";
  return out;
}

}  // namespace

int ThreadCount(int jobs) {
  if (jobs > 0) return jobs;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

bool OpenSite(const std::string& config_path, Site* site, std::string* err) {
  Site s;
  if (!config::LoadConfig(config_path, &s.config, err)) return false;
  if (!archive::Inbox::Open(s.config.archive_path, &s.inbox, err)) {
    *err = s.config.file + ": archive.path: " + *err;
    return false;
  }
  if (!s.config.mailmap.empty() && !archive::Mailmap::Load(s.config.mailmap, &s.mailmap, err)) {
    return false;
  }
  s.theme_dir = FindTheme(s.config);
  const std::string override_dir = (fs::path(s.config.dir) / "theme").string();
  if (!render::Theme::Load(s.theme_dir, override_dir, &s.theme, err)) {
    *err = s.config.file + ": theme \"" + s.config.theme + "\": " + *err;
    return false;
  }
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
    summary->steps.push_back({name, std::chrono::duration<double>(now - step_start).count()});
    step_start = now;
  };
  const int jobs = ThreadCount(options.jobs);
  ProgressReporter progress(options.progress_bar);
  const model::Archive archive = model::BuildArchive(site.inbox, site.mailmap, jobs, progress);
  finish_step("read, parse and model");

  std::vector<model::Digest> digests(site.ranges.size());
  ParallelFor(site.ranges.size(), jobs,
              [&](size_t i) { digests[i] = model::ComputeDigest(archive, site.ranges[i]); });
  finish_step("digests");

  const pages::SiteInfo info = InfoOf(site.config);
  Writer writer(options.out_dir);
  std::mutex error_mutex;
  std::string first_error;
  auto write = [&](const std::string& path, const std::string& bytes) {
    std::string e;
    if (!writer.Write(path, bytes, &e)) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (first_error.empty()) first_error = e;
    }
  };
  auto render = [&](const std::string& path, const std::string& name, const json& view) {
    std::string html, e;
    if (!site.theme.RenderPage(name, view, &html, &e)) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (first_error.empty()) first_error = site.theme_dir + ": " + e;
      return;
    }
    write(path, html);
  };

  ParallelFor(digests.size(), jobs, [&](size_t i) {
    const model::Digest& d = digests[i];
    const std::string dir = "digests/" + d.range.id + "/";
    write(dir + "digest.txt", pages::DigestText(archive, d, site.config.list, site.config.top));
    write(dir + "digest.json", Dump(pages::DigestJson(archive, d, info)));
    render(dir + "index.html", "digest", pages::DigestPageView(archive, d, info, site.config.top));
  });
  render("digests/index.html", "digests", pages::DigestsIndexView(archive, digests, info));
  render("index.html", "home", pages::HomeView(archive, digests, info));
  render("404.html", "404", pages::PageBase(info, "/", "Not found"));
  write("feed.xml", AtomFeed(archive, digests, site.config));
  write("sitemap.xml", Sitemap(digests, site.config));
  for (const auto& [path, bytes] : site.theme.static_files()) write("static/" + path, bytes);
  finish_step("render and write");

  if (!first_error.empty()) {
    *err = first_error;
    return false;
  }
  summary->messages = archive.messages.size();
  summary->digests = digests.size();
  summary->series = archive.series.size();
  summary->people = archive.people.size();
  summary->written = writer.written();
  summary->unchanged = writer.unchanged();
  summary->diagnostics = archive.diagnostics.size();
  summary->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const size_t shown = options.verbose ? archive.diagnostics.size() : 10;
  for (size_t i = 0; i < archive.diagnostics.size() && i < shown; ++i) {
    const auto& d = archive.diagnostics[i];
    std::fprintf(stderr, "listdigest: commit %s <%s>: %s\n", d.commit.substr(0, 12).c_str(),
                 d.message_id.c_str(), d.text.c_str());
  }
  if (archive.diagnostics.size() > shown) {
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
  else *out = Dump(pages::DigestJson(archive, d, InfoOf(site.config)));
  return true;
}

}  // namespace listdigest::site
