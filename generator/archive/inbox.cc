#include "archive/inbox.h"

#include <git2.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace listdigest::archive {

Hex40& Hex40::operator=(std::string_view hex) {
  *this = Hex40();
  if (hex.size() != 40) return *this;
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < raw_.size(); ++i) {
    const int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return *this = Hex40();
    raw_[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  set_ = true;
  return *this;
}

Hex40::Text Hex40::text() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  Text t;
  if (!set_) return t;
  for (size_t i = 0; i < raw_.size(); ++i) {
    t.chars[2 * i] = kDigits[raw_[i] >> 4];
    t.chars[2 * i + 1] = kDigits[raw_[i] & 15];
  }
  t.size = 40;
  return t;
}

namespace {

namespace fs = std::filesystem;

void InitLibgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // Every commit and tree is read once, in order: libgit2's object cache
    // (256 MB by default) would only hold on to them. Blobs are read through
    // the object database, which does not use it.
    git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
    // Pack files are mapped in windows; by default up to 8 GB stay mapped
    // and count as the process's memory. Reading in archive order needs few.
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, static_cast<size_t>(16) << 20);
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, static_cast<size_t>(32) << 20);
    // libgit2 hashes every object it reads again to check its id: a third
    // of the time it takes to read mail. `git cat-file` does not; `git
    // fsck` is the tool that checks an archive's objects.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
  });
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
// One move-only owner per libgit2 handle type.
using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using OdbPtr = std::unique_ptr<git_odb, Deleter<git_odb, git_odb_free>>;
using WalkPtr = std::unique_ptr<git_revwalk, Deleter<git_revwalk, git_revwalk_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using DiffPtr = std::unique_ptr<git_diff, Deleter<git_diff, git_diff_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using OdbObjectPtr = std::unique_ptr<git_odb_object, Deleter<git_odb_object, git_odb_object_free>>;

std::string LastError() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

std::string Hex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return buf;
}

// A v1 inbox names each message file after the SHA-1 of its Message-ID:
// "5e/0ff1b50f45aa652a494f47174fa8865ad518a7".
bool IsV1MessagePath(const char* path) {
  if (!path || std::strlen(path) != 41 || path[2] != '/') return false;
  for (int i = 0; i < 41; ++i) {
    if (i != 2 && !std::isxdigit(static_cast<unsigned char>(path[i]))) return false;
  }
  return true;
}

bool IsHex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isxdigit(c) != 0;
  });
}

// A commit as the walk found it; its tree is read afterwards (ReadTrees).
struct Walked {
  git_oid id;
  git_oid tree;
  int64_t time = 0;
  unsigned parents = 0;
};

bool OpenRepository(const std::string& dir, git_repository** repo) {
  return git_repository_open_bare(repo, dir.c_str()) == 0 ||
         git_repository_open_ext(repo, dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) == 0;
}

bool LookUpCommit(git_repository* repo, const std::string& dir, const git_oid* oid,
                  CommitPtr* commit, std::string* err) {
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, oid) != 0) {
    *err = dir + ": commit " + Hex(oid) + " cannot be read: " + LastError() +
           "; run git fsck in that repository";
    return false;
  }
  commit->reset(raw);
  return true;
}

Walked WalkedOf(const git_oid* oid, const git_commit* commit) {
  Walked w;
  git_oid_cpy(&w.id, oid);
  git_oid_cpy(&w.tree, git_commit_tree_id(commit));
  w.time = static_cast<int64_t>(git_commit_time(commit));
  w.parents = git_commit_parentcount(commit);
  return w;
}

enum class LineWalk { kDone, kNotOneLine, kError };

// The commits from the root (or from after `last`, when HEAD's line passes
// through it: then *reached_last) up to HEAD, following first parents, each
// read once. kNotOneLine when HEAD is missing or a commit has two parents:
// then only a revwalk orders the history.
LineWalk WalkLine(git_repository* repo, const std::string& dir, const git_oid* last,
                  std::vector<Walked>* walked, bool* reached_last, std::string* err) {
  git_oid at;
  if (git_reference_name_to_id(&at, repo, "HEAD") != 0) return LineWalk::kNotOneLine;
  for (;;) {
    if (last && git_oid_equal(&at, last)) {
      *reached_last = true;
      break;
    }
    CommitPtr commit;
    if (!LookUpCommit(repo, dir, &at, &commit, err)) return LineWalk::kError;
    walked->push_back(WalkedOf(&at, commit.get()));
    if (walked->back().parents > 1) return LineWalk::kNotOneLine;
    if (walked->back().parents == 0) break;
    git_oid_cpy(&at, git_commit_parent_id(commit.get(), 0));
  }
  std::reverse(walked->begin(), walked->end());
  return LineWalk::kDone;
}

