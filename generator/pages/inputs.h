// Hashes of what pages are made from, for an incremental build to tell
// which pages need making without making their views: each *Inputs
// function feeds everything its views read, and two models with the same
// hash give the same files. Model records go in by content, never by index
// (indices shift whenever the archive grows); a message's text and facts go
// in as its commit id, which fixes them.
#pragma once

#include <cstdint>
#include <string_view>

#include <vector>

#include "model/archive.h"
#include "model/content_hash.h"
#include "pages/series_views.h"
#include "pages/views.h"

namespace listdigest::pages {

/// Feeds a JSON value to `h` without dumping it: a type tag, then the value
/// (strings by their bytes, numbers by their binary value, containers by
/// size and members). Two values hash alike only when they dump alike.
void HashJson(model::Hasher* h, const nlohmann::json& j);

class InputHasher {
 public:
  void Text(std::string_view text) { h_.UpdateField(text); }
  void Number(int64_t n);
  /// Name, address, slug and every address.
  void Person(const model::Person& person);
  /// Every field of the site the views show.
  void Site(const SiteInfo& site);
  /// A JSON value, by HashJson.
  void Json(const nlohmann::json& j) { HashJson(&h_, j); }
  model::Hash128 Finish() const { return h_.Finish(); }

 private:
  model::Hasher h_;
};

/// Model records by content: a person by InputHasher::Person; a message by
/// its commit, commit time, the digest its commit is in, its author's,
/// sender's and reviewers' records and the commit of the patch (or cover
/// letter) it answers; a version by every field, its messages and people.
class ModelHasher : public InputHasher {
 public:
  ModelHasher(const model::Archive& archive, const DigestIds& digests)
      : a_(archive), digests_(digests) {}

  void PersonAt(int person);
  void MessageAt(int message);
  void Messages(const std::vector<int>& messages);
  void Version(int version);
  /// What a version's anchor and "supersedes" note read of its series: its
  /// id and each version's label and head (position, time).
  void SeriesOf(int version);

 private:
  const model::Archive& a_;
  const DigestIds& digests_;
};

}  // namespace listdigest::pages
