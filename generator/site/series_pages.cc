// The series pages: series/<id>/ (HTML, series.json, feed.xml) for every
// series, and the series index, whole and per state, paginated.
#include "pages/atom.h"
#include "pages/series_views.h"
#include "site/context.h"

namespace listdigest::site {
namespace {

constexpr size_t kSeriesPerPage = 100;

}  // namespace

void WriteSeriesPages(BuildContext& ctx) {
  const pages::DigestIds digests = pages::DigestIdsOf(ctx.digests);
  SeriesFolders(ctx, digests).WorkOn(ctx.jobs);
  WriteSeriesIndex(ctx);
}

SharedWork SeriesFolders(BuildContext& ctx, const pages::DigestIds& digests) {
  return SharedWork(ctx.archive.series.size(), [&ctx, &digests](size_t i) {
    const auto& a = ctx.archive;
    const std::string dir = pages::SeriesPath(a.series[i]);
    const int series = static_cast<int>(i);
    // A series nothing new touched keeps its files without making them.
    const model::Hash128 key = pages::SeriesInputs(a, series, ctx.info, digests);
    const std::vector<std::pair<std::string, model::Hash128>> files = {
        {dir + "series.json", ctx.out.KeyedInput(dir + "series.json", "", key)},
        {dir + "index.html", ctx.out.KeyedInput(dir + "index.html", "../../", key)},
        {dir + "feed.xml", ctx.out.KeyedInput(dir + "feed.xml", "", key)}};
    if (ctx.out.KeepIfUnchanged(files)) return;
    ctx.out.WriteJson(files[0].first, pages::SeriesJson(a, series, ctx.info, digests), files[0].second);
    ctx.out.Render(files[1].first, "series", pages::SeriesPageView(a, series, ctx.info, digests),
                   files[1].second);
    ctx.out.Write(files[2].first, pages::RenderAtom(pages::SeriesFeed(a, series, ctx.info)),
                  files[2].second);
  });
}

void WriteSeriesIndex(BuildContext& ctx) {
  const std::vector<pages::SeriesIndexPage> index =
      pages::SeriesIndexPages(ctx.archive, ctx.info, kSeriesPerPage);
  ParallelFor(index.size(), ctx.jobs,
              [&](size_t i) { ctx.out.Render(index[i].path, "series_index", index[i].view); });
}

}  // namespace listdigest::site