// Every commit of the epoch in topological order, oldest first; sets
// *linear to false when it has merges or no HEAD.
bool WalkAll(git_repository* repo, const std::string& dir, std::vector<Walked>* walked,
             bool* linear, std::string* err) {
  git_revwalk* raw_walk = nullptr;
  if (git_revwalk_new(&raw_walk, repo) != 0) {
    *err = dir + ": " + LastError();
    return false;
  }
  WalkPtr walk(raw_walk);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
  if (git_revwalk_push_head(walk.get()) != 0) {
    // A mirror whose HEAD names a missing branch: walk every branch instead.
    *linear = false;
    if (git_revwalk_push_glob(walk.get(), "refs/heads/*") != 0) {
      *err = dir + ": has no commits (HEAD and refs/heads/ are empty); is it a cloned inbox?";
      return false;
    }
  }
  git_oid oid;
  while (git_revwalk_next(&oid, walk.get()) == 0) {
    CommitPtr commit;
    if (!LookUpCommit(repo, dir, &oid, &commit, err)) return false;
    walked->push_back(WalkedOf(&oid, commit.get()));
    if (walked->back().parents > 1) *linear = false;
  }
  return true;
}

// What commit `w` holds, appended to `out`: its `m` or `d` blob (v2), or the
// message files it adds or removes (v1).
bool ReadTree(git_repository* repo, const std::string& dir, int epoch, const Walked& w,
              std::vector<Commit>* out, std::string* err) {
  git_tree* raw_tree = nullptr;
  if (git_tree_lookup(&raw_tree, repo, &w.tree) != 0) {
    *err = dir + ": tree of commit " + Hex(&w.id) + " cannot be read: " + LastError();
    return false;
  }
  TreePtr tree(raw_tree);
  Commit c;
  c.epoch = epoch;
  c.id = Hex40::FromRaw(w.id.id);
  c.time = w.time;
  if (const git_tree_entry* m = git_tree_entry_byname(tree.get(), "m")) {
    c.kind = CommitKind::kMessage;
    c.blob = Hex40::FromRaw(git_tree_entry_id(m)->id);
  } else if (const git_tree_entry* d = git_tree_entry_byname(tree.get(), "d")) {
    c.kind = CommitKind::kDeletion;
    c.blob = Hex40::FromRaw(git_tree_entry_id(d)->id);
  } else {
    // A v1 inbox: the commit adds (or removes) files named after the
    // Message-ID's SHA-1, so the message is what the diff to the parent adds.
    TreePtr parent_tree;
    if (w.parents > 0) {
      CommitPtr commit;
      if (!LookUpCommit(repo, dir, &w.id, &commit, err)) return false;
      git_commit* raw_parent = nullptr;
      if (git_commit_parent(&raw_parent, commit.get(), 0) == 0) {
        CommitPtr parent(raw_parent);
        git_tree* raw_ptree = nullptr;
        if (git_commit_tree(&raw_ptree, parent.get()) == 0) parent_tree.reset(raw_ptree);
      }
    }
    git_diff* raw_diff = nullptr;
    if (git_diff_tree_to_tree(&raw_diff, repo, parent_tree.get(), tree.get(), nullptr) != 0) {
      *err = dir + ": cannot diff commit " + c.id + ": " + LastError();
      return false;
    }
    DiffPtr diff(raw_diff);
    const size_t n = git_diff_num_deltas(diff.get());
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
      // Files of other shapes (a README, source code) are no messages:
      // a code repository must not become an archive of its files.
      if (!IsV1MessagePath(delta->new_file.path) && !IsV1MessagePath(delta->old_file.path)) {
        continue;
      }
      Commit one = c;
      if (delta->status == GIT_DELTA_ADDED || delta->status == GIT_DELTA_MODIFIED) {
        one.kind = CommitKind::kMessage;
        one.blob = Hex40::FromRaw(delta->new_file.id.id);
      } else if (delta->status == GIT_DELTA_DELETED) {
        one.kind = CommitKind::kDeletion;
        one.blob = Hex40::FromRaw(delta->old_file.id.id);
      } else {
        continue;
      }
      out->push_back(std::move(one));
      any = true;
    }
    if (any) return true;
  }
  out->push_back(std::move(c));
  return true;
}

}  // namespace

