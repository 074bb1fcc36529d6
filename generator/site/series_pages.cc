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
  const auto& a = ctx.archive;
  const pages::DigestIds digests = pages::DigestIdsOf(ctx.digests);
  ParallelFor(a.series.size(), ctx.jobs, [&](size_t i) {
    const std::string dir = pages::SeriesPath(a.series[i]);
    const int series = static_cast<int>(i);
    ctx.out.WriteJson(dir + "series.json", pages::SeriesJson(a, series, ctx.info, digests));
    ctx.out.Render(dir + "index.html", "series", pages::SeriesPageView(a, series, ctx.info, digests));
    ctx.out.Write(dir + "feed.xml", pages::RenderAtom(pages::SeriesFeed(a, series, ctx.info)));
  });
  for (const auto& page : pages::SeriesIndexPages(a, ctx.info, kSeriesPerPage)) {
    ctx.out.Render(page.path, "series_index", page.view);
  }
}

}  // namespace listdigest::site
