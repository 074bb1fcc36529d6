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
    // A person nothing new touched keeps their files without making them.
    const model::Hash128 key = pages::ContributorInputs(a, stats[i], ctx.info);
    const std::vector<std::pair<std::string, model::Hash128>> files = {
        {dir + "contributor.json", ctx.out.KeyedInput(dir + "contributor.json", "", key)},
        {dir + "index.html", ctx.out.KeyedInput(dir + "index.html", "../../", key)},
        {dir + "feed.xml", ctx.out.KeyedInput(dir + "feed.xml", "", key)}};
    if (ctx.out.KeepIfUnchanged(files)) return;
    ctx.out.WriteJson(files[0].first, pages::ContributorJson(a, stats[i], ctx.info),
                      files[0].second);
    ctx.out.Render(files[1].first, "contributor", pages::ContributorPageView(a, stats[i], ctx.info),
                   files[1].second);
    ctx.out.Write(files[2].first, pages::ContributorFeed(a, stats[i], ctx.info), files[2].second);
  });
  ctx.out.Render("contributors/index.html", "contributors_index",
                 pages::ContributorsIndexView(a, stats, ctx.info));
}

}  // namespace listdigest::site
