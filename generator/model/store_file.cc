#include "model/store_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace listdigest::model {
namespace {

constexpr size_t kSpillBuffer = 1 << 20;
constexpr size_t kPiece = 256 << 10;

// Reads exactly `n` bytes at `offset`; false on an error or a file that is
// shorter (someone cut it).
bool ReadAll(int fd, size_t offset, size_t n, char* out) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got == 0) errno = EIO;
      return false;
    }
    out += got;
    offset += static_cast<size_t>(got);
    n -= static_cast<size_t>(got);
  }
  return true;
}

// Reads `size` bytes of `fd` from `offset` into `to`; false when it cannot.
bool ReadAll(int fd, char* to, size_t size, off_t offset) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, to + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The size of the regular file open as `fd`, or -1.
off_t RegularFileSize(int fd) {
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return st.st_size;
}

}  // namespace

LoadedBytes::LoadedBytes(std::string bytes)
    : owned_(std::move(bytes)), data_(owned_.data()), size_(owned_.size()) {}

LoadedBytes::~LoadedBytes() { Unmap(); }

LoadedBytes::LoadedBytes(LoadedBytes&& other) noexcept { *this = std::move(other); }

LoadedBytes& LoadedBytes::operator=(LoadedBytes&& other) noexcept {
  if (this == &other) return *this;
  Unmap();
  // A string's bytes may be inside it (a short string): view them anew.
  const bool owned = other.map_ == nullptr;
  owned_ = std::move(other.owned_);
  map_ = std::exchange(other.map_, nullptr);
  map_bytes_ = std::exchange(other.map_bytes_, 0);
  file_pages_ = std::exchange(other.file_pages_, 0);
  size_ = std::exchange(other.size_, 0);
  data_ = owned ? owned_.data() : map_;
  other.data_ = nullptr;
  return *this;
}

void LoadedBytes::Unmap() {
  if (map_) ::munmap(map_, map_bytes_);
  map_ = nullptr;
  map_bytes_ = file_pages_ = 0;
}

void LoadedBytes::Truncate(size_t size) {
  size_ = std::min(size_, size);
  if (!map_) owned_.resize(size_);
}

void LoadedBytes::Release() const {
  if (map_ && file_pages_ > 0) ::madvise(map_, file_pages_, MADV_DONTNEED);
}

bool LoadedBytes::Load(const std::string& path, const std::string& delta_path, LoadedBytes* out,
                       size_t* whole) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const off_t file_size = RegularFileSize(fd);
  if (file_size < 0) {
    if (fd >= 0) ::close(fd);
    return false;
  }
  const int delta_fd = ::open(delta_path.c_str(), O_RDONLY | O_CLOEXEC);
  const off_t delta_size = std::max<off_t>(0, RegularFileSize(delta_fd));
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t file_bytes = static_cast<size_t>(file_size);
  const size_t file_map = (file_bytes + page - 1) / page * page;
  const size_t all_map = (file_bytes + static_cast<size_t>(delta_size) + page - 1) / page * page;
  LoadedBytes loaded;
  // Room for both, then the file mapped over its start: private pages, so
  // the delta can go in the file's last page after its end.
  void* room = file_bytes == 0 ? MAP_FAILED
                               : ::mmap(nullptr, all_map, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (room != MAP_FAILED &&
      ::mmap(room, file_map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == room) {
    loaded.map_ = static_cast<char*>(room);
    loaded.map_bytes_ = all_map;
    loaded.file_pages_ = file_bytes / page * page;
    loaded.data_ = loaded.map_;
    loaded.size_ = file_bytes;
    if (delta_size > 0 &&
        ReadAll(delta_fd, loaded.map_ + file_bytes, static_cast<size_t>(delta_size), 0)) {
      loaded.size_ += static_cast<size_t>(delta_size);
    }
  } else {
    // No mapping (an empty file, or a file system without mmap): read.
    if (room != MAP_FAILED) ::munmap(room, all_map);
    std::string bytes(file_bytes + static_cast<size_t>(delta_size), '\0');
    bool ok = ReadAll(fd, bytes.data(), file_bytes, 0);
    if (ok && delta_size > 0 &&
        !ReadAll(delta_fd, bytes.data() + file_bytes, static_cast<size_t>(delta_size), 0)) {
      bytes.resize(file_bytes);
    }
    if (!ok) {
      ::close(fd);
      if (delta_fd >= 0) ::close(delta_fd);
      return false;
    }
    loaded = LoadedBytes(std::move(bytes));
  }
  ::close(fd);
  if (delta_fd >= 0) ::close(delta_fd);
  *whole = file_bytes;
  *out = std::move(loaded);
  return true;
}

std::string CannotWrite(const std::string& path, int error) {
  const bool full = error == ENOSPC || error == EDQUOT;
  return path + ": cannot write: " + std::strerror(error) +
         (full ? "; free space or set cache_dir to a folder on another disk"
               : "; make the folder writable or set cache_dir to another folder");
}

ByteSink FileSink(int fd, std::string path) {
  return [fd, path = std::move(path)](std::string_view bytes, std::string* err) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        *err = CannotWrite(path, n < 0 ? errno : EIO);
        return false;
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  };
}

