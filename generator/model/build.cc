// Building the model: read and parse every message in parallel, then assign
// people, threads and series in archive order so the result never depends on
// the number of threads.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "model/archive.h"
#include "model/content_hash.h"
#include "model/patch_text.h"
#include "model/series.h"

namespace listdigest::model {
namespace {


bool IsReviewKind(const std::string& kind) {
  return kind == "Reviewed-by" || kind == "Acked-by" || kind == "Tested-by";
}

// "Applied to kvmarm/next, thanks!" written by the maintainer in a reply,
// outside the quoted patch.
bool HasAppliedNote(const std::string& body) {
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string_view line(body.data() + pos, end - pos);
    pos = end + 1;
    if (line == "-- ") break;
    for (const char* word : {"Applied", "Queued", "Pushed", "Merged"}) {
      if (line.rfind(word, 0) == 0) return true;
    }
  }
  return false;
}

// Nanoseconds spent by one thread in each phase of ParseOne.
struct PhaseTimes {
  int64_t read = 0, parse = 0, facts = 0;
};

MessageFacts ParseOne(const archive::Inbox& inbox, archive::BlobReader& reader, size_t position,
                      PhaseTimes* times) {
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count();
  };
  const archive::Commit& commit = inbox.commits()[position];
  std::string bytes, err;
  mail::Message message;
  auto t = Clock::now();
  const bool read = reader.Read(position, &bytes, &err);
  times->read += since(t);
  t = Clock::now();
  if (!read) {
    message.diagnostics.push_back(err);
    message.message_id = "missing-" + commit.blob + "@listdigest.invalid";
  } else {
    message = mail::ParseMessage(bytes);
  }
  times->parse += since(t);
  t = Clock::now();
  MessageFacts facts = ExtractFacts(message);
  times->facts += since(t);
  return facts;
}

// Picks the display name of one address: the most used real name, where a
// real name is not empty and not the address's local part ("isaku.yamahata").
std::string DisplayName(const std::string& email, const std::map<std::string, int>& names) {
  const std::string local = email.substr(0, email.find('@'));
  std::string best, fallback;
  int best_count = 0, fallback_count = 0;
  for (const auto& [name, count] : names) {
    const bool real = !name.empty() && Lower(name) != local && name.find('@') == std::string::npos;
    if (real && count > best_count) best = name, best_count = count;
    if (!real && !name.empty() && count > fallback_count) fallback = name, fallback_count = count;
  }
  if (!best.empty()) return best;
  if (!fallback.empty()) return fallback;
  return local.empty() ? email : local;
}

class PeopleBuilder {
 public:
  explicit PeopleBuilder(const archive::Mailmap& mailmap) : mailmap_(mailmap) {}

  // Registers a person as written in a message.
  void Add(const mail::Address& address) {
    // Most addresses come again and again as written: counted at once.
    const std::string& written = AsWritten(address, &written_);
    if (auto it = added_.find(written); it != added_.end()) {
      ++*it->second;
      return;
    }
    std::string name = address.name, email = address.email;
    mailmap_.Resolve(&name, &email);
    std::string key = Lower(email);
    if (key.empty()) key = "unknown@invalid";
    Entry& e = entries_[key];
    int& count = e.names[name];
    ++count;
    std::string lower = Lower(address.email);
    e.emails.insert(lower.empty() ? key : std::move(lower));
    added_.emplace(written, &count);
  }

  // Counts a name seen in a trailer for an address already known. After
  // the last Add.
  void SeeName(const mail::Address& address) {
    // The same trailers come again and again: each name as written is
    // looked up once (nullptr: not counted).
    const std::string& written = AsWritten(address, &written_);
    auto seen = seen_.find(written);
    if (seen == seen_.end()) {
      std::string name = address.name, email = address.email;
      mailmap_.Resolve(&name, &email);
      auto it = entries_.find(Lower(email));
      int* count = it != entries_.end() && !name.empty() ? &it->second.names[name] : nullptr;
      seen = seen_.emplace(written, count).first;
    }
    if (seen->second) ++*seen->second;
  }

  // The person's key: the lower-cased address after the mailmap.
  std::string KeyOf(const mail::Address& address) const {
    std::string name = address.name, email = address.email;
    mailmap_.Resolve(&name, &email);
    return Lower(email);
  }

