#include "model/store_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

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

}  // namespace

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
