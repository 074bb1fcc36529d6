// The only code that touches the output folder. Files are written to a
// temporary name and renamed, and a file whose bytes did not change is left
// alone (same mtime), so publishing uploads only what changed.
#pragma once

#include <mutex>
#include <set>
#include <string>

namespace listdigest::site {

class Writer {
 public:
  explicit Writer(std::string out_dir) : out_dir_(std::move(out_dir)) {}

  /// Writes `bytes` to `relative` (a path below the output folder, "/"
  /// separated, never ".." or absolute). Thread-safe.
  bool Write(const std::string& relative, const std::string& bytes, std::string* err);

  /// Checks, before anything is built, that the output folder can be made
  /// and written: creates it when missing, then creates and removes one
  /// file in it. On failure sets `err` to one line naming the folder, the
  /// reason and what to do; nothing in the folder has changed.
  bool CheckWritable(std::string* err) const;

  size_t written() const { return written_; }
  size_t unchanged() const { return unchanged_; }
  const std::string& out_dir() const { return out_dir_; }

 private:
  std::string out_dir_;
  std::mutex mutex_;
  size_t written_ = 0;
  size_t unchanged_ = 0;
};

}  // namespace listdigest::site