SpillFile::~SpillFile() { Clear(); }

void SpillFile::SetPath(std::string path) { path_ = std::move(path); }

bool SpillFile::Append(std::string_view bytes) {
  if (!error_.empty()) return false;
  if (!path_.empty() && fd_ < 0) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      error_ = CannotWrite(path_, errno);
      return false;
    }
  }
  buffer_.append(bytes);
  return fd_ < 0 || buffer_.size() < kSpillBuffer || Flush();
}

bool SpillFile::Flush() {
  if (!FileSink(fd_, path_)(buffer_, &error_)) {
    buffer_ = std::string();
    return false;
  }
  flushed_ += buffer_.size();
  buffer_.clear();
  return true;
}

bool SpillFile::Read(size_t offset, size_t n, std::string* out) const {
  if (!error_.empty() || offset > size() || n > size() - offset) return false;
  out->resize(n);
  char* to = out->data();
  if (offset < flushed_) {
    const size_t from_file = std::min(n, flushed_ - offset);
    if (!ReadAll(fd_, offset, from_file, to)) return false;
    to += from_file;
    offset += from_file;
    n -= from_file;
  }
  if (n > 0) std::memcpy(to, buffer_.data() + (offset - flushed_), n);
  return true;
}

bool SpillFile::CopyTo(const ByteSink& sink, std::string* err) const {
  if (!error_.empty()) {
    *err = error_;
    return false;
  }
  std::string chunk;
  for (size_t at = 0; at < flushed_; at += chunk.size()) {
    chunk.resize(std::min(kSpillBuffer, flushed_ - at));
    if (!ReadAll(fd_, at, chunk.size(), chunk.data())) {
      *err = path_ + ": cannot read back what this build added: " + std::strerror(errno) +
             "; build again";
      return false;
    }
    if (!sink(chunk, err)) return false;
  }
  return buffer_.empty() || sink(buffer_, err);
}

void SpillFile::Clear() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
  }
  flushed_ = 0;
  buffer_ = std::string();
  error_.clear();
}

void HashingWriter::Put(std::string_view bytes) {
  if (!ok_) return;
  if (bytes.size() >= kPiece) {
    Flush();
    Pass(bytes);
    return;
  }
  pending_.append(bytes);
  if (pending_.size() >= kPiece) Flush();
}

void HashingWriter::Flush() {
  if (pending_.empty()) return;
  Pass(pending_);
  pending_.clear();
}

void HashingWriter::Pass(std::string_view bytes) {
  if (!ok_) return;
  hasher_.Update(bytes);
  ok_ = sink_(bytes, err_);
}

bool HashingWriter::Finish() {
  Flush();
  if (!ok_) return false;
  const Hash128 h = hasher_.Finish();
  char tail[16];
  for (int i = 0; i < 8; ++i) {
    tail[i] = static_cast<char>(h.lo >> (8 * i));
    tail[8 + i] = static_cast<char>(h.hi >> (8 * i));
  }
  ok_ = sink_(std::string_view(tail, 16), err_);
  return ok_;
}

}  // namespace listdigest::model
