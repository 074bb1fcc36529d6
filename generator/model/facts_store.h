// The build cache's store of message facts: one file mapping a message
// blob's id to its MessageFacts (model/facts_io.h), so a later build reads
// and parses only the messages it has not seen. Facts depend only on a
// blob's bytes (and on the generator), so a record is valid whatever
// commit, epoch or position holds the blob, also after a history rewrite.
//
// Records added by a build wait in a spill file (model/store_file.h), not
// in memory, and Write streams the file; memory holds the previous file as
// loaded and an index of every record.
//
// A build that adds a few records does not rewrite the whole file: they go
// to a delta file beside it (WriteDelta), which names the file it extends
// by that file's checksum. Plan says which of the two a build writes: the
// whole file when the delta would grow past a quarter of it or an eighth
// of its records are no longer used (messages that left the archive).
//
// File layout (all integers little-endian; format 1):
//   "LDFACTS\n"                     8 bytes
//   u32 store format (1), u32 kFactsFormat
//   varint length + bytes           the generator's identity (site/cache.h)
//   u64 record count
//   records: 20 bytes (the blob id), varint length, EncodeFacts bytes
//   16 bytes                        Hash128 of everything before it
// Delta layout: the same, with "LDFACTD\n" for the magic and, after the
// identity, the 16 bytes of the whole file's trailing Hash128.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "model/archive.h"
#include "model/store_file.h"

namespace listdigest::model {

class FactsStore : public FactsCache {
 public:
  FactsStore() = default;
  FactsStore(const FactsStore&) = delete;
  FactsStore& operator=(const FactsStore&) = delete;

  /// Records added from now on wait in the file at `path` (the build
  /// cache's folder; created on the first Add, removed by Clear and the
  /// destructor). Without it they stay in memory. Call before any Add.
  void SetSpillFile(std::string path) { added_.SetPath(std::move(path)); }
  const std::string& spill_file() const { return added_.path(); }

  /// Takes the bytes of a file that Write wrote with the same `identity`,
  /// in place of anything the store held. When they are cut, corrupt or
  /// from another identity or format, returns false with `why` set to a few
  /// words ("corrupt", "from another listdigest build"), and the store
  /// stays empty and usable.
  bool Parse(LoadedBytes bytes, const std::string& identity, std::string* why) {
    return Parse(std::move(bytes), std::string::npos, identity, why, nullptr);
  }
  /// The same for the whole file's bytes followed by a delta file's (from
  /// `whole` on; npos: no delta). A delta of another whole file (one that
  /// a later build replaced) is dropped without a word; a corrupt one is
  /// dropped with `delta_why` set, its records then absent. Either way
  /// Plan then writes a new one.
  bool Parse(LoadedBytes bytes, size_t whole, const std::string& identity, std::string* why,
             std::string* delta_why);

  /// Thread-safe with other Find calls and with Add. Decodes the blob's record; a record
  /// that does not decode (or cannot be read back from the spill file) is
  /// treated as absent (its message is parsed again).
  bool Find(const std::string& blob, MessageFacts* facts) const override;
  /// Find among the records Parse took only (not those added since).
  bool FindLoaded(const std::string& blob, MessageFacts* facts) const override;
  /// The same with the texts as views into loaded_bytes().
  bool FindLoaded(const std::string& blob, MessageFacts* facts, TextViews* texts) const override;
  /// The file as parsed; it stays alive with whoever holds it after Clear.
  std::shared_ptr<const LoadedBytes> loaded_bytes() const override { return data_; }
  /// The loaded file's pages leave the process's memory until read again
  /// (LoadedBytes::Release): once the model holds the facts, only the texts
  /// a page shows are read again. Thread-safe.
  void ReleaseLoaded() const {
    if (data_) data_->Release();
  }
  /// Not thread-safe. A blob already stored is left as it is. When the
  /// spill file cannot be written the record is dropped, and Write says why.
  void Add(const std::string& blob, const MessageFacts& facts) override;

  /// Whether Write would give other bytes than Parse took: a record was
  /// added (or failed to be), or one was not found by this build.
  bool Changed() const;

  /// What a build writes: nothing (no record added, none gone), the delta
  /// file (WriteDelta) or the whole file (Write).
  using Plan = StorePlan;
  Plan SavePlan() const;
  /// Streams the delta file: the records of the loaded delta found by this
  /// build, then those added, extending the whole file Parse took. Only
  /// when a whole file was parsed.
  bool WriteDelta(const std::string& identity, const ByteSink& sink, std::string* err) const;
  /// Streams the file to `sink`: the records found or added since Parse,
  /// those of messages that left the archive dropped; `identity` as for
  /// Parse. Neither the loaded records nor the added ones are copied in
  /// memory on the way. False, with `err` set, when the spill file failed
  /// or `sink` refused bytes.
  bool Write(const std::string& identity, const ByteSink& sink, std::string* err) const;

  /// Empties the store: frees the loaded file and the index and removes
  /// the spill file (its path stays).
  void Clear();

  size_t loaded() const { return old_count_; }
  /// Of them, those of the delta file.
  size_t loaded_delta() const { return old_count_ - whole_count_; }
  size_t added() const { return new_count_; }

 private:
  struct Key {
    uint64_t a = 0, b = 0;
    uint32_t c = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.a ^ (k.b * 0x9e3779b97f4a7c15ull) ^ k.c; }
  };
  struct Span {
    size_t record = 0;  // offset of the record (its key) in data_ or added_
    size_t payload = 0;
    size_t size = 0;
    bool added = false;
    size_t index = 0;   // for `used_`
  };
  static bool ParseKey(const std::string& hex, Key* key);
  bool Look(const std::string& blob, MessageFacts* facts, bool added_too,
            TextViews* texts = nullptr) const;
  std::string_view data() const { return data_ ? data_->view() : std::string_view(); }
  // Indexes the records of data()[from, end), numbered from old_count_ on;
  // false, with `why`, when they do not decode or are not `count`.
  bool IndexRecords(std::string_view body, size_t from, uint64_t count, std::string* why);
  // Streams a file: `magic`, the header (with the checksum of the whole
  // file it `extends`, for a delta), the used loaded records numbered from
  // `from` on, the added ones.
  bool Stream(const char* magic, const std::string& identity, const Hash128* extends,
              size_t from, const ByteSink& sink, std::string* err) const;
  // Streams the used loaded records numbered [from, to) in file order.
  void PutLoaded(size_t from, size_t to, HashingWriter* out) const;

  std::shared_ptr<const LoadedBytes> data_;  // the file as parsed
  SpillFile added_;   // records added since, in the file's record form
  std::unordered_map<Key, Span, KeyHash> index_;
  std::unique_ptr<std::atomic<bool>[]> used_;  // per loaded record: found by this build
  size_t old_count_ = 0;
  size_t whole_count_ = 0;    // of old_count_, those of the whole file (numbered first)
  size_t whole_bytes_ = 0;    // its size
  Hash128 whole_hash_;        // its trailing checksum
  bool have_whole_ = false;
  bool delta_dropped_ = false;  // a delta file was there but not taken
  size_t new_count_ = 0;
  std::string payload_;  // Add's scratch
  // Find and FindLoaded share it; Add holds it alone (it may run while
  // other threads look records up).
  mutable std::shared_mutex mutex_;
};

}  // namespace listdigest::model
