#include "site/cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <thread>

#include "model/content_hash.h"
#include "model/facts_io.h"
#include "site/manifest.h"

namespace listdigest::site {
namespace {

namespace fs = std::filesystem;

constexpr char kCommitsMagic[] = "LDCOMMIT";
constexpr uint32_t kCommitsFormat = 1;

bool ReadWholeFile(const std::string& path, std::string* out) { return ReadFileBytes(path, out); }

// A temporary file beside `path`, then a rename: a reader (or a build that
// was killed halfway) sees the old file or the new one. `content` hands the
// file's bytes to the sink in pieces, each written at once, so a file of any
// size is written without being held in memory.
bool WriteAtomicallyStreamed(
    const std::string& path,
    const std::function<bool(const model::ByteSink&, std::string*)>& content, std::string* err) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    *err = model::CannotWrite(tmp, errno);
    return false;
  }
  bool ok = content(model::FileSink(fd, tmp), err);
  if (::close(fd) != 0 && ok) {
    *err = model::CannotWrite(tmp, errno);
    ok = false;
  }
  std::error_code ec;
  if (ok) {
    fs::rename(tmp, path, ec);
    if (!ec) return true;
    *err = path + ": cannot replace: " + ec.message();
  }
  fs::remove(tmp, ec);
  return false;
}

// The delta file beside a store's whole file (model/facts_store.h).
std::string DeltaPath(const std::string& whole) {
  return whole.substr(0, whole.size() - std::string_view(".bin").size()) + ".delta";
}

// Writes a store's whole file at `path` (and removes its delta, which
// extends the file replaced), or only its delta file, or nothing, as `plan`
// says (the whole file when there is none yet); `write` streams the delta
// (true) or the whole file (false).
bool SaveStore(const std::string& path, model::StorePlan plan,
               const std::function<bool(bool, const model::ByteSink&, std::string*)>& write,
               std::string* err) {
  std::error_code ec;
  if (!fs::exists(path, ec)) plan = model::StorePlan::kWhole;
  if (plan == model::StorePlan::kWhole) {
    if (!WriteAtomicallyStreamed(path,
                                 [&](const model::ByteSink& sink, std::string* why) {
                                   return write(false, sink, why);
                                 },
                                 err)) {
      return false;
    }
    // A build killed before this removal drops the stale delta when it loads.
    fs::remove(DeltaPath(path), ec);
    return true;
  }
  if (plan == model::StorePlan::kNothing) return true;
  // What this build added (and what of the delta it still uses) beside the
  // whole file, which stays as it is.
  return WriteAtomicallyStreamed(DeltaPath(path),
                                 [&](const model::ByteSink& sink, std::string* why) {
                                   return write(true, sink, why);
                                 },
                                 err);
}

// Where a store's records added by this build wait until Save: beside its
// file, with a name that Save's clean-up of a killed build's leftovers knows.
std::string SpillPath(const std::string& dir, const char* file) {
  return (fs::path(dir) / file).string() + ".tmp-" + std::to_string(::getpid()) + "-added";
}

class Out {
 public:
  void U8(uint8_t v) { s_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) s_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) s_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void Str(std::string_view v) {
    U64(v.size());
    s_ += v;
  }
  std::string Finish() {
    const model::Hash128 h = model::HashBytes(s_);
    U64(h.lo);
    U64(h.hi);
    return std::move(s_);
  }
  std::string s_;
};

