#include "site/manifest.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace listdigest::site {
namespace {

namespace fs = std::filesystem;

constexpr char kManifestHeader[] = "listdigest manifest 1\n";
constexpr char kStateHeader[] = "listdigest output state 1\n";

bool ReadWhole(const std::string& path, std::string* out) { return ReadFileBytes(path, out); }

// Writes through a temporary file in `tmp_dir` and a rename.
bool Replace(const std::string& path, const std::string& tmp_dir, const std::string& bytes,
             std::string* err) {
  std::error_code ec;
  fs::create_directories(tmp_dir, ec);
  const std::string tmp =
      (fs::path(tmp_dir) / (fs::path(path).filename().string() + ".tmp-" + std::to_string(::getpid())))
          .string();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      *err = tmp + ": cannot write (disk full or no permission?)";
      return false;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    *err = path + ": cannot replace: " + ec.message();
    return false;
  }
  return true;
}

template <class T>
bool ParseNumber(std::string_view s, T* v) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size();
}

// Splits off the next space-separated field of `line`.
std::string_view Field(std::string_view* line) {
  const size_t space = line->find(' ');
  const std::string_view f = line->substr(0, space);
  line->remove_prefix(space == std::string_view::npos ? line->size() : space + 1);
  return f;
}

// The lines of a text file written by Seal: header, lines, "end N <hash>".
// Returns false when the header, the count or the checksum is wrong.
bool Unseal(const std::string& bytes, const char* header, std::vector<std::string_view>* lines) {
  const size_t header_size = std::strlen(header);
  if (bytes.compare(0, header_size, header) != 0) return false;
  if (bytes.empty() || bytes.back() != '\n') return false;
  const size_t last = bytes.rfind('\n', bytes.size() - 2);
  if (last == std::string::npos || last + 1 < header_size) return false;
  std::string_view end(bytes.data() + last + 1, bytes.size() - last - 2);
  if (Field(&end) != "end") return false;
  size_t count = 0;
  model::Hash128 hash;
  if (!ParseNumber(Field(&end), &count) || !model::Hash128::FromHex(end, &hash)) return false;
  if (model::HashBytes(std::string_view(bytes.data(), last + 1)) != hash) return false;
  lines->clear();
  size_t pos = header_size;
  while (pos < last + 1) {
    const size_t nl = bytes.find('\n', pos);
    lines->emplace_back(bytes.data() + pos, nl - pos);
    pos = nl + 1;
  }
  return true;
}

void Seal(std::string* text, size_t count) {
  const model::Hash128 h = model::HashBytes(*text);
  *text += "end " + std::to_string(count) + " " + h.Hex() + "\n";
}

std::string ManifestText(const Manifest& manifest) {
  std::string text = kManifestHeader;
  for (const auto& [path, e] : manifest) {
    text += e.content.Hex() + " " + std::to_string(e.size) + " " + path + "\n";
  }
  Seal(&text, manifest.size());
  return text;
}

}  // namespace

bool IsSafeOutputPath(const std::string& path) {
  if (path.empty() || path.find('\0') != std::string::npos ||
      path.find('\n') != std::string::npos || path.rfind(".listdigest-", 0) == 0) {
    return false;
  }
  for (size_t pos = 0; pos <= path.size();) {
    const size_t slash = std::min(path.find('/', pos), path.size());
    const std::string_view part(path.data() + pos, slash - pos);
    if (part.empty() || part == "." || part == "..") return false;
    pos = slash + 1;
  }
  return true;
}

bool ReadManifest(const std::string& out_dir, Manifest* manifest, std::string* why) {
  manifest->clear();
  std::string bytes;
  if (!ReadWhole((fs::path(out_dir) / kManifestName).string(), &bytes)) {
    *why = "no manifest";
    return false;
  }
  std::vector<std::string_view> lines;
  if (!Unseal(bytes, kManifestHeader, &lines)) {
    *why = "its manifest is damaged";
    return false;
  }
  for (std::string_view line : lines) {
    ManifestEntry e;
    const std::string_view hash = Field(&line), size = Field(&line);
    const std::string path(line);
    if (!model::Hash128::FromHex(hash, &e.content) || !ParseNumber(size, &e.size) ||
        !IsSafeOutputPath(path)) {
      manifest->clear();
      *why = "its manifest is damaged";
      return false;
    }
    (*manifest)[path] = e;
  }
  return true;
}

bool WriteManifest(const std::string& out_dir, const Manifest& manifest, std::string* err) {
  return Replace((fs::path(out_dir) / kManifestName).string(),
                 (fs::path(out_dir) / kTempDirName).string(), ManifestText(manifest), err);
}