struct Epoch {
  int number = 0;
  std::string path;
  size_t first_commit = 0;  // its commits in InboxImpl::commits start here
  bool linear = true;       // one line of commits from HEAD (see EpochListing)
  RepoPtr repo;
  OdbPtr odb;  // git_odb reads are thread-safe; repositories are not.
  bool reopen_failed = false;  // after Inbox::ReleaseCaches
};

class InboxImpl {
 public:
  std::string path;
  std::vector<Epoch> epochs;
  std::vector<Commit> commits;
  /// The first position of commit `id`, or npos. A scan: ids are resolved
  /// only for explicit ranges, and a map of them cost 120 bytes a commit.
  size_t PositionOf(std::string_view id) const {
    for (size_t i = 0; i < commits.size(); ++i) {
      if (commits[i].id == id) return i;
    }
    return std::string::npos;
  }

  // The epoch's repository and object database, opened again if
  // Inbox::ReleaseCaches closed them (null when that fails).
  git_repository* Repo(Epoch& e) {
    std::lock_guard<std::mutex> lock(reopen_mutex);
    if (!e.repo && !e.reopen_failed) {
      git_repository* raw_repo = nullptr;
      git_odb* raw_odb = nullptr;
      if (OpenRepository(e.path, &raw_repo)) {
        e.repo.reset(raw_repo);
        if (git_repository_odb(&raw_odb, raw_repo) == 0) e.odb.reset(raw_odb);
      }
      e.reopen_failed = !e.odb;
    }
    return e.repo.get();
  }
  git_odb* Odb(Epoch& e) {
    Repo(e);
    return e.odb.get();
  }
  std::mutex reopen_mutex;

  bool OpenEpoch(const std::string& dir, int number, const std::vector<EpochListing>& known,
                 std::string* err);
  bool ListCommits(int number, const EpochListing* known, std::string* err);
};

bool InboxImpl::OpenEpoch(const std::string& dir, int number,
                          const std::vector<EpochListing>& known, std::string* err) {
  git_repository* repo = nullptr;
  if (!OpenRepository(dir, &repo)) {
    *err = dir + ": not a git repository (" + LastError() +
           "); point archive.path at a public-inbox folder (with git/0.git) or a git clone --mirror";
    return false;
  }
  Epoch epoch;
  epoch.number = number;
  epoch.path = dir;
  epoch.repo.reset(repo);
  // A clone made with --depth has lost the history before its cut: every
  // digest before it would silently be empty.
  if (git_repository_is_shallow(repo) == 1) {
    *err = dir + ": a shallow clone (its history is cut, digests would miss mail); fetch all of "
                 "it with git --git-dir=" + dir + " fetch --unshallow";
    return false;
  }
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) != 0) {
    *err = dir + ": cannot open the object database: " + LastError();
    return false;
  }
  epoch.odb.reset(odb);
  epochs.push_back(std::move(epoch));
  const EpochListing* listing = nullptr;
  for (const auto& k : known) {
    if (k.path == dir) listing = &k;
  }
  return ListCommits(number, listing, err);
}

