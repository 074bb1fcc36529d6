#include "archive/inbox.h"

#include <git2.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace listdigest::archive {
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

}  // namespace

struct Epoch {
  int number = 0;
  std::string path;
  size_t first_commit = 0;  // its commits in InboxImpl::commits start here
  bool linear = true;       // one line of commits from HEAD (see EpochListing)
  RepoPtr repo;
  OdbPtr odb;  // git_odb reads are thread-safe; repositories are not.
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
      if (std::string_view(commits[i].id) == id) return i;
    }
    return std::string::npos;
  }

  bool OpenEpoch(const std::string& dir, int number, const std::vector<EpochListing>& known,
                 std::string* err);
  bool ListCommits(int number, const EpochListing* known, std::string* err);
};

bool InboxImpl::OpenEpoch(const std::string& dir, int number,
                          const std::vector<EpochListing>& known, std::string* err) {
  git_repository* repo = nullptr;
  if (git_repository_open_bare(&repo, dir.c_str()) != 0 &&
      git_repository_open_ext(&repo, dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
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
  git_revwalk* raw_walk = nullptr;
  if (git_revwalk_new(&raw_walk, repo) != 0) {
    *err = epoch.path + ": " + LastError();
    return false;
  }
  WalkPtr walk(raw_walk);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
  // The commits an earlier build listed stand when HEAD still descends from
  // the last of them and the history is one line: then a full walk would
  // list them first, in the same order, and only what follows is new.
  git_oid last{}, head{};
  bool reuse = known && known->linear && !known->commits.empty() &&
               git_oid_fromstr(&last, known->commits.back().id.c_str()) == 0 &&
               git_reference_name_to_id(&head, repo, "HEAD") == 0 &&
               (git_oid_equal(&head, &last) || git_graph_descendant_of(repo, &head, &last) == 1) &&
               git_revwalk_hide(walk.get(), &last) == 0;
  if (reuse) {
    for (const Commit& k : known->commits) {
      Commit c = k;
      c.epoch = number;
      c.deleted = false;
      commits.push_back(std::move(c));
    }
  }
  if (git_revwalk_push_head(walk.get()) != 0) {
    // A mirror whose HEAD names a missing branch: walk every branch instead.
    epoch.linear = false;
    if (git_revwalk_push_glob(walk.get(), "refs/heads/*") != 0) {
      *err = epoch.path + ": has no commits (HEAD and refs/heads/ are empty); is it a cloned inbox?";
      return false;
    }
  }
  git_oid oid;
  git_oid previous = last;
  while (git_revwalk_next(&oid, walk.get()) == 0) {
    git_commit* raw_commit = nullptr;
    if (git_commit_lookup(&raw_commit, repo, &oid) != 0) {
      *err = epoch.path + ": commit " + Hex(&oid) + " cannot be read: " + LastError() +
             "; run git fsck in that repository";
      return false;
    }
    CommitPtr commit(raw_commit);
    const unsigned parents = git_commit_parentcount(commit.get());
    if (parents > 1) epoch.linear = false;
    if (reuse && (parents != 1 || !git_oid_equal(git_commit_parent_id(commit.get(), 0), &previous))) {
      // Not one line after all (a merge): list the whole epoch again.
      commits.resize(epoch.first_commit);
      return ListCommits(number, nullptr, err);
    }
    git_oid_cpy(&previous, &oid);
    git_tree* raw_tree = nullptr;
    if (git_commit_tree(&raw_tree, commit.get()) != 0) {
      *err = epoch.path + ": tree of commit " + Hex(&oid) + " cannot be read: " + LastError();
      return false;
    }
    TreePtr tree(raw_tree);
    Commit c;
    c.epoch = number;
    c.id = Hex(&oid);
    c.time = static_cast<int64_t>(git_commit_time(commit.get()));
    if (const git_tree_entry* m = git_tree_entry_byname(tree.get(), "m")) {
      c.kind = CommitKind::kMessage;
      c.blob = Hex(git_tree_entry_id(m));
    } else if (const git_tree_entry* d = git_tree_entry_byname(tree.get(), "d")) {
      c.kind = CommitKind::kDeletion;
      c.blob = Hex(git_tree_entry_id(d));
    } else {
      // A v1 inbox: the commit adds (or removes) files named after the
      // Message-ID's SHA-1, so the message is what the diff to the parent adds.
      TreePtr parent_tree;
      if (git_commit_parentcount(commit.get()) > 0) {
        git_commit* raw_parent = nullptr;
        if (git_commit_parent(&raw_parent, commit.get(), 0) == 0) {
          CommitPtr parent(raw_parent);
          git_tree* raw_ptree = nullptr;
          if (git_commit_tree(&raw_ptree, parent.get()) == 0) parent_tree.reset(raw_ptree);
        }
      }
      git_diff* raw_diff = nullptr;
      if (git_diff_tree_to_tree(&raw_diff, repo, parent_tree.get(), tree.get(), nullptr) != 0) {
        *err = epoch.path + ": cannot diff commit " + c.id + ": " + LastError();
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
          one.blob = Hex(&delta->new_file.id);
        } else if (delta->status == GIT_DELTA_DELETED) {
          one.kind = CommitKind::kDeletion;
          one.blob = Hex(&delta->old_file.id);
        } else {
          continue;
        }
        commits.push_back(std::move(one));
        any = true;
      }
      if (any) continue;
    }
    commits.push_back(std::move(c));
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
    if (c.kind == CommitKind::kDeletion) deleted.insert(c.blob);
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
      if (std::string_view(c.id).substr(0, lower.size()) == lower) matches.insert(c.id);
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
    if (git_revparse_single(&raw, e->repo.get(), spec.c_str()) != 0) continue;
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

bool Inbox::ReadBlob(size_t position, std::string* bytes, std::string* err) const {
  const Commit& c = impl_->commits.at(position);
  git_oid oid;
  if (git_oid_fromstr(&oid, c.blob.c_str()) != 0) {
    *err = "commit " + c.id + ": bad blob id";
    return false;
  }
  git_odb_object* raw = nullptr;
  git_odb* odb = nullptr;
  for (const Epoch& e : impl_->epochs) {
    if (e.number == c.epoch) odb = e.odb.get();
  }
  if (odb == nullptr || git_odb_read(&raw, odb, &oid) != 0) {
    *err = "commit " + c.id + ": blob " + c.blob + " cannot be read: " + LastError();
    return false;
  }
  OdbObjectPtr object(raw);
  const char* data = static_cast<const char*>(git_odb_object_data(object.get()));
  bytes->assign(data, git_odb_object_size(object.get()));
  return true;
}

}  // namespace listdigest::archive
