// pages::SeriesInputs, ContributorInputs and DigestInputs, the hashes an
// incremental build compares to skip a series', a person's or a digest's
// files: on the real three-epoch kvmarm inbox, cut at the middle of its
// history and whole, every series, person and digest whose hash is the
// same at both points has the same files (JSON, page view, feed or text);
// and the hash does change where those do (new versions, replies, reviews,
// postings, mail in the week), so it is not vacuous.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "model/archive.h"
#include "model/digest.h"
#include "model/people.h"
#include "pages/atom.h"
#include "pages/contributor_views.h"
#include "pages/digest_text.h"
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

std::map<std::string, Files> ContributorFiles(const Model& m, const pages::SiteInfo& site) {
  std::map<std::string, Files> out;
  for (const model::PersonStats& s : model::ComputePeopleStats(m.archive)) {
    Files& f = out[m.archive.people[s.person].slug];
    f.inputs = pages::ContributorInputs(m.archive, s, site);
    f.json = pages::ContributorJson(m.archive, s, site).dump();
    f.view = pages::ContributorPageView(m.archive, s, site).dump();
    f.feed = pages::ContributorFeed(m.archive, s, site);
  }
  return out;
}

std::map<std::string, Files> DigestFiles(const Model& m, const pages::SiteInfo& site) {
  const pages::DigestIds digests = pages::DigestIdsOf(m.digests);
  std::map<std::string, Files> out;
  for (const model::Digest& d : m.digests) {
    Files& f = out[d.range.id];
    f.inputs = pages::DigestInputs(m.archive, d, site, 10, digests);
    f.json = pages::DigestJson(m.archive, d, site).dump();
    f.view = pages::DigestPageView(m.archive, d, site, 10).dump();
    f.feed = pages::DigestText(m.archive, d, site.list, 10);
  }
  return out;
}

// How many of the things in both `before` and `after` kept their hash (and
// then their files: checked), and how many changed their files.
std::pair<size_t, size_t> Compare(const std::map<std::string, Files>& before,
                                  const std::map<std::string, Files>& after) {
  size_t same = 0, changed = 0;
  for (const auto& [id, was] : before) {
    const auto it = after.find(id);
    if (it == after.end()) continue;
    const Files& now = it->second;
    INFO(id);
    if (was.inputs == now.inputs) {
      ++same;
      CHECK(was.json == now.json);
      CHECK(was.view == now.view);
      CHECK(was.feed == now.feed);
    } else if (was.json != now.json || was.view != now.view || was.feed != now.feed) {
      ++changed;
    }
  }
  return {same, changed};
}

TEST_CASE("page inputs: the same hash at two points of the history means the same files") {
  const std::string dir = testing::WorkDir("page-inputs");
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
  site.organisations = {{"arm.com", "Arm"}};
  const Model all = Load(inbox);
  const auto whole = SeriesFiles(all, site);
  const auto whole_people = ContributorFiles(all, site);
  const auto whole_digests = DigestFiles(all, site);

  // A few hours less: the last 6 commits (of 219) of epoch 2 not there yet.
  const std::string git2 = "git --git-dir='" + inbox + "/git/2.git' ";
  const std::string head2 = [&] {
    std::string h;
    REQUIRE(testing::Run(git2 + "rev-parse HEAD", &h) == 0);
    return h.substr(0, 40);
  }();
  REQUIRE(testing::Run(git2 + "update-ref refs/heads/master $(" + git2 +
                           "rev-list --reverse HEAD | sed -n 213p)",
                       &out) == 0);
  const Model late = Load(inbox);
  REQUIRE(testing::Run(git2 + "update-ref refs/heads/master " + head2, &out) == 0);
  // Of the 4 weeks, two keep their files and two change.
  const auto late_digests = DigestFiles(late, site);
  CHECK(late_digests.size() == 4);
  CHECK(Compare(late_digests, whole_digests) == std::make_pair<size_t, size_t>(2, 2));
  CHECK(Compare(SeriesFiles(late, site), whole) == std::make_pair<size_t, size_t>(43, 2));
  CHECK(Compare(ContributorFiles(late, site), whole_people) == std::make_pair<size_t, size_t>(37, 2));

  // The first half: epoch 1 cut at its middle, epoch 2 not there yet.
  const std::string git1 = "git --git-dir='" + inbox + "/git/1.git' ";
  REQUIRE(testing::Run(git1 + "update-ref refs/heads/master $(" + git1 +
                           "rev-list --reverse HEAD | sed -n 147p)",
                       &out) == 0);
  std::filesystem::rename(inbox + "/git/2.git", dir + "/aside-2.git");
  const Model first = Load(inbox);
  const auto half = SeriesFiles(first, site);
  const auto half_people = ContributorFiles(first, site);
  const auto half_digests = DigestFiles(first, site);

  // Of the 26 series of the first half, most are done by its middle; some
  // go on.
  CHECK(half.size() == 26);
  CHECK(Compare(half, whole) == std::make_pair<size_t, size_t>(17, 9));
  // Of its 33 people, 20 write again (or are written about) later.
  CHECK(half_people.size() == 33);
  CHECK(Compare(half_people, whole_people) == std::make_pair<size_t, size_t>(13, 20));

  // Of its 3 weeks, every one changes by the end.
  CHECK(Compare(half_digests, whole_digests) == std::make_pair<size_t, size_t>(0, 3));

  // Anything of the site the views show changes the hash.
  pages::SiteInfo other = site;
  other.base_url = "https://example.org/elsewhere/";
  const pages::DigestIds digests = pages::DigestIdsOf(first.digests);
  CHECK_FALSE(pages::SeriesInputs(first.archive, 0, site, digests) ==
              pages::SeriesInputs(first.archive, 0, other, digests));
  const model::PersonStats stats = model::ComputePeopleStats(first.archive).front();
  other = site;
  other.organisations["arm.com"] = "ARM Ltd";
  CHECK_FALSE(pages::ContributorInputs(first.archive, stats, site) ==
              pages::ContributorInputs(first.archive, stats, other));
}

}  // namespace
}  // namespace listdigest