bool InboxImpl::ListCommits(int number, const EpochListing* known, std::string* err) {
  Epoch& epoch = epochs.back();
  epoch.first_commit = commits.size();
  epoch.linear = true;
  git_repository* repo = epoch.repo.get();
  // The commits an earlier build listed stand when HEAD's line of commits
  // still passes through the last of them: then a full walk would list them
  // first, in the same order, and only what follows is new.
  git_oid last{};
  const bool have_last = known && known->linear && !known->commits.empty() &&
                         !known->commits.back().id.empty() &&
                         git_oid_fromraw(&last, known->commits.back().id.raw()) == 0;
  std::vector<Walked> walked;
  bool reuse = false;
  switch (WalkLine(repo, epoch.path, have_last ? &last : nullptr, &walked, &reuse, err)) {
    case LineWalk::kError:
      return false;
    case LineWalk::kNotOneLine:
      walked.clear();
      reuse = false;
      epoch.linear = false;
      if (!WalkAll(repo, epoch.path, &walked, &epoch.linear, err)) return false;
      break;
    case LineWalk::kDone:
      break;
  }
  if (reuse) {
    commits.reserve(commits.size() + known->commits.size() + walked.size());
    for (const Commit& k : known->commits) {
      Commit c = k;
      c.epoch = number;
      c.deleted = false;
      commits.push_back(std::move(c));
    }
  }
  // The trees, on threads over contiguous stretches of the walk, each with a
  // repository of its own (libgit2's repositories are not thread-safe).
  const size_t n = walked.size();
  constexpr size_t kPerThread = 256;  // a thread and a repository cost well under 1 ms
  const size_t threads = std::max<size_t>(
      1, std::min<size_t>({n / kPerThread, std::thread::hardware_concurrency(), 8}));
  std::vector<std::vector<Commit>> found(threads);
  std::vector<std::string> errors(threads);
  auto read_stretch = [&](size_t t) {
    git_repository* own = repo;
    RepoPtr opened;
    if (t > 0) {
      git_repository* raw = nullptr;
      if (!OpenRepository(epoch.path, &raw)) {
        errors[t] = epoch.path + ": cannot open it again: " + LastError();
        return;
      }
      opened.reset(raw);
      own = raw;
    }
    for (size_t i = n * t / threads; i < n * (t + 1) / threads; ++i) {
      if (!ReadTree(own, epoch.path, number, walked[i], &found[t], &errors[t])) return;
    }
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(read_stretch, t);
  read_stretch(0);
  for (auto& w : workers) w.join();
  for (size_t t = 0; t < threads; ++t) {
    if (!errors[t].empty()) {
      *err = errors[t];
      return false;
    }
    commits.insert(commits.end(), std::make_move_iterator(found[t].begin()),
                   std::make_move_iterator(found[t].end()));
  }
  return true;
}

Inbox::Inbox() = default;
Inbox::~Inbox() = default;
Inbox::Inbox(Inbox&&) noexcept = default;
Inbox& Inbox::operator=(Inbox&&) noexcept = default;

bool Inbox::Open(const std::string& path, Inbox* inbox, std::string* err) {
  return Open(path, {}, inbox, err);
}

void Inbox::ForEachEpoch(const std::function<void(const std::string&, bool, const Commit*,
                                                  size_t)>& fn) const {
  for (size_t e = 0; e < impl_->epochs.size(); ++e) {
    const Epoch& epoch = impl_->epochs[e];
    const size_t end =
        e + 1 < impl_->epochs.size() ? impl_->epochs[e + 1].first_commit : impl_->commits.size();
    fn(epoch.path, epoch.linear, impl_->commits.data() + epoch.first_commit,
       end - epoch.first_commit);
  }
}

std::vector<EpochListing> Inbox::Listings() const {
  std::vector<EpochListing> out;
  for (size_t e = 0; e < impl_->epochs.size(); ++e) {
    const Epoch& epoch = impl_->epochs[e];
    const size_t end =
        e + 1 < impl_->epochs.size() ? impl_->epochs[e + 1].first_commit : impl_->commits.size();
    EpochListing listing;
    listing.path = epoch.path;
    listing.linear = epoch.linear;
    listing.commits.assign(impl_->commits.begin() + static_cast<std::ptrdiff_t>(epoch.first_commit),
                           impl_->commits.begin() + static_cast<std::ptrdiff_t>(end));
    out.push_back(std::move(listing));
  }
  return out;
}

bool Inbox::Open(const std::string& path, const std::vector<EpochListing>& known, Inbox* inbox,
                 std::string* err) {
  InitLibgit2();
  auto impl = std::make_unique<InboxImpl>();
  impl->path = path;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    *err = path + ": archive not found; set archive.path to a public-inbox folder "
                  "(git clone --mirror of each epoch into git/N.git) or a git repository";
    return false;
  }
  const fs::path git_dir = fs::path(path) / "git";
  std::vector<std::pair<int, std::string>> epoch_dirs;
  if (fs::is_directory(git_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(git_dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() < 5 || name.substr(name.size() - 4) != ".git") continue;
      const std::string digits = name.substr(0, name.size() - 4);
      if (digits.empty() || digits.size() > 6 ||
          !std::all_of(digits.begin(), digits.end(), ::isdigit)) {
        continue;
      }
      epoch_dirs.emplace_back(std::stoi(digits), entry.path().string());
    }
    std::sort(epoch_dirs.begin(), epoch_dirs.end());
    if (epoch_dirs.empty()) {
      *err = git_dir.string() + ": no epochs (expected git/0.git, git/1.git, …)";
      return false;
    }
    // Epochs follow each other: without git/1.git between 0 and 2 a stretch
    // of the list's history is missing. (A mirror may start later than 0.)
    for (size_t i = 1; i < epoch_dirs.size(); ++i) {
      const int expected = epoch_dirs[i - 1].first + 1;
      if (epoch_dirs[i].first != expected) {
        const std::string missing = (git_dir / (std::to_string(expected) + ".git")).string();
        *err = git_dir.string() + ": epoch " + std::to_string(expected) + " is missing (found " +
               std::to_string(epoch_dirs[i - 1].first) + ".git and " +
               std::to_string(epoch_dirs[i].first) + ".git); mirror it into " + missing +
               " (git clone --mirror <list URL>/" + std::to_string(expected) + " " + missing + ")";
        return false;
      }
    }
  } else {
    epoch_dirs.emplace_back(0, path);
  }
  for (const auto& [number, dir] : epoch_dirs) {
    if (!impl->OpenEpoch(dir, number, known, err)) return false;
  }
  // The list grew epoch by epoch, each time to twice its size: a million
  // commits held room for 1.6 million (60 MB more) all build long.
  impl->commits.shrink_to_fit();
  const bool any_mail =
      std::any_of(impl->commits.begin(), impl->commits.end(),
                  [](const Commit& c) { return c.kind != CommitKind::kOther; });
  if (!any_mail) {
    *err = path + ": not a public-inbox archive: none of its " +
           std::to_string(impl->commits.size()) +
           " commits holds an `m` or `d` file (v2) or a file named like ab/cdef0123… (v1); point "
           "archive.path at the inbox's folder (with git/0.git) or one of its epochs";
    return false;
  }
  // A `d` blob removes every copy of that message from the archive, also in
  // earlier epochs: public-inbox writes the deletion into the newest one.
  std::unordered_set<std::string> deleted;
  for (const auto& c : impl->commits) {
    if (c.kind == CommitKind::kDeletion) deleted.insert(c.blob.str());
  }
  for (auto& c : impl->commits) {
    if (c.kind == CommitKind::kMessage && deleted.count(c.blob)) c.deleted = true;
  }
  inbox->impl_ = std::move(impl);
  return true;
}

