// The people of the archive: contributors/<slug>/ (page, contributor.json,
// Atom feed of their postings) and the contributors index.
#include "model/people.h"
#include "pages/contributor_views.h"
#include "site/context.h"

namespace listdigest::site {

void WriteContributorPages(BuildContext& ctx) {
  const model::Archive& a = ctx.archive;
  const std::vector<model::PersonStats> stats = model::ComputePeopleStats(a);
  ParallelFor(stats.size(), ctx.jobs, [&](size_t i) {
    const std::string dir = pages::PersonPath(a.people[i]);
    ctx.out.WriteJson(dir + "contributor.json", pages::ContributorJson(a, stats[i], ctx.info));
    ctx.out.Render(dir + "index.html", "contributor",
                   pages::ContributorPageView(a, stats[i], ctx.info));
    ctx.out.Write(dir + "feed.xml", pages::ContributorFeed(a, stats[i], ctx.info));
  });
  ctx.out.Render("contributors/index.html", "contributors_index",
                 pages::ContributorsIndexView(a, stats, ctx.info));
}

}  // namespace listdigest::site
