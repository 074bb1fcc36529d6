// The build cache (cache_dir, default .listdigest-cache/ beside the config):
// what a later build of the same archive reuses so that it reads only what
// is new. Three files, each rewritten whole (temporary file and rename) when
// it changed, each with the generator's identity and a checksum:
//   commits.bin  the archive's path and, per epoch, the commits listed
//                (archive::EpochListing): a later build lists only the
//                commits after them
//   facts.bin    the facts of every message, by blob id (model/facts_store.h);
//                a build that adds a few writes them to facts.delta beside it
//   terms.bin    the search terms of every search document, by a hash of its
//                text (search/term_cache.h), and terms.delta in the same way
// Records a build adds to the facts and terms wait in spill files beside
// them (facts.bin.tmp-<pid>-added) until Save streams them into the new
// files, so a build of any size holds neither store's additions in memory.
// Everything in it is checked or content-addressed, so a cache can make a
// build faster but never different: a cache that is missing, corrupt, from
// another listdigest build or from another archive is ignored (with a
// one-line notice) and written anew.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "archive/inbox.h"
#include "model/content_hash.h"
#include "model/facts_store.h"
#include "search/term_cache.h"

namespace listdigest::site {

/// Names the generator exactly: its version, the cache formats and a hash of
/// the running executable, so a rebuilt listdigest never trusts facts an
/// older parser produced. Computed once.
const std::string& GeneratorIdentity();

class BuildCache {
 public:
  BuildCache() = default;
  ~BuildCache();
  BuildCache(const BuildCache&) = delete;
  BuildCache& operator=(const BuildCache&) = delete;

  /// Reads the cache in `dir` for the archive at `archive_path` (unless
  /// `read` is false: --clean, which starts empty but saves as usual). Never
  /// fails: what is missing or unusable starts empty, and `notice` is set to
  /// one line saying so (empty when the whole cache was used). commits.bin
  /// is read at once; facts.bin and terms.bin on two threads, waited for by
  /// facts() and terms(), which find out whether they were sound.
  void Load(const std::string& dir, const std::string& archive_path, bool read,
            std::string* notice);

  /// For archive::Inbox::Open.
  const std::vector<archive::EpochListing>& known_epochs() const { return known_; }
  /// Each waits until its file is loaded.
  model::FactsStore* facts();
  search::TermCache* terms();
  /// The notices facts() and terms() found (a damaged facts.bin or
  /// terms.bin), each once; at most one notice in all with Load's.
  std::vector<std::string> TakeNotices();

  /// After Inbox::Open: one line per epoch whose history was rewritten since
  /// the cache was written (its last commit read is no longer in it: a
  /// purge or a force push), which was therefore listed again.
  std::vector<std::string> RewrittenEpochs(const archive::Inbox& inbox) const;

  /// Writes the files whose content changed, streaming facts.bin and
  /// terms.bin from the stores. On failure sets `err` (the file and what to
  /// do); the site is not affected, only the next build is slower. Call
  /// once, at the end of a build: afterwards the stores are empty, their
  /// spill files (records this build added) removed.
  bool Save(const archive::Inbox& inbox, std::string* err);
  /// Starts saving commits.bin and facts.bin on a thread, for Save to wait
  /// for: call once every message is read (the facts store is complete)
  /// and `inbox` stays as it is until Save.
  void StartSavingFacts(const archive::Inbox& inbox);

 private:
  bool PrepareFolder(std::string* err);
  bool SaveModelFiles(const archive::Inbox& inbox, std::string* err);
  bool SaveTerms(std::string* err);
  void Late(std::string notice);
  void JoinLoaders();

  std::string dir_;
  std::string archive_;  // the archive's absolute path
  std::vector<archive::EpochListing> known_;
  model::Hash128 commits_hash_;  // of commits.bin as read, to write it only when it changed
  model::FactsStore facts_;
  search::TermCache terms_;
  // The loaders and what they found; read once joined.
  std::thread facts_loader_, terms_loader_;
  bool facts_ok_ = false, have_terms_ = false, terms_ok_ = false;
  std::string facts_why_, facts_delta_why_, terms_why_, terms_delta_why_;
  bool noticed_ = false;
  std::vector<std::string> late_notices_;
  // StartSavingFacts' thread and what it did.
  std::thread facts_saver_;
  bool facts_saved_ = false, facts_save_ok_ = false;
  std::string facts_save_err_;
};

}  // namespace listdigest::site
