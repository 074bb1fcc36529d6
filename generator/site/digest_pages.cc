// The digest pages and the site's front door: digests/<id>/ (text, JSON,
// HTML), the digests index, the home page, 404, the Atom feed and the
// theme's static files.
#include <algorithm>

#include "pages/atom.h"
#include "pages/digest_text.h"
#include "pages/series_views.h"
#include "pages/views.h"
#include "render/theme.h"
#include "site/context.h"

namespace listdigest::site {
namespace {

// The digests feed: newest 50 digests with mail in them.
std::string DigestFeed(const model::Archive& a, const std::vector<model::Digest>& digests,
                       const config::Config& c) {
  pages::AtomFeed feed;
  feed.title = c.title;
  feed.id = c.base_url.empty() ? "urn:listdigest:" + c.list : c.base_url;
  feed.link = c.base_url;
  feed.self = c.base_url.empty() ? "" : c.base_url + "feed.xml";
  feed.author = c.list;
  std::vector<const model::Digest*> newest;
  for (const auto& d : digests) {
    if (!d.messages.empty()) newest.push_back(&d);
  }
  std::stable_sort(newest.begin(), newest.end(), [&a](const model::Digest* x, const model::Digest* y) {
    return a.messages[x->messages.back()].time > a.messages[y->messages.back()].time;
  });
  for (size_t i = 0; i < newest.size() && i < 50; ++i) {
    const model::Digest& d = *newest[i];
    const std::string link = c.base_url.empty() ? "" : c.base_url + "digests/" + d.range.id + "/";
    pages::AtomEntry e;
    e.title = c.list + " digest " + d.range.id;
    e.id = link.empty() ? "urn:listdigest:" + c.list + ":" + d.range.id : link;
    e.link = link;
    e.updated = pages::IsoTime(a.messages[d.messages.back()].time);
    e.summary = std::to_string(d.messages.size()) + " messages, " + std::to_string(d.patches) +
                " patches, " + std::to_string(d.replies) + " replies, " +
                std::to_string(d.versions.size()) + " series postings";
    feed.entries.push_back(std::move(e));
  }
  return pages::RenderAtom(feed);
}

}  // namespace

void WriteDigestPages(BuildContext& ctx) {
  const auto& a = ctx.archive;
  const auto& config = ctx.site.config;
  const pages::DigestIds digest_ids = pages::DigestIdsOf(ctx.digests);
  ParallelFor(ctx.digests.size(), ctx.jobs, [&](size_t i) {
    const model::Digest& d = ctx.digests[i];
    const std::string dir = "digests/" + d.range.id + "/";
    // A digest nothing new touched keeps its files without making them.
    const model::Hash128 key = pages::DigestInputs(a, d, ctx.info, config.top, digest_ids);
    const std::vector<std::pair<std::string, model::Hash128>> files = {
        {dir + "digest.txt", ctx.out.KeyedInput(dir + "digest.txt", "", key)},
        {dir + "digest.json", ctx.out.KeyedInput(dir + "digest.json", "", key)},
        {dir + "index.html", ctx.out.KeyedInput(dir + "index.html", "../../", key)}};
    if (ctx.out.KeepIfUnchanged(files)) return;
    ctx.out.Write(files[0].first, pages::DigestText(a, d, config.list, config.top), files[0].second);
    ctx.out.WriteJson(files[1].first, pages::DigestJson(a, d, ctx.info), files[1].second);
    ctx.out.Render(files[2].first, "digest", pages::DigestPageView(a, d, ctx.info, config.top),
                   files[2].second);
  });
  ctx.out.Render("digests/index.html", "digests", pages::DigestsIndexView(a, ctx.digests, ctx.info));
  nlohmann::json home = pages::HomeView(a, ctx.digests, ctx.info);
  if (const ContentPage* intro = HomeIntroduction(ctx.site.content)) {
    home["intro_html"] = intro->html;
    if (!intro->description.empty()) home["description"] = intro->description;
  }
  ctx.out.Render("index.html", "home", home);
  // Served for any missing path, so its links cannot be relative: they go
  // from the site's root as base_url names it.
  std::string root = "/";
  const size_t scheme = config.base_url.find("://");
  if (scheme != std::string::npos) {
    const size_t path = config.base_url.find('/', scheme + 3);
    if (path != std::string::npos) root = config.base_url.substr(path);
  }
  ctx.out.Render("404.html", "404", pages::PageBase(ctx.info, root, "Not found"));
  ctx.out.Write("feed.xml", DigestFeed(a, ctx.digests, config));
  for (const auto& [path, bytes] : ctx.site.theme.static_files()) {
    ctx.out.Write("static/" + path, bytes);
  }
}

void WriteSitemap(BuildContext& ctx) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const std::string& page : ctx.out.pages()) {
    if (page == "404.html") continue;
    std::string path = page;
    if (path.size() >= 10 && path.compare(path.size() - 10, 10, "index.html") == 0) {
      path.erase(path.size() - 10);
    }
    out += "  <url><loc>" + render::XmlEscape(ctx.site.config.base_url + path) + "</loc></url>\n";
  }
  out += "</urlset>\n";
  ctx.out.Write("sitemap.xml", out);
}

}  // namespace listdigest::site