model::Hash128 ManifestHash(const Manifest& manifest) {
  return model::HashBytes(ManifestText(manifest));
}

std::vector<std::string> ReadPending(const std::string& out_dir) {
  std::string bytes;
  std::vector<std::string> paths;
  if (!ReadWhole((fs::path(out_dir) / kPendingName).string(), &bytes)) return paths;
  std::istringstream in(bytes);
  std::string line;
  // A build killed while appending may leave a cut last line: a cut path
  // is never one we wrote, so only complete lines count.
  while (std::getline(in, line)) {
    if (in.eof()) break;
    if (IsSafeOutputPath(line)) paths.push_back(line);
  }
  return paths;
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool OutputLock::Acquire(const std::string& out_dir, std::string* err) {
  const int fd = ::open(out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *err = out_dir + ": cannot open the output folder (" + std::strerror(errno) + ")";
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(fd);
    *err = e == EWOULDBLOCK
               ? out_dir + ": another listdigest build is writing this folder; wait for it to "
                           "finish, or build into another --out"
               : out_dir + ": cannot lock the output folder (" + std::strerror(e) + ")";
    return false;
  }
  fd_ = fd;
  return true;
}

std::string OutputStatePath(const std::string& cache_dir, const std::string& out_dir) {
  std::error_code ec;
  const std::string absolute = fs::weakly_canonical(fs::absolute(out_dir, ec), ec).string();
  return (fs::path(cache_dir) / ("output-" + model::HashBytes(absolute).Hex().substr(0, 16) +
                                 ".state"))
      .string();
}

bool ReadOutputState(const std::string& path, OutputState* state) {
  return ReadOutputState(path, {}, state);
}

bool ReadOutputState(const std::string& path, std::string_view fingerprint, OutputState* state) {
  *state = OutputState{};
  std::string bytes;
  std::vector<std::string_view> lines;
  if (!ReadWhole(path, &bytes) || !Unseal(bytes, kStateHeader, &lines) || lines.size() < 3) {
    return false;
  }
  OutputState s;
  std::string_view l0 = lines[0], l1 = lines[1], l2 = lines[2];
  if (Field(&l0) != "fingerprint" || (!fingerprint.empty() && l0 != fingerprint) ||
      Field(&l1) != "manifest" ||
      !model::Hash128::FromHex(l1, &s.manifest) || Field(&l2) != "summary") {
    return false;
  }
  s.fingerprint = l0;
  s.summary = l2;
  for (size_t i = 3; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    FileState f;
    const std::string_view mtime = Field(&line), size = Field(&line), input = Field(&line);
    if (!ParseNumber(mtime, &f.mtime_ns) || !ParseNumber(size, &f.size) ||
        (input != "-" && !model::Hash128::FromHex(input, &f.input))) {
      return false;
    }
    s.files[std::string(line)] = f;
  }
  *state = std::move(s);
  return true;
}

bool WriteOutputState(const std::string& path, const OutputState& state, std::string* err) {
  std::string text = kStateHeader;
  text += "fingerprint " + state.fingerprint + "\n";
  text += "manifest " + state.manifest.Hex() + "\n";
  text += "summary " + state.summary + "\n";
  for (const auto& [file, f] : state.files) {
    text += std::to_string(f.mtime_ns) + " " + std::to_string(f.size) + " " +
            (f.input == model::Hash128{} ? std::string("-") : f.input.Hex()) + " " + file + "\n";
  }
  Seal(&text, state.files.size() + 3);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  return Replace(path, fs::path(path).parent_path().string(), text, err);
}

bool ReadFileBytes(const std::string& path, std::string* out) {
  std::string data;
  if (!AppendFileBytes(path, &data)) return false;
  *out = std::move(data);
  return true;
}

bool AppendFileBytes(const std::string& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return false;
  }
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>(st.st_size));
  size_t done = start;
  bool ok = true;
  while (done < out->size()) {
    const ssize_t n = ::read(fd, out->data() + done, out->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  // A file that grew meanwhile: the rest too.
  char buf[65536];
  for (ssize_t n; ok && (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      ok = errno == EINTR;
      continue;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!ok) out->resize(start);
  return ok;
}

bool StatFile(const std::string& path, uint64_t* size, int64_t* mtime_ns) {
  return StatFileAt(AT_FDCWD, path, size, mtime_ns);
}

bool StatFileAt(int dir_fd, const std::string& path, uint64_t* size, int64_t* mtime_ns) {
  struct stat st;
  if (::fstatat(dir_fd, path.c_str(), &st, 0) != 0 || !S_ISREG(st.st_mode)) return false;
  *size = static_cast<uint64_t>(st.st_size);
  *mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

}  // namespace listdigest::site
