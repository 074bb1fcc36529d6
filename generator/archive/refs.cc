#include "archive/refs.h"

#include <git2.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace listdigest::archive {
namespace {

namespace fs = std::filesystem;

struct RepoFree {
  void operator()(git_repository* r) const { git_repository_free(r); }
};
struct IterFree {
  void operator()(git_reference_iterator* i) const { git_reference_iterator_free(i); }
};
struct RefFree {
  void operator()(git_reference* r) const { git_reference_free(r); }
};

std::string Hex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return buf;
}

// The epochs as Inbox::Open finds them: git/<N>.git, or the folder itself.
std::vector<std::string> EpochDirs(const std::string& path) {
  std::vector<std::pair<long, std::string>> dirs;
  std::error_code ec;
  const fs::path git_dir = fs::path(path) / "git";
  if (!fs::is_directory(git_dir, ec)) return {path};
  for (const auto& entry : fs::directory_iterator(git_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 5 || name.compare(name.size() - 4, 4, ".git") != 0) continue;
    const std::string digits = name.substr(0, name.size() - 4);
    if (digits.size() > 6 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) continue;
    dirs.emplace_back(std::stol(digits), entry.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  std::vector<std::string> out;
  for (auto& [n, dir] : dirs) out.push_back(std::move(dir));
  return out;
}

}  // namespace

bool ArchiveRefs(const std::string& path, std::string* refs, std::string* err) {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
  std::vector<std::string> lines;
  for (const std::string& dir : EpochDirs(path)) {
    git_repository* raw = nullptr;
    if (git_repository_open_bare(&raw, dir.c_str()) != 0 &&
        git_repository_open_ext(&raw, dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
      *err = dir + ": not a git repository";
      return false;
    }
    std::unique_ptr<git_repository, RepoFree> repo(raw);
    git_oid head;
    lines.push_back(dir + " HEAD " +
                    (git_reference_name_to_id(&head, repo.get(), "HEAD") == 0 ? Hex(&head)
                                                                               : "none"));
    git_reference_iterator* raw_iter = nullptr;
    if (git_reference_iterator_new(&raw_iter, repo.get()) != 0) {
      *err = dir + ": cannot list refs";
      return false;
    }
    std::unique_ptr<git_reference_iterator, IterFree> iter(raw_iter);
    git_reference* raw_ref = nullptr;
    while (git_reference_next(&raw_ref, iter.get()) == 0) {
      std::unique_ptr<git_reference, RefFree> ref(raw_ref);
      const git_oid* target = git_reference_target(ref.get());
      lines.push_back(dir + " " + git_reference_name(ref.get()) + " " +
                      (target ? Hex(target) : std::string("symbolic:") +
                                                  (git_reference_symbolic_target(ref.get())
                                                       ? git_reference_symbolic_target(ref.get())
                                                       : "")));
    }
  }
  std::sort(lines.begin(), lines.end());
  refs->clear();
  for (const auto& l : lines) *refs += l + "\n";
  return true;
}

}  // namespace listdigest::archive