class In {
 public:
  explicit In(std::string_view s) : s_(s) {}
  bool U8(uint8_t* v) {
    if (pos_ >= s_.size()) return ok_ = false;
    *v = static_cast<uint8_t>(s_[pos_++]);
    return true;
  }
  bool U64(uint64_t* v, int bytes = 8) {
    if (s_.size() - pos_ < static_cast<size_t>(bytes)) return ok_ = false;
    uint64_t r = 0;
    for (int i = bytes - 1; i >= 0; --i) r = (r << 8) | static_cast<unsigned char>(s_[pos_ + i]);
    pos_ += static_cast<size_t>(bytes);
    *v = r;
    return true;
  }
  bool Str(std::string* v) {
    uint64_t n = 0;
    if (!U64(&n) || n > s_.size() - pos_) return ok_ = false;
    v->assign(s_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Checks the trailing checksum; returns the bytes before it.
bool Verified(const std::string& bytes, std::string_view* body) {
  if (bytes.size() < 16) return false;
  *body = std::string_view(bytes.data(), bytes.size() - 16);
  In tail(std::string_view(bytes).substr(bytes.size() - 16));
  model::Hash128 stored;
  tail.U64(&stored.lo);
  tail.U64(&stored.hi);
  return model::HashBytes(*body) == stored;
}

// commits.bin, streamed to `sink` a few hundred kilobytes at a time: an
// archive of a million commits makes a file of about 100 MB.
bool WriteCommits(const std::string& archive, const archive::Inbox& inbox,
                  const model::ByteSink& sink, std::string* err) {
  model::HashingWriter writer(sink, err);
  Out o;
  auto flush = [&] {
    writer.Put(o.s_);
    o.s_.clear();
  };
  o.s_.assign(kCommitsMagic, sizeof kCommitsMagic - 1);
  o.U32(kCommitsFormat);
  o.Str(GeneratorIdentity());
  o.Str(archive);
  size_t epochs = 0;
  inbox.ForEachEpoch([&](const std::string&, bool, const archive::Commit*, size_t) { ++epochs; });
  o.U64(epochs);
  inbox.ForEachEpoch([&](const std::string& path, bool linear, const archive::Commit* first,
                         size_t count) {
    o.Str(path);
    o.U8(linear ? 1 : 0);
    o.U64(count);
    for (const archive::Commit* c = first; c != first + count; ++c) {
      o.Str(c->id.text().view());
      o.U64(static_cast<uint64_t>(c->time));
      o.U8(static_cast<uint8_t>(c->kind));
      o.Str(c->blob.text().view());
      if (o.s_.size() >= (256 << 10)) flush();
    }
  });
  flush();
  return writer.Finish();
}

// Decodes commits.bin; `why` says what is wrong with it.
bool DecodeCommits(const std::string& bytes, const std::string& archive,
                   std::vector<archive::EpochListing>* epochs, std::string* why) {
  std::string_view body;
  const size_t magic = sizeof kCommitsMagic - 1;
  if (bytes.compare(0, magic, kCommitsMagic) != 0 || !Verified(bytes, &body)) {
    *why = "corrupt (commits.bin)";
    return false;
  }
  In in(body.substr(magic));
  uint64_t format = 0, count = 0;
  std::string identity, path;
  if (!in.U64(&format, 4) || format != kCommitsFormat || !in.Str(&identity) ||
      identity != GeneratorIdentity()) {
    *why = "from another listdigest build";
    return false;
  }
  if (!in.Str(&path) || path != archive) {
    *why = "from another archive (" + path + ")";
    return false;
  }
  in.U64(&count);
  std::vector<archive::EpochListing> out;
  for (uint64_t e = 0; e < count && in.ok(); ++e) {
    archive::EpochListing listing;
    uint8_t linear = 0;
    uint64_t n = 0;
    in.Str(&listing.path);
    in.U8(&linear);
    listing.linear = linear == 1;
    if (!in.U64(&n) || n > body.size()) break;
    listing.commits.resize(n);
    for (auto& c : listing.commits) {
      uint64_t time = 0;
      uint8_t kind = 0;
      std::string id, blob;
      in.Str(&id);
      in.U64(&time);
      in.U8(&kind);
      in.Str(&blob);
      c.id = id;
      c.blob = blob;
      // Ids are 40 hex digits or, for a commit of no message, no blob id.
      const bool ids_sound = !c.id.empty() && (blob.empty() || !c.blob.empty());
      if (!in.ok() || kind > static_cast<uint8_t>(archive::CommitKind::kOther) || !ids_sound) {
        *why = "corrupt (commits.bin)";
        return false;
      }
      c.time = static_cast<int64_t>(time);
      c.kind = static_cast<archive::CommitKind>(kind);
    }
    out.push_back(std::move(listing));
  }
  if (!in.ok() || !in.at_end() || out.size() != count) {
    *why = "corrupt (commits.bin)";
    return false;
  }
  *epochs = std::move(out);
  return true;
}

std::string HashOfExecutable() {
  std::string bytes;
  if (!ReadFileBytes("/proc/self/exe", &bytes)) return "unknown";
  return model::HashBytes(bytes).Hex();
}

}  // namespace

const std::string& GeneratorIdentity() {
  static const std::string identity =
      std::string("listdigest ") + LISTDIGEST_VERSION + "; facts format " +
      std::to_string(model::kFactsFormat) + "; commits format " + std::to_string(kCommitsFormat) +
      "; executable " + HashOfExecutable();
  return identity;
}

BuildCache::~BuildCache() {
  JoinLoaders();
  if (facts_saver_.joinable()) facts_saver_.join();
}

void BuildCache::Load(const std::string& dir, const std::string& archive_path, bool read,
                      std::string* notice) {
  JoinLoaders();
  dir_ = dir;
  std::error_code ec;
  archive_ = fs::weakly_canonical(fs::absolute(archive_path, ec), ec).string();
  notice->clear();
  facts_.SetSpillFile(SpillPath(dir, "facts.bin"));
  terms_.SetSpillFile(SpillPath(dir, "terms.bin"));
  if (!read) return;
  // commits.bin now: the archive is listed from it. facts.bin and terms.bin
  // are read and checked on two threads meanwhile, each waited for when
  // first needed (facts() by the mail step, terms() by the search step).
  std::string commits, why;
  const bool have_commits = ReadWholeFile((fs::path(dir) / "commits.bin").string(), &commits);
  const std::string facts_path = (fs::path(dir) / "facts.bin").string();
  const bool have_facts = fs::exists(facts_path, ec);
  if (!have_commits && !have_facts) {
    *notice = "no build cache in " + dir + " yet: reading every message (later builds reuse it)";
    return;
  }
  if (!have_commits || !DecodeCommits(commits, archive_, &known_, &why)) {
    if (why.empty()) why = "incomplete (no commits.bin)";
    *notice = "build cache in " + dir + " is " + why + ": rebuilding it";
    known_.clear();
    // Facts of another archive are not wrong, but of no use either: they
    // are dropped with the rest rather than carried along.
    if (why.rfind("from another archive", 0) == 0) return;
  } else {
    commits_hash_ = model::HashBytes(commits);
  }
  if (!have_facts && notice->empty()) {
    *notice = "build cache in " + dir + " is incomplete (no facts.bin): rebuilding it";
  }
  noticed_ = !notice->empty();
  if (have_facts) {
    facts_loader_ = std::thread([this, facts_path] {
      // The model's texts are views into these bytes.
      model::LoadedBytes facts;
      size_t whole = 0;
      facts_ok_ = model::LoadedBytes::Load(facts_path, DeltaPath(facts_path), &facts, &whole) &&
                  facts_.Parse(std::move(facts), whole, GeneratorIdentity(), &facts_why_,
                               &facts_delta_why_);
      if (!facts_ok_ && facts_why_.empty()) facts_why_ = "unreadable (facts.bin)";
      // Checking and indexing it read every page: the model's reading
      // takes back those it needs.
      facts_.ReleaseLoaded();
    });
  }
  terms_loader_ = std::thread([this, dir] {
    model::LoadedBytes terms;
    const std::string path = (fs::path(dir) / "terms.bin").string();
    size_t whole = 0;
    have_terms_ = model::LoadedBytes::Load(path, DeltaPath(path), &terms, &whole);
    if (have_terms_) {
      terms_ok_ = terms_.Parse(std::move(terms), whole, GeneratorIdentity(), &terms_why_,
                               &terms_delta_why_);
      // The same: the index takes back the pages it needs.
      terms_.ReleaseLoaded();
    }
  });
}

model::FactsStore* BuildCache::facts() {
  if (facts_loader_.joinable()) {
    facts_loader_.join();
    // Damaged facts are dropped (Parse left the store empty); the commits
    // listed are still sound, and so are the search terms, which are
    // known by their text.
    if (!facts_ok_) Late("build cache in " + dir_ + " is " + facts_why_ + ": rebuilding it");
    // A damaged delta loses only the messages it held: they are read again.
    if (facts_ok_ && !facts_delta_why_.empty()) {
      Late((fs::path(dir_) / "facts.delta").string() + " is " + facts_delta_why_ +
           ": reading its messages again");
    }
  }
  return &facts_;
}

search::TermCache* BuildCache::terms() {
  if (terms_loader_.joinable()) {
    terms_loader_.join();
    // Search terms only save time; without them the build tokenizes again.
    if (!have_terms_) {
      Late("build cache in " + dir_ + " is incomplete (no terms.bin): rebuilding it");
    } else if (!terms_ok_) {
      Late("build cache in " + dir_ + " is " + terms_why_ + ": rebuilding it");
    } else if (!terms_delta_why_.empty()) {
      Late((fs::path(dir_) / "terms.delta").string() + " is " + terms_delta_why_ +
           ": indexing its documents again");
    }
  }
  return &terms_;
}

std::vector<std::string> BuildCache::TakeNotices() {
  std::vector<std::string> out;
  out.swap(late_notices_);
  return out;
}

void BuildCache::Late(std::string notice) {
  // One notice per cache is enough: the first says it is being rebuilt.
  if (noticed_) return;
  noticed_ = true;
  late_notices_.push_back(std::move(notice));
}

void BuildCache::JoinLoaders() {
  if (facts_loader_.joinable()) facts_loader_.join();
  if (terms_loader_.joinable()) terms_loader_.join();
}

std::vector<std::string> BuildCache::RewrittenEpochs(const archive::Inbox& inbox) const {
  std::vector<std::string> out;
  const auto& commits = inbox.commits();
  for (const auto& k : known_) {
    if (k.commits.empty()) continue;
    bool found = false;
    for (const auto& c : commits) {
      if (c.id == k.commits.back().id) {
        found = true;
        break;
      }
    }
    if (!found) {
      out.push_back("history of " + k.path + " was rewritten since the last build (commit " +
                    k.commits.back().id.substr(0, 12) +
                    " is gone): reading that epoch again");
    }
  }
  return out;
}

void BuildCache::StartSavingFacts(const archive::Inbox& inbox) {
  if (facts_saver_.joinable() || facts_saved_) return;
  facts();
  facts_saver_ = std::thread([this, &inbox] {
    facts_save_ok_ = PrepareFolder(&facts_save_err_) && SaveModelFiles(inbox, &facts_save_err_);
    facts_saved_ = true;
  });
}

bool BuildCache::Save(const archive::Inbox& inbox, std::string* err) {
  if (!facts_saver_.joinable() && !facts_saved_) {
    facts();
    facts_save_ok_ = PrepareFolder(&facts_save_err_) && SaveModelFiles(inbox, &facts_save_err_);
    facts_saved_ = true;
  }
  if (facts_saver_.joinable()) facts_saver_.join();
  terms();
  bool saved = facts_save_ok_;
  if (!saved) *err = facts_save_err_;
  if (saved) saved = SaveTerms(err);
  // Saved or not, the stores' memory and spill files go.
  facts_.Clear();
  terms_.Clear();
  return saved;
}

bool BuildCache::PrepareFolder(std::string* err) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    *err = dir_ + ": cannot create the cache folder: " + ec.message() +
           "; set cache_dir to a writable folder";
    return false;
  }
  // Temporary files of a build that was killed while saving; not this
  // build's (its spill files, or the output state being written meanwhile).
  const std::string mine = ".tmp-" + std::to_string(::getpid());
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    const size_t at = name.find(".tmp-");
    if (at == std::string::npos) continue;
    const size_t end = at + mine.size();
    const bool own = name.compare(at, mine.size(), mine) == 0 &&
                     (end == name.size() || name[end] == '-');
    if (!own) fs::remove(entry.path(), ec);
  }
  return true;
}

