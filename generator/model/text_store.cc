#include "model/text_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string>

namespace listdigest::model {

TextStore::TextStore() {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/listdigest-texts-XXXXXX";
  fd_ = mkstemp(path.data());
  if (fd_ >= 0) unlink(path.c_str());  // gone with the process, whatever happens
}

TextStore::~TextStore() {
  if (fd_ >= 0) close(fd_);
}

TextRef TextStore::AddInMemory(std::string_view text) {
  std::lock_guard<std::mutex> lock(memory_mutex_);
  memory_.emplace_back(text);
  return TextRef{memory_.size() - 1, static_cast<uint32_t>(text.size()), true};
}

TextRef TextStore::Add(std::string_view text) {
  if (text.size() > std::numeric_limits<uint32_t>::max()) {
    text = text.substr(0, std::numeric_limits<uint32_t>::max());
  }
  if (text.empty()) return TextRef{};
  if (fd_ < 0) return AddInMemory(text);
  // Each text gets its own range of the file: writers never wait for each
  // other.
  const uint64_t offset = end_.fetch_add(text.size());
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = pwrite(fd_, text.data() + written, text.size() - written,
                             static_cast<off_t>(offset + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return AddInMemory(text);  // a full disk: this text stays in memory
    written += static_cast<size_t>(n);
  }
  return TextRef{offset, static_cast<uint32_t>(text.size()), false};
}

TextRef TextStore::Refer(std::string_view text) {
  if (text.empty()) return TextRef{};
  if (external_) {
    const std::less_equal<const char*> le;
    const char* begin = external_->view().data();
    const char* end = begin + external_->size();
    if (le(begin, text.data()) && le(text.data() + text.size(), end) &&
        text.size() <= std::numeric_limits<uint32_t>::max()) {
      return TextRef{static_cast<uint64_t>(text.data() - begin),
                     static_cast<uint32_t>(text.size()), false, true};
    }
  }
  return Add(text);
}

std::string TextStore::Get(TextRef ref) const {
  if (ref.size == 0) return "";
  if (ref.external) {
    if (!external_ || ref.offset + ref.size > external_->size()) return "";
    std::string text(external_->view().substr(ref.offset, ref.size));
    constexpr uint64_t kPage = 4096, kReleaseEvery = 64 << 20;
    const uint64_t pages = (ref.offset % kPage + ref.size + kPage - 1) / kPage * kPage;
    if (external_read_.fetch_add(pages) + pages >= kReleaseEvery) {
      external_read_ = 0;
      external_->Release();
    }
    return text;
  }
  if (ref.in_memory) {
    std::lock_guard<std::mutex> lock(memory_mutex_);
    return ref.offset < memory_.size() ? memory_[ref.offset] : "";
  }
  std::string text(ref.size, '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = pread(fd_, text.data() + done, text.size() - done,
                            static_cast<off_t>(ref.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // cannot happen for a range Add wrote
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

}  // namespace listdigest::model
