#include "site/writer.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace listdigest::site {
namespace fs = std::filesystem;

namespace {

bool ReadFile(const fs::path& path, std::string* out) { return ReadFileBytes(path.string(), out); }

// Writes `bytes` over a file that a write of this build replaced, in the
// blocks it has, instead of creating a file and removing the old one: on
// ext4 both allocating an inode and releasing a file's blocks cost more
// than the write (on this project's VM, which discards released blocks,
// ~0.08 ms a file). Only a file that nobody can read any more: its one
// link is our temporary name, and a write lease (granted only while no
// one else has the file open) holds while it is rewritten. The last page
// is written whole (zeros after the end, then cut back) so that the kernel
// need not read the old page first. False when the file cannot be reused;
// it is then as it was or cut short, and is removed like the others.
bool Overwrite(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
            ::fcntl(fd, F_SETLEASE, F_WRLCK) == 0;
  if (ok) {
    static const char kZeros[4096] = {};
    const size_t tail = bytes.size() % sizeof kZeros;
    const size_t padding = tail == 0 ? 0 : sizeof kZeros - tail;
    size_t done = 0;
    const size_t total = bytes.size() + padding;
    while (ok && done < total) {
      iovec parts[2];
      int n = 0;
      if (done < bytes.size()) {
        parts[n++] = {const_cast<char*>(bytes.data()) + done, bytes.size() - done};
      }
      const size_t zeros_done = done > bytes.size() ? done - bytes.size() : 0;
      if (padding > zeros_done) {
        parts[n++] = {const_cast<char*>(kZeros), padding - zeros_done};
      }
      const ssize_t w = ::pwritev(fd, parts, n, static_cast<off_t>(done));
      if (w <= 0) ok = false;
      else done += static_cast<size_t>(w);
    }
    ok = ok && ::ftruncate(fd, static_cast<off_t>(bytes.size())) == 0;
    ::fcntl(fd, F_SETLEASE, F_UNLCK);
  }
  ::close(fd);
  return ok;
}

}  // namespace

