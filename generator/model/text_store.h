// The long texts of the model (cover letters, patch descriptions, patch
// notes) kept in an unlinked temporary file instead of on the heap: an
// archive of a million messages holds half a gigabyte of them, and only the
// pages that show them read them back, one at a time. The file lives in the
// page cache, which the kernel may drop, and goes away with the process,
// also when the build is killed.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "model/store_file.h"

namespace listdigest::model {

/// Where a text is in a TextStore. Empty (size 0) for an empty text.
struct TextRef {
  uint64_t offset = 0;
  uint32_t size = 0;
  bool in_memory = false;  // kept in memory: the file could not be written
  bool external = false;   // in the bytes given to SetExternal, at `offset`
};

class TextStore {
 public:
  /// Opens the temporary file (in TMPDIR); when that fails, texts stay in
  /// memory.
  TextStore();
  ~TextStore();
  TextStore(const TextStore&) = delete;
  TextStore& operator=(const TextStore&) = delete;

  /// Thread-safe. Texts of 4 GB or more are cut (none comes near: an
  /// excerpt is cut at 64 KB).
  TextRef Add(std::string_view text);
  /// Thread-safe. "" for an empty ref.
  std::string Get(TextRef ref) const;

  /// Bytes that hold texts already (a build cache's loaded facts), kept
  /// alive with the store; Get gives their pages back from time to time.
  /// Call before Refer.
  void SetExternal(std::shared_ptr<const LoadedBytes> bytes) { external_ = std::move(bytes); }
  /// Thread-safe. A text that is a part of the external bytes is referred
  /// to where it is, not copied; any other is added.
  TextRef Refer(std::string_view text);

  /// Bytes in the file (for the build's summary and tests).
  uint64_t file_bytes() const { return end_.load(); }

 private:
  TextRef AddInMemory(std::string_view text);

  int fd_ = -1;
  std::atomic<uint64_t> end_{0};
  mutable std::mutex memory_mutex_;
  std::deque<std::string> memory_;  // when the file cannot be written
  std::shared_ptr<const LoadedBytes> external_;
  // Pages of the external bytes read since they were last released: every
  // 64 MB they are released again, so that the texts pages show do not
  // bring the whole file back into memory (LoadedBytes::Release).
  mutable std::atomic<uint64_t> external_read_{0};
};

}  // namespace listdigest::model
