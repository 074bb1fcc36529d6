#include "site/writer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace listdigest::site {
namespace fs = std::filesystem;

bool Writer::Write(const std::string& relative, const std::string& bytes, std::string* err) {
  if (relative.empty() || relative[0] == '/' || relative.find("..") != std::string::npos ||
      relative.find('\0') != std::string::npos) {
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

}  // namespace listdigest::site
