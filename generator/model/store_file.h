// What the build cache's stores (model/facts_store.h, search/term_cache.h)
// share so that neither holds its file in memory: the bytes they load,
// mapped from the file; a spill file for the records a build adds, and a
// writer that streams a store's file, hashing it as it goes. A clean build of 500,000 messages adds about 800 MB of
// facts; they wait on disk, and saving copies them from there.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "model/content_hash.h"

namespace listdigest::model {

/// What a build writes of a store (model/facts_store.h, search/term_cache.h):
/// nothing, its delta file (what it added, beside the whole file) or the
/// whole file (the delta file is then removed).
enum class StorePlan { kNothing, kDelta, kWhole };

/// Receives a file's bytes in order, in pieces. Returns false, with `err`
/// naming the file and what to do, when it cannot take them.
using ByteSink = std::function<bool(std::string_view bytes, std::string* err)>;

/// A store's file and its delta file, one after the other in memory, as
/// the stores parse them and the model's texts view them. The whole file
/// is mapped: its pages are the page cache's, neither zeroed nor copied,
/// and Release gives them back (they are read again from the page cache
/// when viewed again). The delta, small, is copied after it. The files are
/// replaced by rename, never rewritten in place, so the mapping stays
/// sound while a later build saves. Made from a string (tests), the same
/// without a mapping.
class LoadedBytes {
 public:
  LoadedBytes() = default;
  LoadedBytes(std::string bytes);  // NOLINT: implicit, stores are parsed from strings in tests
  LoadedBytes(const char* bytes) : LoadedBytes(std::string(bytes)) {}  // NOLINT: the same
  ~LoadedBytes();
  LoadedBytes(LoadedBytes&& other) noexcept;
  LoadedBytes& operator=(LoadedBytes&& other) noexcept;
  LoadedBytes(const LoadedBytes&) = delete;
  LoadedBytes& operator=(const LoadedBytes&) = delete;

  /// The file at `path` followed by the one at `delta_path` when it can be
  /// read whole (else nothing of it); `whole` is the first file's size.
  /// False when the first file cannot be read.
  static bool Load(const std::string& path, const std::string& delta_path, LoadedBytes* out,
                   size_t* whole);

  std::string_view view() const { return {data_, size_}; }
  size_t size() const { return size_; }
  /// Drops the bytes from `size` on (a delta the store does not take).
  void Truncate(size_t size);
  /// The mapped pages leave the process's memory until viewed again.
  void Release() const;

 private:
  void Unmap();
  std::string owned_;         // without a mapping
  char* map_ = nullptr;       // the whole mapping: the file's pages, then the delta's
  size_t map_bytes_ = 0;
  size_t file_pages_ = 0;     // bytes of the mapping that are the file's whole pages only
  const char* data_ = nullptr;
  size_t size_ = 0;
};

/// "<path>: cannot write: <reason>; <what to do>", the advice following
/// `error` (an errno): free space when the disk is full, else a writable
/// cache_dir.
std::string CannotWrite(const std::string& path, int error);

/// A sink that writes each piece at once to the open file `fd`, named
/// `path` in its errors (CannotWrite's).
ByteSink FileSink(int fd, std::string path);

/// Bytes appended during a build and read back by offset. With a path they
/// go to that file through a 1 MB buffer, so memory stays small whatever
/// was added; without one (stores made by tests) they stay in memory.
class SpillFile {
 public:
  SpillFile() = default;
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;
  /// Removes the file.
  ~SpillFile();

  /// Bytes appended from now on go to the file at `path`, created (with its
  /// folder) by the next Append and removed by Clear and the destructor.
  /// Call while the spill is empty. "" (the default): memory.
  void SetPath(std::string path);
  const std::string& path() const { return path_; }

  /// Appends `bytes` at offset size(). False, with error() set, when the
  /// file cannot be created or written; the spill is then unusable (every
  /// later call fails) until Clear.
  bool Append(std::string_view bytes);
  size_t size() const { return flushed_ + buffer_.size(); }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  /// Sets `out` to the `n` bytes at `offset`; false when they cannot be
  /// read. Thread-safe with other Read and CopyTo calls, not with Append.
  bool Read(size_t offset, size_t n, std::string* out) const;
  /// Hands every byte to `sink`, in order, in pieces of at most 1 MB.
  /// False, with `err` set, when the spill failed, reading back fails or
  /// `sink` refuses.
  bool CopyTo(const ByteSink& sink, std::string* err) const;

  /// Forgets every byte and removes the file; the path stays.
  void Clear();

 private:
  bool Flush();

  std::string path_;
  int fd_ = -1;         // open from the first Append with a path
  size_t flushed_ = 0;  // bytes in the file
  std::string buffer_;  // bytes after them (all of them without a path)
  std::string error_;
};

/// Streams a store's file to a ByteSink in pieces of about 256 KB, hashing
/// every byte: the stores' files end with the Hash128 of all bytes before
/// it. Small pieces are gathered; large ones (runs of records of the loaded
/// file, spill chunks) pass without a copy.
class HashingWriter {
 public:
  /// `sink` and `err` must outlive the writer; `err` is set when `sink`
  /// refuses bytes.
  HashingWriter(const ByteSink& sink, std::string* err) : sink_(sink), err_(err) {}

  /// Does nothing once the sink refused bytes (ok() is false then).
  void Put(std::string_view bytes);
  bool ok() const { return ok_; }
  /// Passes on what is gathered, then the 16 bytes of the hash (lo, hi,
  /// little-endian). False when the sink refused any bytes.
  bool Finish();

 private:
  void Flush();
  void Pass(std::string_view bytes);

  const ByteSink& sink_;
  std::string* err_;
  Hasher hasher_;
  std::string pending_;
  bool ok_ = true;
};

}  // namespace listdigest::model
