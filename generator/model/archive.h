// The model of the whole archive: messages reduced to the facts later stages
// need, the people who wrote them, and the patch series they form. Plain
// values that refer to each other by index; const once built.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "archive/inbox.h"
#include "mail/message.h"
#include "model/text_store.h"

namespace listdigest::archive {
class Mailmap;
}  // namespace listdigest::archive

namespace listdigest::model {

/// A review given in a reply: a Reviewed-by/Acked-by/Tested-by naming the
/// reply's sender.
struct Review {
  std::string kind;
  int person = -1;
};

/// A name and address as written in a message, held once for the whole
/// process: a million messages name a few thousand of them, and a copy in
/// each message and trailer was a third of the model's memory. Equal
/// addresses are the same object. Thread-safe; never freed.
class WrittenAddress {
 public:
  WrittenAddress() = default;
  explicit WrittenAddress(const mail::Address& address);

  /// The address (empty when none was set).
  const mail::Address& get() const { return p_ ? *p_ : Empty(); }
  const mail::Address& operator*() const { return get(); }
  const mail::Address* operator->() const { return &get(); }
  bool operator==(const WrittenAddress& o) const { return get() == o.get(); }

 private:
  static const mail::Address& Empty();
  const mail::Address* p_ = nullptr;
};

/// A trailer as a message's facts keep it: a person's trailer by its
/// WrittenAddress, the value (the rest of the line) only for the others
/// (Fixes, Link, change-id), whose value is what they say.
struct Trailer {
  std::string kind;   // "Reviewed-by", "Acked-by", … as spelled in DESIGN.md
  std::string value;  // the rest of the line; "" for a person's trailer
  WrittenAddress who;
};

/// The start of a patch's description kept for search (a long one is cut).
inline constexpr size_t kDescriptionBytes = 2048;

/// A commit id (40 hex digits) held in place.
using CommitHex = archive::Hex40;

/// A T on the heap that is copied with its owner, or nothing: 8 bytes in a
/// struct of a million copies where T is most often absent.
template <class T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(const Boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Boxed& operator=(const Boxed& o) {
    p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(Boxed&&) noexcept = default;

  bool has() const { return p_ != nullptr; }
  /// The value, or an empty T.
  const T& get() const {
    static const T empty{};
    return p_ ? *p_ : empty;
  }
  /// The value, made empty first when there is none.
  T& mut() {
    if (!p_) p_ = std::make_unique<T>();
    return *p_;
  }
  void reset() { p_.reset(); }

 private:
  std::unique_ptr<T> p_;
};

/// The long texts of a patch as read.
struct MessageTexts {
  std::string excerpt;        // for patch heads (0/M, 1/M, unnumbered): the digest text
  std::string description;    // other patches: the digest text, at most kDescriptionBytes
  std::string notes;          // patches: the author's notes below "---", above the diffstat
};

/// MessageTexts as views into bytes that outlive them (a build cache's
/// loaded file), instead of copies.
struct TextViews {
  std::string_view excerpt, description, notes;
};

/// The key of a Message-ID in Archive::message_by_id: 64 bits of its hash.
uint64_t MessageKey(std::string_view message_id);

struct MessageFacts {
  // (Fields ordered so that the struct has no padding to speak of: an
  // archive holds a million of them.)
  size_t position = 0;        // in Inbox::commits()
  CommitHex commit;
  bool applied_note = false;  // own text starts a line with Applied/Queued/Pushed/Merged
  int epoch = 0;
  int parent = -1;            // the message it answers, when in the archive
  int version = -1;           // the series version it belongs to (patches) or discusses
  int64_t time = 0;           // committer time
  std::string message_id;
  // The MessageKey of In-Reply-To, then of References from the newest: the
  // messages this one answers, nearest first (0 for a missing In-Reply-To).
  // Keys, not ids: a reply deep in a thread names a dozen ids, and only
  // threading needs them. Cleared once threads and series are built.
  std::vector<uint64_t> above;
  mail::Subject subject;
  WrittenAddress author_as_written;  // the author's name and address in this message
  WrittenAddress from;               // the From: header as written
  // Patches: the trailers they carry. Replies: their review trailers (any
  // sender). Other messages: none.
  std::vector<Trailer> trailers;
  int author = -1;            // person index
  int sender = -1;            // person of the From: header
  int64_t date = 0;
  // Patches: their texts as read. While the model is built they move to the
  // archive's TextStore (the refs below) and are dropped: read them with
  // Archive::Excerpt, Description and Notes.
  Boxed<MessageTexts> texts;
  std::vector<Review> reviews;  // review trailers of its sender (replies only)
  uint64_t diff_hash = 0;     // patches: fingerprint of the diff without line numbers and
                              // index lines (model/patch_text.h); 0 when there is no diff
  TextRef excerpt_ref, description_ref, notes_ref;
  // Heads: Message-IDs the text names as earlier versions ("v1:
  // https://lore…/<id>/", "Supersedes:"). Boxed, as the diagnostics: most
  // messages have none.
  Boxed<std::vector<std::string>> version_links;
  Boxed<std::vector<std::string>> diagnostics;

  /// The From: header as written.
  const mail::Address& from_as_written() const { return *from; }
  bool is_patch() const { return subject.patch; }
  bool is_reply() const { return subject.reply; }
  bool is_pull() const { return subject.pull; }
};

struct Person {
  std::string email;          // lower-cased, after the mailmap: the key
  std::string slug;           // stable, unique, file-name safe: from the address
  std::string name;           // the display name
  std::vector<std::string> emails;  // every address seen (after mailmap), sorted
};

enum class State { kNew, kReviewed, kSuperseded, kApplied, kNoReply };
const char* StateName(State state);

/// One posting of a series: a cover letter or first patch and its patches.
struct SeriesVersion {
  int series = -1;
  int version = 1;
  std::string revision;       // "5.5" for [PATCH v5.5 …]; "" for a plain vN
  bool rfc = false;
  bool resend = false;        // [RESEND PATCH …], or a version number the series had already
  int total = 0;              // M of N/M; 0 when unnumbered
  int head = -1;              // message index
  int cover = -1;             // message index of 0/M, or -1
  int pull = -1;              // the [GIT PULL] these patches answer (a pull request's patches)
  std::vector<int> patches;   // message indices of the patches (not the cover), by number
  std::vector<int> replaced;  // patches a partial re-roll ([PATCH v5.1 10/12]) replaced
  std::vector<int> replies;   // message indices of replies anywhere in its threads
  int author = -1;
  std::string title;
  int64_t date = 0;           // head's Date:
  State state = State::kNew;
  int applied_by = -1;        // person, when applied
  int applied_message = -1;   // the reply saying so
  // For WaitingForReview, set by GroupSeries: the commit time of its first
  // reply, and the first commit time of a later version of its series
  // (INT64_MAX: none).
  int64_t first_reply = INT64_MAX;
  int64_t next_version = INT64_MAX;
};

struct Series {
  std::string id;             // stable: slug of the first version's title + hash of its head
  std::string title;
  int author = -1;
  std::vector<int> versions;  // version indices, oldest first
  int64_t last_activity = 0;  // newest commit time of any of its messages or replies
};

struct Diagnostic {
  std::string commit;
  std::string message_id;
  std::string text;
};

struct Archive {
  std::vector<MessageFacts> messages;  // archive order
  std::vector<Person> people;          // sorted by email
  std::vector<SeriesVersion> versions;
  std::vector<Series> series;          // sorted by id
  std::vector<int> versions_by_time;   // version indices by their head's commit time
  // The first message with an id, by its MessageKey. Two ids with the same
  // 64-bit key are one id here: by accident that takes about 4·10⁹ ids; on
  // purpose it gives no more than sending a message with that id would.
  // Sorted by key: 12 bytes a message, where a hash map takes 40 or more.
  std::vector<std::pair<uint64_t, int>> message_by_id;
  std::vector<Diagnostic> diagnostics;
  int64_t newest_time = 0;

  // Where the messages' long texts are (model/text_store.h); null for an
  // archive made by hand, whose texts stay in its MessageFacts.
  std::shared_ptr<const TextStore> texts;

  std::string Excerpt(const MessageFacts& m) const {
    return Text(m.excerpt_ref, m.texts.get().excerpt);
  }
  std::string Description(const MessageFacts& m) const {
    return Text(m.description_ref, m.texts.get().description);
  }
  std::string Notes(const MessageFacts& m) const { return Text(m.notes_ref, m.texts.get().notes); }

  int FindMessage(std::string_view id) const;
  /// The same by MessageKey (0: none).
  int FindKey(uint64_t key) const;

  /// The message of the commit at `position` in Inbox::commits(), or -1.
  int MessageAt(size_t position) const;

 private:
  std::string Text(TextRef ref, const std::string& kept) const {
    return texts && ref.size > 0 ? texts->Get(ref) : kept;
  }
};

/// Reports progress while messages are read: (done, total).
using Progress = std::function<void(size_t, size_t)>;

/// Facts of messages parsed by an earlier build, by blob id (40 hex). The
/// facts of a message depend only on its bytes, so a blob's facts can be
/// reused whatever commit holds it; position, epoch, commit and time are set
/// again from the current commit. Find and FindLoaded are called from
/// several threads at once, Add from one thread at a time while they run
/// (BuildArchive adds each chunk as soon as it and all before it are parsed).
class FactsCache {
 public:
  virtual ~FactsCache() = default;
  virtual bool Find(const std::string& blob, MessageFacts* facts) const = 0;
  /// The same among the facts it had before this build's first Add: what
  /// BuildArchive reads must not depend on which thread added what first.
  virtual bool FindLoaded(const std::string& blob, MessageFacts* facts) const {
    return Find(blob, facts);
  }
  /// FindLoaded, but the texts are left out of `facts` and set in `texts`
  /// when they are in loaded_bytes() (by default they are in `facts`).
  virtual bool FindLoaded(const std::string& blob, MessageFacts* facts, TextViews* texts) const {
    (void)texts;
    return FindLoaded(blob, facts);
  }
  /// What FindLoaded's `texts` point into; kept alive by whoever holds it.
  virtual std::shared_ptr<const LoadedBytes> loaded_bytes() const { return nullptr; }
  virtual void Add(const std::string& blob, const MessageFacts& facts) = 0;
};

/// Where BuildArchive spent its time.
struct BuildTimes {
  double read_parse_seconds = 0;  // reading blobs and parsing mail, on all threads
  double model_seconds = 0;       // people, threads, series
  // Thread time summed over all threads, by phase of read and parse.
  double read_cpu_seconds = 0;    // blobs out of git (inflate)
  double parse_cpu_seconds = 0;   // MIME parsing (mail::ParseMessage)
  double facts_cpu_seconds = 0;   // facts of each message (ExtractFacts)
  size_t parsed = 0;              // messages read and parsed
  size_t cached = 0;              // messages whose facts came from the cache
};

/// Reads every message of `inbox` (on `jobs` threads), parses it and builds
/// the model. Bad mail becomes diagnostics; this never fails. With a cache,
/// known blobs are not read again and new facts are added to it.
/// `read_all`, when set, is called once every message is read and parsed
/// (the cache has all it will get), before the model is built.
Archive BuildArchive(const archive::Inbox& inbox, const archive::Mailmap& mailmap, int jobs,
                     const Progress& progress, FactsCache* cache = nullptr,
                     BuildTimes* times = nullptr,
                     const std::function<void()>& read_all = {});

/// Extracts the facts of one parsed message (exposed for tests).
MessageFacts ExtractFacts(const mail::Message& message);

}  // namespace listdigest::model