const std::string& Inbox::path() const { return impl_->path; }
int Inbox::epochs() const { return static_cast<int>(impl_->epochs.size()); }
const std::vector<Commit>& Inbox::commits() const { return impl_->commits; }

bool Inbox::Resolve(const std::string& spec, size_t* position, std::string* err) const {
  if (spec.empty()) {
    *err = "empty commit id";
    return false;
  }
  // A hex string is first taken as an id prefix over every epoch.
  if (IsHex(spec) && spec.size() >= 4) {
    std::string lower = spec;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    std::set<std::string> matches;
    for (const Commit& c : impl_->commits) {
      if (c.id.text().view().substr(0, lower.size()) == lower) matches.insert(c.id);
    }
    if (matches.size() == 1) {
      *position = impl_->PositionOf(*matches.begin());
      return true;
    }
    if (matches.size() > 1) {
      *err = "commit " + spec + " is ambiguous in " + impl_->path + " (" +
             std::to_string(matches.size()) + " commits start with it); give more digits";
      return false;
    }
  }
  for (auto e = impl_->epochs.rbegin(); e != impl_->epochs.rend(); ++e) {
    git_object* raw = nullptr;
    git_repository* repo = impl_->Repo(*e);
    if (!repo || git_revparse_single(&raw, repo, spec.c_str()) != 0) continue;
    ObjectPtr object(raw);
    git_object* peeled = nullptr;
    if (git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT) != 0) continue;
    ObjectPtr commit(peeled);
    const size_t at = impl_->PositionOf(Hex(git_object_id(commit.get())));
    if (at != std::string::npos) {
      *position = at;
      return true;
    }
  }
  *err = "commit " + spec + " not found in " + impl_->path +
         "; use an id (or unambiguous prefix) from git log of one of its epochs, or a ref";
  return false;
}