  // A name and an address as written, as one key, made in `*key` (a
  // buffer used again and again).
  static const std::string& AsWritten(const mail::Address& address, std::string* key) {
    key->assign(address.name);
    *key += '\0';
    *key += address.email;
    return *key;
  }

  std::vector<Person> Finish(std::unordered_map<std::string, int>* index) const {
    // People come out sorted by key.
    std::vector<const std::pair<const std::string, Entry>*> sorted;
    sorted.reserve(entries_.size());
    for (const auto& entry : entries_) sorted.push_back(&entry);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto* x, const auto* y) { return x->first < y->first; });
    std::vector<Person> people;
    for (const auto* entry : sorted) {
      const auto& [key, e] = *entry;
      Person p;
      p.email = key;
      p.name = DisplayName(key, e.names);
      p.emails.assign(e.emails.begin(), e.emails.end());
      (*index)[key] = static_cast<int>(people.size());
      people.push_back(std::move(p));
    }
    // Slugs come from the address, which never changes for a person, not
    // from the name, which can ("isaku.yamahata" becomes "Isaku Yamahata").
    // "a.b@x.org" and "a-b@x.org" would share "a-b-x-org": both get a hash.
    std::map<std::string, int> uses;
    for (const auto& p : people) uses[Slugify(p.email, 80)]++;
    for (auto& p : people) {
      p.slug = Slugify(p.email, 80);
      if (uses[p.slug] > 1) p.slug += "-" + ShortHash(p.email, 6);
    }
    return people;
  }

 private:
  struct Entry {
    std::map<std::string, int> names;
    std::set<std::string> emails;
  };
  const archive::Mailmap& mailmap_;
  std::unordered_map<std::string, Entry> entries_;  // by key
  // By AsWritten: the count of that name in its person's entry.
  std::unordered_map<std::string, int*> added_;
  std::unordered_map<std::string, int*> seen_;  // the same for SeeName
  std::string written_;                         // AsWritten's buffer
};

// The message `m` answers: In-Reply-To when it is in the archive, else the
// newest References id that is. Never itself, and never a message that
// already answers `m` through its own parents: broken clients write cycles
// (A's In-Reply-To names B, B's names A) and threads must stay trees.
// `root_of` (when given) gives the top of the thread a message is in so
// far; `self` is still a top. Sets `*cycle` when a link was dropped for
// that reason.
int FindParent(const Archive& a, const MessageFacts& m, int self,
               const std::function<int(int)>* root_of, bool* cycle) {
  for (uint64_t key : m.above) {
    const int parent = a.FindKey(key);
    if (parent < 0 || parent == self) continue;
    if (root_of && (*root_of)(parent) == self) {
      *cycle = true;
      continue;
    }
    return parent;
  }
  return -1;
}

}  // namespace

const char* StateName(State state) {
  switch (state) {
    case State::kNew: return "new";
    case State::kReviewed: return "reviewed";
    case State::kSuperseded: return "superseded";
    case State::kApplied: return "applied";
    case State::kNoReply: return "no-reply";
  }
  return "new";
}

WrittenAddress::WrittenAddress(const mail::Address& address) {
  struct Hash {
    size_t operator()(const mail::Address& a) const {
      const std::hash<std::string_view> h;
      return h(a.name) * 31 + h(a.email);
    }
  };
  // Nodes never move: pointers to them stay valid as the set grows.
  static std::mutex mutex;
  static auto* pool = new std::unordered_set<mail::Address, Hash>();
  std::lock_guard<std::mutex> lock(mutex);
  p_ = &*pool->insert(address).first;
}

const mail::Address& WrittenAddress::Empty() {
  static const mail::Address empty;
  return empty;
}

uint64_t MessageKey(std::string_view message_id) {
  const uint64_t key = HashBytes(message_id).lo;
  return key == 0 ? 1 : key;  // 0 is no id
}

int Archive::FindMessage(std::string_view id) const {
  return id.empty() ? -1 : FindKey(MessageKey(id));
}

int Archive::FindKey(uint64_t key) const {
  if (key == 0) return -1;
  auto it = std::lower_bound(message_by_id.begin(), message_by_id.end(),
                             std::make_pair(key, std::numeric_limits<int>::min()));
  return it != message_by_id.end() && it->first == key ? it->second : -1;
}

