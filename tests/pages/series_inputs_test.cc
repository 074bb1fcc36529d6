// pages::SeriesInputs, the hash an incremental build compares to skip a
// series' files: on the real three-epoch kvmarm inbox, cut at the middle of
// its history and whole, every series whose hash is the same at both
// points has the same series.json, page view and feed; and the hash does
// change where those do (new versions, replies, reviews, a person's new
// name), so it is not vacuous.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "model/archive.h"
#include "model/digest.h"
#include "pages/atom.h"
#include "pages/series_views.h"
#include "support.h"

namespace listdigest {
namespace {

struct Model {
  model::Archive archive;
  std::vector<model::Digest> digests;
};

Model Load(const std::string& path) {
  archive::Inbox inbox;
  std::string err;
  REQUIRE_MESSAGE(archive::Inbox::Open(path, &inbox, &err), err);
  Model m;
  m.archive = model::BuildArchive(inbox, archive::Mailmap(), 2, nullptr);
  for (const auto& r : model::PeriodRanges(inbox, "week")) {
    m.digests.push_back(model::ComputeDigest(m.archive, r));
  }
  return m;
}

// What the three files of a series are made from, as text.
struct Files {
  model::Hash128 inputs;
  std::string json, view, feed;
};

std::map<std::string, Files> SeriesFiles(const Model& m, const pages::SiteInfo& site) {
  const pages::DigestIds digests = pages::DigestIdsOf(m.digests);
  std::map<std::string, Files> out;
  for (size_t i = 0; i < m.archive.series.size(); ++i) {
    const int s = static_cast<int>(i);
    Files& f = out[m.archive.series[i].id];
    f.inputs = pages::SeriesInputs(m.archive, s, site, digests);
    f.json = pages::SeriesJson(m.archive, s, site, digests).dump();
    f.view = pages::SeriesPageView(m.archive, s, site, digests).dump();
    f.feed = pages::RenderAtom(pages::SeriesFeed(m.archive, s, site));
  }
  return out;
}

TEST_CASE("series inputs: the same hash at two points of the history means the same files") {
  const std::string dir = testing::WorkDir("series-inputs");
  const std::string inbox = dir + "/inbox";
  std::string out;
  for (int e = 0; e < 3; ++e) {
    REQUIRE(testing::Run("git clone -q --mirror '" +
                             testing::DataPath("kvmarm-2021-03-3epochs-v2-epoch" +
                                               std::to_string(e) + ".bundle") +
                             "' '" + inbox + "/git/" + std::to_string(e) + ".git'",
                         &out) == 0);
  }
  pages::SiteInfo site;
  site.title = "kvmarm";
  site.list = "kvmarm";
  site.base_url = "https://example.org/kvmarm/";
  site.message_url = "https://lore.kernel.org/kvmarm/{message_id}/";
  const auto whole = SeriesFiles(Load(inbox), site);

  // The first half: epoch 1 cut at its middle, epoch 2 not there yet.
  const std::string git1 = "git --git-dir='" + inbox + "/git/1.git' ";
  REQUIRE(testing::Run(git1 + "update-ref refs/heads/master $(" + git1 +
                           "rev-list --reverse HEAD | sed -n 147p)",
                       &out) == 0);
  std::filesystem::rename(inbox + "/git/2.git", dir + "/aside-2.git");
  const auto half = SeriesFiles(Load(inbox), site);

  size_t same = 0, changed = 0;
  for (const auto& [id, before] : half) {
    const auto it = whole.find(id);
    if (it == whole.end()) continue;
    const Files& after = it->second;
    INFO(id);
    if (before.inputs == after.inputs) {
      ++same;
      CHECK(before.json == after.json);
      CHECK(before.view == after.view);
      CHECK(before.feed == after.feed);
    } else if (before.json != after.json || before.view != after.view ||
               before.feed != after.feed) {
      ++changed;
    }
  }
  // Of the 26 series of the first half, most are done by its middle; some
  // go on.
  CHECK(half.size() == 26);
  CHECK(same == 17);
  CHECK(changed == 9);

  // Anything of the site the views show changes the hash.
  pages::SiteInfo other = site;
  other.base_url = "https://example.org/elsewhere/";
  const Model m = Load(inbox);
  const pages::DigestIds digests = pages::DigestIdsOf(m.digests);
  CHECK_FALSE(pages::SeriesInputs(m.archive, 0, site, digests) ==
              pages::SeriesInputs(m.archive, 0, other, digests));
}

}  // namespace
}  // namespace listdigest
