// The only code that touches the output folder. Files are written to a
// temporary name and renamed, and a file whose bytes did not change is left
// alone (same mtime), so publishing uploads only what changed. Files that
// the previous build wrote and this one did not are removed at the end,
// and only those (site/manifest.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/content_hash.h"
#include "site/manifest.h"

namespace listdigest::site {

class Writer {
 public:
  explicit Writer(std::string out_dir) : out_dir_(std::move(out_dir)) {}
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Starts a build, with the output folder locked. `previous`: the files
  /// the folder's manifest and pending list name (the files this build may
  /// remove). `state`: the folder's state after the last build, from the
  /// cache, or nullptr (then every existing file is read to compare it).
  void Begin(Manifest previous, std::set<std::string> pending, const OutputState* state);

  /// Writes `bytes` to `relative` (a path below the output folder, "/"
  /// separated, never ".." or absolute). `input`: the hash of what the bytes
  /// were made from, for KeepIfInputUnchanged; zero when none. Thread-safe.
  bool Write(const std::string& relative, const std::string& bytes, std::string* err,
             const model::Hash128& input = {});

  /// When the last build wrote `relative` from the same non-zero `input` and
  /// the file is as it left it (size and mtime), counts it as unchanged and
  /// returns true: its bytes need not be made again. Thread-safe.
  bool KeepIfInputUnchanged(const std::string& relative, const model::Hash128& input);
  /// The same for files made together: true, with each counted as
  /// unchanged, only when every one of them would be kept.
  bool KeepIfInputsUnchanged(const std::vector<std::pair<std::string, model::Hash128>>& files);

  /// From now on, the files that writes replace are removed on a thread of
  /// their own as they are replaced (else all at once in Finish). Removing a
  /// file costs its disk blocks' release (a discard on this project's VM,
  /// ~0.08 ms a file), and on ext4 without a journal every file created in
  /// the next minute skips over the inodes removed: a build starts this when
  /// it has few files left to create.
  void RemoveReplacedMeanwhile();

  /// After the last Write: removes the previous build's files (and those
  /// of interrupted builds) that were not written this time, and the folders
  /// this left empty; replaces the manifest; fills `state->files` and
  /// `state->manifest`. On failure sets `err`.
  bool Finish(OutputState* state, std::string* err);

  /// Checks, before anything is built, that the output folder can be made
  /// and written: creates it when missing, then creates and removes one
  /// file in it. On failure sets `err` to one line naming the folder, the
  /// reason and what to do; nothing in the folder has changed.
  bool CheckWritable(std::string* err) const;

  size_t written() const { return written_; }
  size_t unchanged() const { return unchanged_; }
  size_t removed() const { return removed_; }
  /// Writes that took the place of a file an earlier write replaced
  /// rather than create a file (see Write in writer.cc).
  size_t reused() const { return reused_; }
  const std::string& out_dir() const { return out_dir_; }

 private:
  // Records a file of this build (under mutex_).
  void Record(const std::string& relative, const ManifestEntry& entry, const FileState& file);
  // Size and mtime of a file below the output folder.
  bool Stat(const std::string& relative, uint64_t* size, int64_t* mtime_ns) const;
  // The same as the file was when the build began: Begin looks at every
  // file the state names at once, on its thread (while the mail is read),
  // and each answer is given once; then, or for other files, Stat.
  bool StatBefore(const std::string& relative, uint64_t* size, int64_t* mtime_ns);
  // Stops the remover thread when it runs, once it has removed every file
  // replaced so far.
  void StopRemover();

  std::string out_dir_;
  int out_fd_ = -1;  // the output folder, for Stat
  Manifest previous_;
  std::set<std::string> pending_;       // named by the pending list when Begin ran
  const OutputState* state_ = nullptr;  // owned by the caller; outlives the build
  struct Before {
    bool exists = false;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    std::atomic<bool> taken{false};
  };
  std::unordered_map<std::string_view, Before> before_;  // keys: state_->files'

  std::mutex mutex_;
  Manifest manifest_;                   // this build's files
  std::map<std::string, FileState> files_;
  std::set<std::string> journaled_;     // added to the pending list by this build
  int pending_fd_ = -1;
  std::atomic<size_t> temp_counter_{0};
  size_t written_ = 0;
  size_t unchanged_ = 0;
  size_t removed_ = 0;
  std::atomic<size_t> reused_{0};
  // Temporary names that hold the files writes replaced, to reuse or
  // remove.
  std::mutex replaced_mutex_;
  std::condition_variable replaced_added_;
  std::vector<std::string> replaced_;
  bool removing_meanwhile_ = false;
  bool stop_remover_ = false;
  std::thread remover_;
};

}  // namespace listdigest::site