int Archive::MessageAt(size_t position) const {
  // Messages are in archive order: their positions increase.
  auto it = std::lower_bound(messages.begin(), messages.end(), position,
                             [](const MessageFacts& m, size_t p) { return m.position < p; });
  return it != messages.end() && it->position == position ? static_cast<int>(it - messages.begin())
                                                          : -1;
}

MessageFacts ExtractFacts(const mail::Message& message) {
  MessageFacts f;
  f.message_id = message.message_id;
  f.above.reserve(1 + message.references.size());
  f.above.push_back(message.in_reply_to.empty() ? 0 : MessageKey(message.in_reply_to));
  for (auto it = message.references.rbegin(); it != message.references.rend(); ++it) {
    f.above.push_back(MessageKey(*it));
  }
  f.subject = message.subject;
  f.author_as_written = WrittenAddress(message.author);
  f.from = message.from == message.author ? f.author_as_written : WrittenAddress(message.from);
  f.date = message.date;
  if (!message.diagnostics.empty()) f.diagnostics.mut() = message.diagnostics;
  if (message.subject.patch) {
    f.trailers.reserve(message.trailers.size());
    for (const auto& t : message.trailers) {
      // A person's trailer is read through its `who`; its value, the same
      // again as written, is only kept for the others (change-id).
      const bool person = mail::IsPersonTrailer(t.kind);
      f.trailers.push_back({t.kind, person ? "" : t.value, WrittenAddress(t.who)});
    }
    MessageTexts& texts = f.texts.mut();
    if (message.subject.head_like()) {
      texts.excerpt = mail::DigestExcerpt(message.body);
      texts.excerpt.shrink_to_fit();  // DigestExcerpt's string has the whole body's capacity
    } else {
      std::string& d = texts.description;
      d = mail::DigestExcerpt(message.body);
      if (d.size() > kDescriptionBytes) {
        size_t cut = kDescriptionBytes;  // on a character boundary
        while (cut > 0 && (static_cast<unsigned char>(d[cut]) & 0xC0) == 0x80) --cut;
        d.resize(cut);
      }
      d.shrink_to_fit();  // DigestExcerpt's string has the whole body's capacity
    }
    if (message.subject.head_like()) {
      std::vector<std::string> links = VersionLinks(message.body);
      if (!links.empty()) f.version_links.mut() = std::move(links);
    }
    if (message.subject.number != 0) {
      f.diff_hash = DiffHash(message.body);
      f.texts.mut().notes = PatchNotes(message.body);
    }
  }
  if (message.subject.reply) {
    f.applied_note = HasAppliedNote(message.body);
    for (const auto& t : message.trailers) {
      if (IsReviewKind(t.kind)) f.trailers.push_back({t.kind, "", WrittenAddress(t.who)});
    }
  }
  return f;
}

