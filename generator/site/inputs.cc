#include "site/inputs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "archive/refs.h"
#include "model/content_hash.h"
#include "site/cache.h"
#include "site/manifest.h"

namespace listdigest::site {
namespace {

namespace fs = std::filesystem;

constexpr uintmax_t kHashedBytes = 1 << 20;

// Adds one file: its name, then its bytes (or, when big, size and mtime).
void AddFile(model::Hasher* h, const std::string& name, const fs::path& path) {
  h->UpdateField(name);
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    h->UpdateField("unreadable");
    return;
  }
  if (size > kHashedBytes) {
    uint64_t bytes = 0;
    int64_t mtime = 0;
    StatFile(path.string(), &bytes, &mtime);
    h->UpdateField("big " + std::to_string(bytes) + " " + std::to_string(mtime));
    return;
  }
  std::string bytes;
  ReadFileBytes(path.string(), &bytes);
  h->UpdateField(bytes);
}

// Every regular file below `dir`, by relative path, sorted.
void AddFolder(model::Hasher* h, const std::string& label, const std::string& dir) {
  h->UpdateField(label + " " + dir);
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return;
  std::vector<std::pair<std::string, fs::path>> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      files.emplace_back(fs::relative(it->path(), dir, ec).generic_string(), it->path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& [name, path] : files) AddFile(h, name, path);
}

}  // namespace

bool InputFingerprint(const config::Config& config, const std::string& theme_dir,
                      std::string* fingerprint, std::string* err) {
  // The generator's identity hashes the executable, and the first use of
  // libgit2 loads the system's TLS certificates: each takes a few
  // milliseconds of every build, and neither needs the other.
  std::thread identity([] { GeneratorIdentity(); });
  std::string refs;
  const bool have_refs = archive::ArchiveRefs(config.archive_path, &refs, err);
  identity.join();
  if (!have_refs) return false;
  model::Hasher h;
  h.UpdateField(GeneratorIdentity());
  std::error_code ec;
  h.UpdateField(fs::absolute(config.file, ec).string());
  h.UpdateField(config.archive_path);
  h.UpdateField(refs);
  AddFile(&h, "config", config.file);
  if (!config.mailmap.empty()) AddFile(&h, "mailmap " + config.mailmap, config.mailmap);
  AddFolder(&h, "theme", theme_dir);
  AddFolder(&h, "override", (fs::path(config.dir) / "theme").string());
  AddFolder(&h, "theme_dir", config.theme_dir);
  // The content pages beside the config (content/*.md); not other files,
  // such as a --summary-json written there by the build before.
  std::vector<std::pair<std::string, fs::path>> beside;
  for (const auto& entry : fs::directory_iterator(config.dir, ec)) {
    if (entry.is_regular_file(ec) && entry.path().extension() == ".md") {
      beside.emplace_back(entry.path().filename().string(), entry.path());
    }
  }
  std::sort(beside.begin(), beside.end());
  h.UpdateField("content");
  for (const auto& [name, path] : beside) AddFile(&h, name, path);
  *fingerprint = h.Finish().Hex();
  return true;
}

bool OutputUpToDate(const config::Config& config, const std::string& out_dir,
                    const std::string& fingerprint, std::string* summary, size_t* files) {
  OutputState state;
  if (fingerprint.empty() ||
      !ReadOutputState(OutputStatePath(config.cache_dir, out_dir), fingerprint, &state) ||
      state.fingerprint != fingerprint) {
    return false;
  }
  std::error_code ec;
  if (fs::exists(fs::path(out_dir) / kPendingName, ec)) return false;
  Manifest manifest;
  std::string why;
  if (!ReadManifest(out_dir, &manifest, &why) || ManifestHash(manifest) != state.manifest ||
      manifest.size() != state.files.size()) {
    return false;
  }
  for (const auto& [path, want] : state.files) {
    uint64_t size = 0;
    int64_t mtime = 0;
    if (!manifest.count(path) || !StatFile((fs::path(out_dir) / path).string(), &size, &mtime) ||
        size != want.size || mtime != want.mtime_ns) {
      return false;
    }
  }
  *summary = state.summary;
  *files = state.files.size();
  return true;
}

}  // namespace listdigest::site
