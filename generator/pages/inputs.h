// Hashes of what pages are made from, for an incremental build to tell
// which pages need making without making their views: each *Inputs
// function feeds everything its views read, and two models with the same
// hash give the same files. Model records go in by content, never by index
// (indices shift whenever the archive grows); a message's text and facts go
// in as its commit id, which fixes them.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/archive.h"
#include "model/content_hash.h"
#include "pages/views.h"

namespace listdigest::pages {

class InputHasher {
 public:
  void Text(std::string_view text) { h_.UpdateField(text); }
  void Number(int64_t n);
  /// Name, address, slug and every address.
  void Person(const model::Person& person);
  /// Every field of the site the views show.
  void Site(const SiteInfo& site);
  model::Hash128 Finish() const { return h_.Finish(); }

 private:
  model::Hasher h_;
};

}  // namespace listdigest::pages