Writer::~Writer() {
  StopRemover();
  if (pending_fd_ >= 0) ::close(pending_fd_);
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool Writer::Stat(const std::string& relative, uint64_t* size, int64_t* mtime_ns) const {
  if (out_fd_ >= 0) return StatFileAt(out_fd_, relative, size, mtime_ns);
  return StatFile((fs::path(out_dir_) / relative).string(), size, mtime_ns);
}

bool Writer::StatBefore(const std::string& relative, uint64_t* size, int64_t* mtime_ns) {
  const auto it = before_.find(relative);
  if (it == before_.end() || it->second.taken.exchange(true)) return Stat(relative, size, mtime_ns);
  *size = it->second.size;
  *mtime_ns = it->second.mtime_ns;
  return it->second.exists;
}

void Writer::RemoveReplacedMeanwhile() {
  std::lock_guard<std::mutex> lock(replaced_mutex_);
  if (removing_meanwhile_) return;
  removing_meanwhile_ = true;
  remover_ = std::thread([this] {
    std::vector<std::string> batch;
    for (;;) {
      {
        std::unique_lock<std::mutex> waiting(replaced_mutex_);
        replaced_added_.wait(waiting, [this] { return !replaced_.empty() || stop_remover_; });
        if (replaced_.empty()) return;
        batch.swap(replaced_);
      }
      for (const std::string& path : batch) ::unlink(path.c_str());
      batch.clear();
    }
  });
}

void Writer::StopRemover() {
  {
    std::lock_guard<std::mutex> lock(replaced_mutex_);
    stop_remover_ = true;
  }
  replaced_added_.notify_one();
  if (remover_.joinable()) remover_.join();
}

void Writer::Begin(Manifest previous, std::set<std::string> pending, const OutputState* state) {
  previous_ = std::move(previous);
  pending_ = std::move(pending);
  state_ = state;
  if (out_fd_ < 0) out_fd_ = ::open(out_dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  // Temporary files of a build that was killed: the folder is ours, and so
  // is a probe file of CheckWritable (".listdigest-probe-<pid>").
  std::error_code ec;
  fs::remove_all(fs::path(out_dir_) / kTempDirName, ec);
  for (const auto& entry : fs::directory_iterator(out_dir_, ec)) {
    if (entry.path().filename().string().rfind(".listdigest-probe-", 0) == 0) {
      fs::remove(entry.path(), ec);
    }
  }
  // Whether each file is as the last build left it is asked of nearly every
  // file (to keep it without making it): the answers are gathered here,
  // while the mail is read, rather than one system call at a time while
  // the pages are made.
  before_.clear();
  if (state_) {
    before_.reserve(state_->files.size());
    for (const auto& [relative, file] : state_->files) {
      Before& b = before_[relative];
      b.exists = Stat(relative, &b.size, &b.mtime_ns);
    }
  }
}

void Writer::Record(const std::string& relative, const ManifestEntry& entry,
                    const FileState& file) {
  manifest_[relative] = entry;
  files_[relative] = file;
}

bool Writer::KeepIfInputUnchanged(const std::string& relative, const model::Hash128& input) {
  return KeepIfInputsUnchanged({{relative, input}});
}

bool Writer::KeepIfInputsUnchanged(
    const std::vector<std::pair<std::string, model::Hash128>>& files) {
  if (!state_) return false;
  std::vector<std::pair<const ManifestEntry*, const FileState*>> kept;
  for (const auto& [relative, input] : files) {
    if (input == model::Hash128{}) return false;
    const auto file = state_->files.find(relative);
    const auto entry = previous_.find(relative);
    if (file == state_->files.end() || entry == previous_.end() || file->second.input != input ||
        file->second.size != entry->second.size) {
      return false;
    }
    uint64_t size = 0;
    int64_t mtime = 0;
    if (!StatBefore(relative, &size, &mtime) ||
        size != file->second.size || mtime != file->second.mtime_ns) {
      return false;
    }
    kept.emplace_back(&entry->second, &file->second);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < files.size(); ++i) Record(files[i].first, *kept[i].first, *kept[i].second);
  unchanged_ += files.size();
  return true;
}

bool Writer::Write(const std::string& relative, const std::string& bytes, std::string* err,
                   const model::Hash128& input) {
  if (!IsSafeOutputPath(relative)) {
    *err = "refusing to write outside the output folder: " + relative;
    return false;
  }
  const fs::path path = fs::path(out_dir_) / relative;
  const ManifestEntry entry{model::HashBytes(bytes), bytes.size()};
  FileState file{bytes.size(), 0, input};
  // When the file has the size and mtime the last build left (nobody
  // touched it since), the manifest's hash says whether its bytes are these;
  // else read it and compare.
  bool known_different = false;
  if (state_) {
    const auto old = previous_.find(relative);
    const auto was = state_->files.find(relative);
    if (old != previous_.end() && was != state_->files.end() &&
        was->second.size == old->second.size &&
        StatBefore(relative, &file.size, &file.mtime_ns) && file.size == was->second.size &&
        file.mtime_ns == was->second.mtime_ns) {
      if (old->second == entry) {
        std::lock_guard<std::mutex> lock(mutex_);
        Record(relative, entry, file);
        ++unchanged_;
        return true;
      }
      known_different = true;
    }
  }
  if (!known_different) {
    std::string old;
    if (ReadFile(path, &old) && old == bytes && Stat(relative, &file.size, &file.mtime_ns)) {
      std::lock_guard<std::mutex> lock(mutex_);
      Record(relative, entry, file);
      ++unchanged_;
      return true;
    }
  }
  std::error_code ec;
  // A file the manifest does not know yet goes on the pending list before
  // it exists, so that a build killed from here on still knows it is ours.
  if (!previous_.count(relative)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!pending_.count(relative) && journaled_.insert(relative).second) {
      if (pending_fd_ < 0) {
        pending_fd_ = ::open((fs::path(out_dir_) / kPendingName).c_str(),
                             O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      }
      const std::string line = relative + "\n";
      if (pending_fd_ < 0 ||
          ::write(pending_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        *err = (fs::path(out_dir_) / kPendingName).string() +
               ": cannot write (disk full or no permission?)";
        return false;
      }
    }
  }
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    *err = path.parent_path().string() + ": cannot create folder: " + ec.message();
    return false;
  }
  // A temporary folder per thread: creating a file, and renaming it out of
  // its folder, locks the folder, and two threads on one folder spent more
  // time waiting for each other than writing.
  static std::atomic<unsigned> threads_seen{0};
  thread_local const unsigned thread_slot = threads_seen++ % 16;
  const fs::path temp_dir = fs::path(out_dir_) / kTempDirName / std::to_string(thread_slot);
  fs::create_directories(temp_dir, ec);
  // A file an earlier write replaced takes the bytes when it can (see
  // Overwrite), else a new one.
  fs::path tmp;
  {
    std::string reused;
    while (tmp.empty()) {
      {
        std::lock_guard<std::mutex> lock(replaced_mutex_);
        if (replaced_.empty()) break;
        reused = std::move(replaced_.back());
        replaced_.pop_back();
      }
      if (Overwrite(reused, bytes)) {
        tmp = reused;
        ++reused_;
      } else {
        ::unlink(reused.c_str());
      }
    }
  }
  if (tmp.empty()) {
    tmp = temp_dir / std::to_string(temp_counter_++);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      *err = tmp.string() + ": cannot write (disk full or no permission?)";
      fs::remove(tmp, ec);
      return false;
    }
  }
  // Replacing a file: exchange the two names; the old file stays in the
  // temporary folder, for a later write to reuse or to be removed. A reader
  // sees the old file or the new one, as with rename; but ext4 does not flush the new file's data at once
  // (auto_da_alloc), which rename over an existing file does, and which made
  // rewriting a thousand search files wait on the disk for a second. Old
  // files go late, when the build has few files left to create
  // (RemoveReplacedMeanwhile, else Finish): on ext4 without a journal,
  // creating a file skips over the inodes deleted in the last minute one by
  // one, so deleting each as its replacement is written made every later
  // write of the build slower.
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) != 0) {
    fs::rename(tmp, path, ec);
  } else {
    std::lock_guard<std::mutex> lock(replaced_mutex_);
    replaced_.push_back(tmp.string());
    if (removing_meanwhile_) replaced_added_.notify_one();
  }
  if (ec) {
    *err = path.string() + ": cannot replace: " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  Stat(relative, &file.size, &file.mtime_ns);
  std::lock_guard<std::mutex> lock(mutex_);
  Record(relative, entry, file);
  ++written_;
  return true;
}