bool BuildCache::SaveModelFiles(const archive::Inbox& inbox, std::string* err) {
  // The file is made twice, never held: once to hash it, once to write it
  // when it differs from the one read.
  model::Hasher hasher;
  std::string unused;
  WriteCommits(archive_, inbox,
               [&hasher](std::string_view bytes, std::string*) {
                 hasher.Update(bytes);
                 return true;
               },
               &unused);
  const model::Hash128 commits_hash = hasher.Finish();
  if (commits_hash != commits_hash_) {
    if (!WriteAtomicallyStreamed((fs::path(dir_) / "commits.bin").string(),
                                 [&](const model::ByteSink& sink, std::string* why) {
                                   return WriteCommits(archive_, inbox, sink, why);
                                 },
                                 err)) {
      return false;
    }
    commits_hash_ = commits_hash;
  }
  return SaveStore((fs::path(dir_) / "facts.bin").string(), facts_.SavePlan(),
                   [this](bool delta, const model::ByteSink& sink, std::string* why) {
                     return delta ? facts_.WriteDelta(GeneratorIdentity(), sink, why)
                                  : facts_.Write(GeneratorIdentity(), sink, why);
                   },
                   err);
}

bool BuildCache::SaveTerms(std::string* err) {
  return SaveStore((fs::path(dir_) / "terms.bin").string(), terms_.SavePlan(),
                   [this](bool delta, const model::ByteSink& sink, std::string* why) {
                     return delta ? terms_.WriteDelta(GeneratorIdentity(), sink, why)
                                  : terms_.Write(GeneratorIdentity(), sink, why);
                   },
                   err);
}

}  // namespace listdigest::site
