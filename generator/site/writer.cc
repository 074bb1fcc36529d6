#include "site/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace listdigest::site {
namespace fs = std::filesystem;

bool Writer::Write(const std::string& relative, const std::string& bytes, std::string* err) {
  bool safe = !relative.empty() && relative.find('\0') == std::string::npos;
  for (size_t pos = 0; safe && pos <= relative.size();) {
    const size_t slash = std::min(relative.find('/', pos), relative.size());
    const std::string part = relative.substr(pos, slash - pos);
    safe = !part.empty() && part != "." && part != "..";
    pos = slash + 1;
  }
  if (!safe) {
    *err = "refusing to write outside the output folder: " + relative;
    return false;
  }
  const fs::path path = fs::path(out_dir_) / relative;
  std::error_code ec;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream old;
      old << in.rdbuf();
      if (old.str() == bytes) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++unchanged_;
        return true;
      }
    }
  }
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    *err = path.parent_path().string() + ": cannot create folder: " + ec.message();
    return false;
  }
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.good()) {
      *err = tmp.string() + ": cannot write (disk full or no permission?)";
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    *err = path.string() + ": cannot replace: " + ec.message();
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++written_;
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