bool Inbox::ResolveRange(const std::string& from, const std::string& to, Range* range,
                         std::string* err) const {
  size_t a = 0, b = 0;
  if (!Resolve(from, &a, err) || !Resolve(to, &b, err)) return false;
  if (a > b) {
    *err = "range " + from + ".." + to + " is reversed: " + from +
           " is newer than " + to + "; swap them";
    return false;
  }
  // A v1 commit that added several files has several positions: the range
  // starts after the last of `from` and ends with the last of `to`.
  const auto& commits = impl_->commits;
  while (a + 1 < commits.size() && commits[a + 1].id == commits[a].id) ++a;
  while (b + 1 < commits.size() && commits[b + 1].id == commits[b].id) ++b;
  range->messages.clear();
  for (size_t i = a + 1; i <= b; ++i) {
    if (commits[i].kind == CommitKind::kMessage && !commits[i].deleted) {
      range->messages.push_back(i);
    }
  }
  range->from = commits[a].id;
  range->to = commits[b].id;
  return true;
}

namespace {

// Reads `c`'s blob from `odb` into `bytes`.
bool ReadFrom(git_odb* odb, const Commit& c, std::string* bytes, std::string* err) {
  git_oid oid;
  if (c.blob.empty() || git_oid_fromraw(&oid, c.blob.raw()) != 0) {
    *err = "commit " + c.id + ": no blob id";
    return false;
  }
  git_odb_object* raw = nullptr;
  if (odb == nullptr || git_odb_read(&raw, odb, &oid) != 0) {
    *err = "commit " + c.id + ": blob " + c.blob + " cannot be read: " + LastError();
    return false;
  }
  OdbObjectPtr object(raw);
  const char* data = static_cast<const char*>(git_odb_object_data(object.get()));
  bytes->assign(data, git_odb_object_size(object.get()));
  return true;
}

}  // namespace

bool Inbox::ReadBlob(size_t position, std::string* bytes, std::string* err) const {
  const Commit& c = impl_->commits.at(position);
  git_odb* odb = nullptr;
  for (Epoch& e : impl_->epochs) {
    if (e.number == c.epoch) odb = impl_->Odb(e);
  }
  return ReadFrom(odb, c, bytes, err);
}

void Inbox::ReleaseCaches() const {
  std::lock_guard<std::mutex> lock(impl_->reopen_mutex);
  for (Epoch& e : impl_->epochs) {
    e.odb.reset();
    e.repo.reset();
  }
}

struct BlobReader::Repositories {
  std::vector<OdbPtr> odbs;  // by index in InboxImpl::epochs, once opened
  std::vector<char> tried;
  size_t current = 0;        // the epoch read last
};

BlobReader::BlobReader(const Inbox& inbox) : inbox_(inbox), own_(new Repositories) {
  own_->odbs.resize(inbox.impl_->epochs.size());
  own_->tried.resize(inbox.impl_->epochs.size(), 0);
}

BlobReader::~BlobReader() = default;

bool BlobReader::Read(size_t position, std::string* bytes, std::string* err) {
  InboxImpl& impl = *inbox_.impl_;
  const Commit& c = impl.commits.at(position);
  for (size_t i = 0; i < impl.epochs.size(); ++i) {
    Epoch& e = impl.epochs[i];
    if (e.number != c.epoch) continue;
    if (i != own_->current) {
      // A thread reads the archive in order: the epoch it leaves, and
      // its packs' caches, are done with (should it come back, it opens
      // the epoch again).
      own_->odbs[own_->current].reset();
      own_->tried[own_->current] = 0;
      own_->current = i;
    }
    if (!own_->tried[i]) {
      own_->tried[i] = 1;
      git_repository* raw_repo = nullptr;
      git_odb* raw_odb = nullptr;
      if (OpenRepository(e.path, &raw_repo)) {
        RepoPtr repo(raw_repo);
        if (git_repository_odb(&raw_odb, repo.get()) == 0) own_->odbs[i].reset(raw_odb);
      }
    }
    // Where the epoch cannot be opened again, the Inbox's own repository.
    return ReadFrom(own_->odbs[i] ? own_->odbs[i].get() : impl.Odb(e), c,
                    bytes, err);
  }
  return ReadFrom(nullptr, c, bytes, err);
}

}  // namespace listdigest::archive