Archive BuildArchive(const archive::Inbox& inbox, const archive::Mailmap& mailmap, int jobs,
                     const Progress& progress, FactsCache* cache, BuildTimes* times,
                     const std::function<void()>& read_all) {
  std::vector<size_t> positions;
  const auto& commits = inbox.commits();
  for (size_t i = 0; i < commits.size(); ++i) {
    if (commits[i].kind == archive::CommitKind::kMessage && !commits[i].deleted) {
      positions.push_back(i);
    }
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<MessageFacts> parsed(positions.size());
  std::vector<char> from_cache(positions.size(), 0);
  std::atomic<size_t> next{0}, done{0};
  std::atomic<int64_t> read_ns{0}, parse_ns{0}, facts_ns{0};
  constexpr size_t kChunk = 64;
  // Chunks go to the cache in archive order as soon as all before them are
  // parsed; then their long texts go to the TextStore, so that they never
  // pile up in memory.
  auto texts = std::make_shared<TextStore>();
  // The texts of cached facts stay where the cache loaded them.
  // (Their views wait here until their chunk is flushed; none without a
  // loaded cache, as in a clean build.)
  const std::shared_ptr<const LoadedBytes> loaded = cache ? cache->loaded_bytes() : nullptr;
  if (cache) texts->SetExternal(loaded);
  std::vector<TextViews> cached_texts(cache && cache->loaded_bytes() ? positions.size() : 0);
  const size_t chunk_count = (positions.size() + kChunk - 1) / kChunk;
  std::vector<char> chunk_done(chunk_count, 0);
  std::mutex flush_mutex;
  size_t flushed = 0;
  auto flush = [&](size_t chunk) {
    std::lock_guard<std::mutex> lock(flush_mutex);
    // The cache's records are read in about the order of its file: every
    // 8,192 messages the pages read so far leave memory (those still to be
    // read come back). Without this a build of 500,000 messages from the
    // cache held all 420 MB of its file at the end of reading.
    if (loaded && chunk % 128 == 127) loaded->Release();
    chunk_done[chunk] = 1;
    for (; flushed < chunk_count && chunk_done[flushed]; ++flushed) {
      const size_t end = std::min(positions.size(), (flushed + 1) * kChunk);
      for (size_t i = flushed * kChunk; i < end; ++i) {
        MessageFacts& f = parsed[i];
        if (cache && !from_cache[i]) cache->Add(commits[positions[i]].blob, f);
        // A text is in the facts as parsed, or a view into the cache's
        // loaded bytes (FindLoaded), which stays where it is.
        const TextViews views = cached_texts.empty() ? TextViews{} : cached_texts[i];
        const MessageTexts& t = f.texts.get();
        auto ref = [&texts](std::string_view view, const std::string& text) {
          return view.empty() ? texts->Add(text) : texts->Refer(view);
        };
        f.excerpt_ref = ref(views.excerpt, t.excerpt);
        f.description_ref = ref(views.description, t.description);
        f.notes_ref = ref(views.notes, t.notes);
        f.texts.reset();
      }
    }
  };
  // Returns false when there is no work left.
  // Each thread reads through repositories of its own (archive::BlobReader).
  auto work_chunk = [&](archive::BlobReader& reader) {
    PhaseTimes phases;
    const size_t begin = next.fetch_add(kChunk);
    if (begin >= positions.size()) return false;
    const size_t end = std::min(positions.size(), begin + kChunk);
    for (size_t i = begin; i < end; ++i) {
      const archive::Commit& commit = commits[positions[i]];
      MessageFacts& f = parsed[i];
      TextViews unused;
      if (cache && cache->FindLoaded(commit.blob, &f,
                                     cached_texts.empty() ? &unused : &cached_texts[i])) {
        from_cache[i] = 1;
      } else {
        f = ParseOne(inbox, reader, positions[i], &phases);
      }
      f.position = positions[i];
      f.epoch = commit.epoch;
      f.commit = commit.id;
      f.time = commit.time;
    }
    flush(begin / kChunk);
    done.fetch_add(end - begin);
    read_ns += phases.read;
    parse_ns += phases.parse;
    facts_ns += phases.facts;
    return true;
  };
  jobs = std::max(1, jobs);
  inbox.ReleaseCaches();  // what listing the commits read, and each epoch once read
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t) {
    threads.emplace_back([&] {
      archive::BlobReader reader(inbox);
      while (work_chunk(reader)) {}
    });
  }
  {
    // The calling thread works too and reports progress between chunks.
    // (Its reader's caches go before the model is built.)
    archive::BlobReader reader(inbox);
    while (work_chunk(reader)) {
      if (progress) progress(done.load(), positions.size());
    }
  }
  for (auto& t : threads) t.join();
  inbox.ReleaseCaches();
  if (progress) progress(positions.size(), positions.size());
  const size_t cached = static_cast<size_t>(std::count(from_cache.begin(), from_cache.end(), 1));
  const auto parsed_at = std::chrono::steady_clock::now();
  if (read_all) read_all();

  Archive a;
  a.texts = std::move(texts);
  PeopleBuilder people(mailmap);
  for (const MessageFacts& f : parsed) {
    people.Add(*f.author_as_written);
    if (!f.from_as_written().email.empty()) people.Add(f.from_as_written());
  }
  for (const MessageFacts& f : parsed) {
    for (const auto& t : f.trailers) {
      if (f.is_reply() || !t.who->email.empty()) people.SeeName(*t.who);
    }
  }
  std::unordered_map<std::string, int> person_index;
  a.people = people.Finish(&person_index);
  // A person as written: their index, and whether their key (the address
  // after the mailmap) is that person's own, not the fallback
  // "unknown@invalid" of an address no message came from.
  struct Found {
    int person;
    bool exact;
  };
  std::unordered_map<std::string, Found> person_of_written;  // by PeopleBuilder::AsWritten
  std::string written;
  auto find_person = [&](const mail::Address& address) {
    PeopleBuilder::AsWritten(address, &written);
    if (auto known = person_of_written.find(written); known != person_of_written.end()) {
      return known->second;
    }
    auto it = person_index.find(people.KeyOf(address));
    const bool exact = it != person_index.end();
    if (!exact) it = person_index.find("unknown@invalid");
    const Found found{it == person_index.end() ? -1 : it->second, exact};
    person_of_written.emplace(written, found);
    return found;
  };
  auto person_of = [&](const mail::Address& address) { return find_person(address).person; };

  // The facts move into the model whole: one copy of every message at a time.
  a.messages = std::move(parsed);
  a.message_by_id.reserve(a.messages.size());
  for (MessageFacts& f : a.messages) {
    f.author = person_of(*f.author_as_written);
    const mail::Address& from = f.from_as_written();
    f.sender = from.email.empty() ? f.author : person_of(from);
    f.reviews.clear();
    // A review is a trailer of the sender's own address (after the
    // mailmap), not one that only falls back to the same person.
    for (const auto& t : f.trailers) {
      if (!f.is_reply() || t.who->email.empty()) continue;
      const Found who = find_person(*t.who);
      if (who.exact && who.person == f.sender) f.reviews.push_back(Review{t.kind, f.sender});
    }
    const int index = static_cast<int>(&f - a.messages.data());
    for (const auto& d : f.diagnostics.get()) a.diagnostics.push_back({f.commit, f.message_id, d});
    a.message_by_id.emplace_back(MessageKey(f.message_id), index);
    a.newest_time = std::max(a.newest_time, f.time);
  }
  // By key, and of messages with the same id only the first.
  std::sort(a.message_by_id.begin(), a.message_by_id.end());
  a.message_by_id.erase(std::unique(a.message_by_id.begin(), a.message_by_id.end(),
                                    [](const auto& x, const auto& y) { return x.first == y.first; }),
                        a.message_by_id.end());
  // Threads are trees. Links to an earlier message go first: they cannot
  // form a cycle. Then links to a later one (a reply stored before its
  // parent), each dropped when it would close a cycle, so of a cover letter
  // and a reply that name each other the reply keeps its link. Union-find
  // over the threads so far: top[x] leads to the top of x's thread.
  std::vector<int> top(a.messages.size());
  for (size_t i = 0; i < top.size(); ++i) top[i] = static_cast<int>(i);
  const std::function<int(int)> root_of = [&top](int x) {
    while (top[x] != x) x = top[x] = top[top[x]];
    return x;
  };
  for (size_t i = 0; i < a.messages.size(); ++i) {
    const int parent = FindParent(a, a.messages[i], static_cast<int>(i), nullptr, nullptr);
    if (parent >= 0 && parent < static_cast<int>(i)) {
      a.messages[i].parent = parent;
      top[i] = root_of(parent);
    }
  }
  for (size_t i = 0; i < a.messages.size(); ++i) {
    MessageFacts& m = a.messages[i];
    if (m.parent >= 0) continue;
    bool cycle = false;
    m.parent = FindParent(a, m, static_cast<int>(i), &root_of, &cycle);
    if (m.parent >= 0) top[i] = root_of(m.parent);
    if (cycle) {
      a.diagnostics.push_back({m.commit, m.message_id,
                               "reference cycle: In-Reply-To or References lead back to this "
                               "message; that link is dropped"});
    }
  }
  GroupSeries(&a);
  // Threads and series are known: no page needs the ids they were found by.
  for (MessageFacts& m : a.messages) std::vector<uint64_t>().swap(m.above);
  if (times) {
    const auto now = std::chrono::steady_clock::now();
    times->read_parse_seconds = std::chrono::duration<double>(parsed_at - start).count();
    times->model_seconds = std::chrono::duration<double>(now - parsed_at).count();
    times->read_cpu_seconds = static_cast<double>(read_ns.load()) / 1e9;
    times->parse_cpu_seconds = static_cast<double>(parse_ns.load()) / 1e9;
    times->facts_cpu_seconds = static_cast<double>(facts_ns.load()) / 1e9;
    times->parsed = a.messages.size() - cached;
    times->cached = cached;
  }
  return a;
}

}  // namespace listdigest::model
