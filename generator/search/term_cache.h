// The terms of the documents an earlier build indexed, so that BuildIndex
// tokenizes only documents it has not seen (site/cache.h keeps this between
// builds as terms.bin). A document is known by a hash of the text that is
// tokenized (title, body, author terms, series title, state); what it
// yields is a function of that text alone, so a record is valid for the
// document whatever its number or neighbours.
//
// Records added by a build wait in a spill file (model/store_file.h), not
// in memory, and Write streams the file; memory holds the previous file as
// loaded, the dictionary and an index of every record.
//
// As for the facts (model/facts_store.h), a build writes what it added to a
// delta file (WriteDelta) that extends the whole file, until the delta and
// the records of the whole file no longer used come to half its size
// (SavePlan): each build replaces a few batches.
//
// File layout (integers as LEB128 varints unless said otherwise; format 2):
//   "LDTERMS\n", u32 format, varint length + the generator's identity
//   varint count, then each term: varint length + bytes (the dictionary)
//   varint count, then each document: 16 bytes (its key), varint size of
//     the rest of the record, varint title length, varint body length,
//     varint entry count, then each entry:
//     varint term number, varint count, that many varints (the term's hits
//     in the document: BuildIndex's stream, with document number 0)
//   varint count, then each batch of documents: 16 bytes (its key), varint
//     document count, then each document: varint title length, varint body
//     length; then varint length + the batch's packed postings (a run of
//     BuildIndex: terms in order, each with its packed postings)
//   16 bytes: Hash128 of everything before
// Delta layout: "LDTERMD\n", u32 format, the identity as above, 16 bytes
// (the whole file's trailing Hash128), then the dictionary, documents and
// batches as above: its terms are numbered after the whole file's, and its
// records may use both.
#pragma once

#include <atomic>
#include <deque>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/content_hash.h"
#include "model/store_file.h"

namespace listdigest::search {

class TermCache {
 public:
  TermCache() = default;
  TermCache(const TermCache&) = delete;
  TermCache& operator=(const TermCache&) = delete;

  /// Records added from now on wait in the file at `path` (the build
  /// cache's folder; created on the first Add, removed by Clear and the
  /// destructor). Without it they stay in memory. Call before any Add.
  void SetSpillFile(std::string path) {
    added_.SetPath(path);
    added_batches_.SetPath(path + "-batches");
  }
  /// The spill files SetSpillFile named.
  std::vector<std::string> spill_files() const { return {added_.path(), added_batches_.path()}; }

  /// Takes a file Write wrote with the same `identity`, in place of
  /// anything the cache held; false, with `why`, when it is cut, corrupt or
  /// from another identity (the cache then stays empty and usable).
  bool Parse(model::LoadedBytes file, const std::string& identity, std::string* why) {
    return Parse(std::move(file), std::string::npos, identity, why, nullptr);
  }
  /// The same for the whole file's bytes followed by a delta file's (from
  /// `whole` on; npos: no delta). A delta of another whole file is dropped
  /// without a word, a damaged one with `delta_why` set; SavePlan then
  /// writes a new one.
  bool Parse(model::LoadedBytes file, size_t whole, const std::string& identity, std::string* why,
             std::string* delta_why);

  /// Calls `hit(term number, term, stream)` for every term of the document
  /// with `key` and sets its lengths; false when the document is unknown (or
  /// its record does not decode or cannot be read back from the spill
  /// file). Thread-safe with other Find calls.
  bool Find(const model::Hash128& key, uint32_t* title, uint32_t* body,
            const std::function<void(uint32_t, std::string_view, const std::vector<uint32_t>&)>&
                hit) const;
  /// The loaded file's pages leave the process's memory until read again
  /// (model::LoadedBytes::Release): when the index is built, only Save
  /// reads them again.
  void ReleaseLoaded() const { data_.Release(); }
  /// Terms in the dictionary: term numbers given to Find's callback are
  /// below this.
  size_t terms() const { return dictionary_.size(); }

  /// A document indexed now: its terms and streams. Not thread-safe. A
  /// document already stored is left as it is. When the spill file cannot
  /// be written the record is dropped, and Write says why.
  void Add(const model::Hash128& key, uint32_t title, uint32_t body,
           const std::vector<std::pair<std::string, std::vector<uint32_t>>>& entries);

