// Reading a public-inbox archive: a v2 inbox folder (git/0.git, git/1.git, …)
// or one git repository (a v1 inbox, or a single v2 epoch).
#pragma once

#include <cstdint>
#include <memory>
#include <functional>
#include <algorithm>
#include <array>
#include <string_view>
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
/// An object id of 40 hex digits, held in place as its 20 bytes (an
/// archive lists a million commits with two ids each; as strings each
/// would be a heap allocation, as text 40 bytes), or empty. Assigning
/// anything but 40 hex digits (either case) leaves it empty. Reads like a
/// const std::string of lower-case hex.
class Hex40 {
 public:
  /// The hex digits, NUL-terminated, for a view that lives as long as it.
  struct Text {
    std::array<char, 41> chars{};
    uint8_t size = 0;
    std::string_view view() const { return {chars.data(), size}; }
    const char* c_str() const { return chars.data(); }
  };

  Hex40() = default;
  Hex40(std::string_view hex) { *this = hex; }  // NOLINT: ids convert both ways
  Hex40& operator=(std::string_view hex);
  /// From the 20 bytes of a git_oid.
  static Hex40 FromRaw(const unsigned char* raw) {
    Hex40 h;
    std::copy_n(raw, h.raw_.size(), h.raw_.begin());
    h.set_ = true;
    return h;
  }
  bool empty() const { return !set_; }
  size_t size() const { return set_ ? 40 : 0; }
  /// The 20 bytes (meaningless when empty).
  const unsigned char* raw() const { return raw_.data(); }
  /// The 20 bytes as characters (none when empty): a key to hash.
  std::string_view key() const {
    return {reinterpret_cast<const char*>(raw_.data()), set_ ? raw_.size() : 0};
  }
  Text text() const;
  std::string str() const { return std::string(text().view()); }
  std::string substr(size_t pos, size_t n = std::string::npos) const { return str().substr(pos, n); }
  operator std::string() const { return str(); }  // NOLINT
  bool operator==(const Hex40& o) const { return set_ == o.set_ && raw_ == o.raw_; }
  bool operator==(std::string_view o) const { return text().view() == o; }

 private:
  std::array<unsigned char, 20> raw_{};
  bool set_ = false;
};

inline std::string operator+(const std::string& a, const Hex40& b) { return a + b.str(); }
inline std::string operator+(const Hex40& a, const std::string& b) { return a.str() + b; }
inline std::string operator+(const char* a, const Hex40& b) { return a + b.str(); }
inline std::string operator+(const Hex40& a, const char* b) { return a.str() + b; }

struct Commit {
  int epoch = 0;
  CommitKind kind = CommitKind::kOther;
  int64_t time = 0;   // committer time, seconds since 1970 (UTC)
  Hex40 id;
  Hex40 blob;         // empty for kOther
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

  /// Reads the raw bytes of the blob of commits()[position]. Thread-safe,
  /// but threads that read at once wait for each other: a thread that
  /// reads many blobs reads them through a BlobReader of its own.
  bool ReadBlob(size_t position, std::string* bytes, std::string* err) const;

  /// Closes the epochs' repositories; ReadBlob and Resolve open them again
  /// when asked. libgit2 shares a pack among all repositories open on it,
  /// with a cache of up to 16 MB of delta bases, until the last of them
  /// closes: with the Inbox's own closed, an epoch's pack goes when the
  /// BlobReaders move on to the next epoch, not when the build ends (100
  /// MB for the ten epochs of a million messages). Not while a BlobReader
  /// or ReadBlob is reading.
  void ReleaseCaches() const;

 private:
  friend class BlobReader;
  std::unique_ptr<InboxImpl> impl_;
};

/// Reads the blobs of an Inbox through repositories of its own, opened on
/// first use. libgit2 reads a repository's packs under a lock: two threads
/// that shared one read slower than one thread alone, two with one each
/// twice as fast. One per thread; the Inbox must outlive it.
class BlobReader {
 public:
  explicit BlobReader(const Inbox& inbox);
  ~BlobReader();
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;

  /// What Inbox::ReadBlob reads.
  bool Read(size_t position, std::string* bytes, std::string* err);

 private:
  struct Repositories;
  const Inbox& inbox_;
  std::unique_ptr<Repositories> own_;
};

}  // namespace listdigest::archive
