// What listdigest keeps about an output folder, so that a build removes the
// files that no longer belong to the site, and only those, even after a
// build was killed halfway:
//
//   site/.listdigest-manifest          every file the last complete build
//                                      wrote: "<content hash> <size> <path>"
//                                      lines, sorted, then a checksum line.
//                                      Depends only on the files' bytes, so
//                                      equal sites have equal manifests.
//   site/.listdigest-manifest.pending  while a build runs: each file it
//                                      creates that the manifest does not
//                                      list, appended before the file is
//                                      made. A killed build leaves it; the
//                                      next build counts its files as ours.
//
// and, in the build cache (not in the site, so that equal sites stay
// byte-identical), the state of the folder after that build
// (OutputState): size, mtime and input hash of each file, for the no-op
// check and for skipping pages whose inputs did not change.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/content_hash.h"

namespace listdigest::site {

inline constexpr char kManifestName[] = ".listdigest-manifest";
inline constexpr char kPendingName[] = ".listdigest-manifest.pending";
/// Temporary files of the writer: renamed into place, so a killed build
/// leaves no part-written file in the site itself.
inline constexpr char kTempDirName[] = ".listdigest-tmp";

/// A path the writer may touch: relative, "/"-separated, no empty, "." or
/// ".." component, no NUL or newline, not one of listdigest's own files.
bool IsSafeOutputPath(const std::string& path);

struct ManifestEntry {
  model::Hash128 content;
  uint64_t size = 0;
  bool operator==(const ManifestEntry&) const = default;
};
using Manifest = std::map<std::string, ManifestEntry>;  // by path

/// Reads out_dir's manifest. False, with `why`, when it is missing ("no
/// manifest") or unreadable (then no file can be known to be ours).
bool ReadManifest(const std::string& out_dir, Manifest* manifest, std::string* why);
/// Replaces it atomically.
bool WriteManifest(const std::string& out_dir, const Manifest& manifest, std::string* err);
/// The hash of the bytes WriteManifest writes.
model::Hash128 ManifestHash(const Manifest& manifest);

/// The paths in out_dir's pending list (the valid ones); empty when none.
std::vector<std::string> ReadPending(const std::string& out_dir);

/// Holds an exclusive lock on an output folder (flock on the folder
/// itself, released when the process ends, however it ends). Move-only.
class OutputLock {
 public:
  OutputLock() = default;
  ~OutputLock();
  OutputLock(OutputLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  OutputLock& operator=(OutputLock&&) = delete;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  /// Locks `out_dir` (which must exist) without waiting. When another
  /// build holds it, returns false with `err` saying so and what to do.
  bool Acquire(const std::string& out_dir, std::string* err);
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// One file as the last build left it.
struct FileState {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  model::Hash128 input;  // the hash of what it was rendered from; zero when none
};

/// The state of an output folder after a complete build, kept in the cache.
struct OutputState {
  std::string fingerprint;  // of the build's inputs (site/inputs.h)
  model::Hash128 manifest;  // ManifestHash of the manifest that build wrote
  std::string summary;      // that build's summary as one line of JSON
  std::map<std::string, FileState> files;
};

/// The state file of `out_dir` in `cache_dir` (one per output folder).
std::string OutputStatePath(const std::string& cache_dir, const std::string& out_dir);
bool ReadOutputState(const std::string& path, OutputState* state);
/// The same, but false at once when the state's fingerprint is not
/// `fingerprint`, before the files' lines are parsed.
bool ReadOutputState(const std::string& path, std::string_view fingerprint, OutputState* state);
bool WriteOutputState(const std::string& path, const OutputState& state, std::string* err);

/// Reads a whole file (one read of its size, no stream copies); false when
/// it cannot be opened or read.
bool ReadFileBytes(const std::string& path, std::string* out);
/// The same, appended to `out` (left as it was when the file cannot be read).
bool AppendFileBytes(const std::string& path, std::string* out);

/// Size and modification time of a file; false when it is no regular file.
bool StatFile(const std::string& path, uint64_t* size, int64_t* mtime_ns);
/// The same for `path` relative to the open folder `dir_fd` (AT_FDCWD: the
/// working folder). A site's files are looked up from its folder: resolving
/// the whole path of each of thousands of files was a fifth of the kernel
/// time of a small incremental build.
bool StatFileAt(int dir_fd, const std::string& path, uint64_t* size, int64_t* mtime_ns);

}  // namespace listdigest::site