  /// A batch of documents BuildIndex indexed whole, known by `key` (a hash
  /// of its documents' keys and places): the title and body length of each
  /// of its documents and its packed postings. False when unknown or
  /// unreadable. Thread-safe with Find and FindBatch.
  bool FindBatch(const model::Hash128& key, std::vector<std::pair<uint32_t, uint32_t>>* lengths,
                 std::string* run) const;
  /// Marks a batch as still in use (Write keeps it) without reading it;
  /// false when unknown. Thread-safe with Find and FindBatch.
  bool KeepBatch(const model::Hash128& key) const;
  /// A segment of the index (search/index.h) BuildIndex made, known by a
  /// hash of its batches: `table` is what the manifest says of it. Kept as
  /// a batch of no documents whose run is the table.
  bool FindSegment(const model::Hash128& key, std::string* table) const {
    std::vector<std::pair<uint32_t, uint32_t>> none;
    return FindBatch(key, &none, table) && none.empty();
  }
  /// Adds the segment, or marks it as still in use when known.
  void AddSegment(const model::Hash128& key, std::string_view table) {
    if (!KeepBatch(key)) AddBatch(key, {}, table);
  }
  /// Marks a document's record as still in use (Write keeps it) without
  /// reading it: for the documents of a batch FindBatch found. Thread-safe
  /// with Find and FindBatch.
  void Keep(const model::Hash128& key) const;
  /// A batch indexed now. Not thread-safe. As for Add, a batch already
  /// stored is left as it is, and one that cannot be spilled is dropped.
  void AddBatch(const model::Hash128& key, const std::vector<std::pair<uint32_t, uint32_t>>& lengths,
                std::string_view run);

  /// Whether Write would write other bytes than Parse took.
  bool Changed() const;
  /// What a build writes: nothing, the delta file or the whole file.
  using Plan = model::StorePlan;
  Plan SavePlan() const;
  /// Streams the delta file: the terms, documents and batches of the
  /// loaded delta still in use, then those added. Only when a whole file
  /// was parsed.
  bool WriteDelta(const std::string& identity, const model::ByteSink& sink,
                  std::string* err) const;
  /// Loaded documents, and of them those of the delta file.
  size_t loaded() const { return parsed_; }
  size_t loaded_delta() const { return parsed_ - whole_docs_; }
  /// Streams the file to `sink`: the documents found or added since Parse
  /// (others are dropped). Neither the loaded records nor the added ones
  /// are copied in memory on the way. False, with `err` set, when the
  /// spill file failed or `sink` refused bytes.
  bool Write(const std::string& identity, const model::ByteSink& sink, std::string* err) const;

  /// Empties the cache: frees the loaded file, the dictionary and the
  /// index and removes the spill file (its path stays).
  void Clear();

 private:
  struct Record {
    size_t offset = 0;  // of its key, in data_ (parsed) or added_
    size_t size = 0;    // key included
    bool added = false;
    size_t index = 0;   // for used_
  };
  struct KeyHash {
    size_t operator()(const model::Hash128& k) const { return k.lo ^ (k.hi * 0x9e3779b97f4a7c15ull); }
  };
  uint32_t TermNumber(const std::string& term);
  bool Stream(bool delta, const std::string& identity, const model::ByteSink& sink,
              std::string* err) const;

  model::LoadedBytes data_;
  model::SpillFile added_;
  std::vector<std::string_view> dictionary_;  // into data_, or into new_terms_
  std::deque<std::string> new_terms_;
  std::unordered_map<std::string_view, uint32_t> term_numbers_;  // filled on the first Add
  std::unordered_map<model::Hash128, Record, KeyHash> records_;
  std::unique_ptr<std::atomic<bool>[]> used_;
  // Batches, the same way: loaded ones in data_, added ones in their own
  // spill file (Write puts them after the documents).
  model::SpillFile added_batches_;
  std::unordered_map<model::Hash128, Record, KeyHash> batches_;
  std::unique_ptr<std::atomic<bool>[]> batch_used_;
  size_t parsed_batches_ = 0;
  size_t added_batch_count_ = 0;
  size_t parsed_ = 0;
  size_t parsed_terms_ = 0;
  size_t added_count_ = 0;
  std::string record_;  // Add's scratch
  // The whole file Parse took (numbered first; a delta's after it).
  bool have_whole_ = false;
  bool delta_dropped_ = false;  // a delta file was there but not taken
  size_t whole_bytes_ = 0, whole_terms_ = 0, whole_docs_ = 0, whole_batches_ = 0;
  model::Hash128 whole_hash_;
};

}  // namespace listdigest::search