bool Writer::Finish(OutputState* state, std::string* err) {
  // The files writes replaced go meanwhile, if they are not going already.
  RemoveReplacedMeanwhile();
  // Ours and not written now: listed by the last complete build or by a
  // build that was interrupted since.
  std::set<std::string> stale;
  for (const auto& [path, entry] : previous_) {
    if (!manifest_.count(path)) stale.insert(path);
  }
  for (const auto& path : pending_) {
    if (!manifest_.count(path)) stale.insert(path);
  }
  std::set<fs::path> folders;
  std::error_code ec;
  for (const auto& relative : stale) {
    const fs::path path = fs::path(out_dir_) / relative;
    if (fs::is_regular_file(fs::symlink_status(path, ec)) || fs::is_symlink(path, ec)) {
      if (fs::remove(path, ec)) ++removed_;
      if (ec) {
        *err = path.string() + ": cannot remove: " + ec.message();
        return false;
      }
    }
    for (fs::path p = fs::path(relative).parent_path(); !p.empty(); p = p.parent_path()) {
      folders.insert(p);
    }
  }
  // Deepest first, and only when empty: a folder holding anything else
  // (someone's own file) stays.
  for (auto it = folders.rbegin(); it != folders.rend(); ++it) {
    const fs::path path = fs::path(out_dir_) / *it;
    if (fs::is_directory(path, ec) && fs::is_empty(path, ec)) fs::remove(path, ec);
  }
  // The new manifest goes in last: until then the old one and the pending
  // list name every file that may still be there.
  if (!WriteManifest(out_dir_, manifest_, err)) return false;
  if (pending_fd_ >= 0) {
    ::close(pending_fd_);
    pending_fd_ = -1;
  }
  fs::remove(fs::path(out_dir_) / kPendingName, ec);
  StopRemover();
  fs::remove_all(fs::path(out_dir_) / kTempDirName, ec);
  state->files = files_;
  state->manifest = ManifestHash(manifest_);
  return true;
}

bool Writer::CheckWritable(std::string* err) const {
  std::error_code ec;
  const fs::path dir(out_dir_);
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    *err = out_dir_ + ": the output folder is a file; choose another --out or move that file away";
    return false;
  }
  fs::create_directories(dir, ec);
  if (ec) {
    *err = out_dir_ + ": cannot create the output folder (" + ec.message() +
           "); choose another --out or create it yourself";
    return false;
  }
  // A file without a name (O_TMPFILE) cannot be left behind by a build that
  // is killed right now; a named probe only where the file system has none.
  const int unnamed = ::open(out_dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (unnamed >= 0) {
    ::close(unnamed);
    return true;
  }
  if (errno == EACCES || errno == EROFS || errno == EPERM || errno == ENOSPC || errno == EDQUOT) {
    *err = out_dir_ + ": the output folder is not writable (" + std::strerror(errno) +
           "); choose another --out or make it writable";
    return false;
  }
  const std::string probe = (dir / (".listdigest-probe-" + std::to_string(::getpid()))).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    *err = out_dir_ + ": the output folder is not writable (" + std::strerror(errno) +
           "); choose another --out or make it writable";
    return false;
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

}  // namespace listdigest::site
