// Reading a public-inbox archive: a v2 inbox folder (git/0.git, git/1.git, …)
// or one git repository (a v1 inbox, or a single v2 epoch).
#pragma once

#include <cstdint>
#include <memory>
#include <functional>
#include <string>
#include <vector>

namespace listdigest::archive {

/// What one commit of an inbox holds.
enum class CommitKind {
  kMessage,   // a v2 `m` blob, or the file a v1 commit added
  kDeletion,  // a v2 `d` blob or a v1 file removal: that message leaves the archive
  kOther,     // anything else (an empty tree, a merge); kept only for ranges
};

/// One commit of the archive, in archive order: epochs in numeric order, each
/// oldest first. Plain value; `blob` is the 40-hex id of the message blob.
struct Commit {
  int epoch = 0;
  std::string id;     // 40 hex
  int64_t time = 0;   // committer time, seconds since 1970 (UTC)
  CommitKind kind = CommitKind::kOther;
  std::string blob;   // 40 hex; empty for kOther
  bool deleted = false;  // a kMessage whose blob a later kDeletion removed
};

/// A range of the archive: the positions (indices into Inbox::commits()) of
/// its message commits, in archive order, and the commits that bound it.
struct Range {
  std::vector<size_t> messages;
  std::string from;  // 40 hex; for an explicit range the excluded commit
  std::string to;    // 40 hex
};

/// One epoch as an earlier Open listed it (site/cache.h keeps it between
/// builds). Given back to Open, the epoch's commits up to the last one here
/// are taken from it and only the commits after it are read from git, when
/// the history is one line of commits that still passes through that last
/// one; else (a rewritten or merged history) the epoch is listed from
/// scratch.
struct EpochListing {
  std::string path;             // the epoch's repository, as Open found it
  bool linear = false;          // one line of commits from HEAD: each has at most one parent
  std::vector<Commit> commits;  // in commits() order; `deleted` is not used
};

class InboxImpl;

/// An opened inbox. Move-only; owns one libgit2 repository per epoch.
class Inbox {
 public:
  Inbox();
  ~Inbox();
  Inbox(Inbox&&) noexcept;
  Inbox& operator=(Inbox&&) noexcept;
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  /// Opens `path` and lists its commits. On failure returns false and sets
  /// `err` to a sentence naming the path or commit and what to do.
  static bool Open(const std::string& path, Inbox* inbox, std::string* err);
  /// The same, taking what `known` (from Listings() of an earlier Open)
  /// says of each epoch instead of reading it again. The result is the
  /// same as without it.
  static bool Open(const std::string& path, const std::vector<EpochListing>& known, Inbox* inbox,
                   std::string* err);

  /// What this Open listed, per epoch, for a later Open.
  std::vector<EpochListing> Listings() const;
  /// Calls `fn(path, linear, first, count)` for each epoch, with its commits
  /// in place (Listings copies them).
  void ForEachEpoch(const std::function<void(const std::string& path, bool linear,
                                             const Commit* first, size_t count)>& fn) const;

  const std::string& path() const;
  int epochs() const;
  const std::vector<Commit>& commits() const;

  /// Resolves a commit id prefix or a ref name to a position in commits().
  /// A ref is looked up from the newest epoch down.
  bool Resolve(const std::string& spec, size_t* position, std::string* err) const;

  /// The message commits of `git rev-list from..to` (from excluded), which
  /// may span epochs. Fails on unknown, ambiguous or reversed ends.
  bool ResolveRange(const std::string& from, const std::string& to, Range* range,
                    std::string* err) const;

  /// Reads the raw bytes of the blob of commits()[position]. Thread-safe:
  /// each thread reads through repositories of its own.
  bool ReadBlob(size_t position, std::string* bytes, std::string* err) const;

 private:
  std::unique_ptr<InboxImpl> impl_;
};

}  // namespace listdigest::archive
