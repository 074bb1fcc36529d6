#include "search/index.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cerrno>
#include <queue>
#include <cmath>
#include <cstring>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "search/term_cache.h"
#include "search/tokenizer.h"

namespace listdigest::search {
namespace {

using nlohmann::json;

constexpr int kFormat = 2;
constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kKindOrder[] = "vprmdc";
// BM25 with the usual constants; the per-posting part is computed here and
// kept in kLevels steps, the idf part by the client from the postings count.
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
constexpr int kLevels = 16;
constexpr int kLevelBits = 4;
// The largest kind boost (KindBoost): the levels span the scores up to it,
// so that a document of a kind that weighs less never reaches the top level
// and two documents that match alike keep their kinds' order.
constexpr double kMaxBoost = 1.5;
// Subjects longer than this many words keep only their start for phrases
// (a subject is folded to one line, but a mangled one can be a whole mail).
constexpr int kMaxTitlePositions = 200;
// A term is common when it is in 1/kCommonShare of the documents or more,
// and in at least kCommonMinimum (a small archive has no long postings).
constexpr size_t kCommonShare = 10;
constexpr size_t kCommonMinimum = 1000;

enum Field : uint32_t { kTitle = 0, kBody = 1, kAuthor = 2, kSeries = 3, kFilter = 4 };
constexpr int kFields = 5;
constexpr const char* kFieldNames[kFields] = {"t", "b", "a", "r", "f"};

// The hits of one term while documents are read: for each (document, field)
// a header `doc << 3 | field`, then for t and b the term frequency, then for
// t that many positions.
struct Hits {
  std::vector<uint32_t> stream;
  size_t last = SIZE_MAX;  // index of the newest header
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TermMap = std::unordered_map<std::string, Hits, StringHash, std::equal_to<>>;

struct Lengths {
  uint32_t title = 0;
  uint32_t body = 0;
  double boost = 1;  // of the document's kind
};

// Of two documents that match alike, a series (its cover letter) comes
// before a patch, and a patch before the replies that repeat its subject.
double KindBoost(char kind) {
  switch (kind) {
    case 'v':
      return 1.5;
    case 'p':
    case 'c':
      return 1.2;
    case 'r':
      return 0.7;
    default:
      return 1;
  }
}

void AddHit(TermMap* terms, std::string_view term, uint32_t doc, Field field, int position) {
  auto it = terms->find(term);
  if (it == terms->end()) it = terms->emplace(std::string(term), Hits{}).first;
  Hits& h = it->second;
  const uint32_t header = doc << 3 | field;
  if (h.last != SIZE_MAX && h.stream[h.last] == header) {
    if (field == kTitle || field == kBody) {
      if (h.stream[h.last + 1] == UINT16_MAX) return;
      ++h.stream[h.last + 1];
      if (field == kTitle) h.stream.push_back(static_cast<uint32_t>(position));
    }
    return;
  }
  h.last = h.stream.size();
  h.stream.push_back(header);
  if (field == kTitle || field == kBody) h.stream.push_back(1);
  if (field == kTitle) h.stream.push_back(static_cast<uint32_t>(position));
}

void IndexDocument(const Document& d, std::string_view body, uint32_t id, TermMap* terms,
                   Lengths* lengths) {
  int position = 0;
  Tokenize(d.title, &position, [&](std::string_view term, int at) {
    if (at >= kMaxTitlePositions) return;
    AddHit(terms, term, id, kTitle, at);
    ++lengths->title;
  });
  position = 0;
  Tokenize(body, &position, [&](std::string_view term, int) {
    if (IsStopWord(term)) return;
    AddHit(terms, term, id, kBody, 0);
    ++lengths->body;
  });
  for (std::string_view text : d.author_terms) {
    Tokenize(text, &position,
             [&](std::string_view term, int) { AddHit(terms, term, id, kAuthor, 0); });
  }
  Tokenize(d.series_title, &position,
           [&](std::string_view term, int) { AddHit(terms, term, id, kSeries, 0); });
  if (!d.state.empty()) AddHit(terms, "is:" + std::string(d.state), id, kFilter, 0);
}

// What of a document is tokenized: a term cache knows a document by it.
model::Hash128 DocumentKey(const Document& d, std::string_view body) {
  model::Hasher h;
  h.UpdateField(d.title);
  if (d.body_key.empty()) {
    h.UpdateField(body);
  } else {
    h.UpdateField("\x01body key");  // never the start of a body and its length
    h.UpdateField(d.body_key);
  }
  for (std::string_view text : d.author_terms) h.UpdateField(text);
  h.UpdateField(d.series_title);
  h.UpdateField(d.state);
  return h.Finish();
}

// What a document page shows of one document, for IndexOptions::keep_page:
// its body (for a snippet) by its key when it has one. `body` is called only
// when the body itself is needed.
model::Hash128 PageKey(const Document& d, const std::function<std::string_view()>& body) {
  model::Hasher h;
  // The day shown, as a number: days since 1970, rounded down.
  const int64_t day = d.date >= 0 ? d.date / 86400 : -((-d.date + 86399) / 86400);
  h.UpdateField(std::string_view(reinterpret_cast<const char*>(&day), sizeof day));
  for (std::string_view field : {std::string_view(&d.kind, 1), d.title, d.author, d.state, d.link}) {
    h.UpdateField(field);
  }
  if (!d.snippet.empty()) {
    h.UpdateField("\x01snippet");
    h.UpdateField(d.snippet);
  } else if (!d.body_key.empty()) {
    h.UpdateField("\x01body key");
    h.UpdateField(d.body_key);
  } else {
    h.UpdateField(body());
  }
  return h.Finish();
}

void UpdateHash(const model::Hash128& value, model::Hasher* h) {
  const uint64_t words[2] = {value.lo, value.hi};
  h->Update(std::string_view(reinterpret_cast<const char*>(words), sizeof words));
}

// Appends one document's hits of one term, written for document 0 (a term
// cache's, or a scratch map's), as document `doc`: the same stream
// IndexDocument would have written.
void AppendHits(Hits* h, const std::vector<uint32_t>& stream, uint32_t doc) {
  for (size_t i = 0; i < stream.size();) {
    const uint32_t field = stream[i++] & 7;
    h->last = h->stream.size();
    h->stream.push_back(doc << 3 | field);
    if (field == kTitle || field == kBody) {
      const uint32_t tf = stream[i++];
      h->stream.push_back(tf);
      if (field == kTitle) {
        h->stream.insert(h->stream.end(), stream.begin() + static_cast<std::ptrdiff_t>(i),
                         stream.begin() + static_cast<std::ptrdiff_t>(i + tf));
        i += tf;
      }
    }
  }
}

// One document's terms, as TermCache::Add takes them.
using DocumentTerms = std::vector<std::pair<std::string, std::vector<uint32_t>>>;

// The postings of one term packed once a batch of documents is read, in id
// order: for each (document, field) a varint of (document − the previous
// record's document) << 3 | field, then for t and b the term frequency, then
// for t that many positions. About a fifth of Hits' size. Weights need the
// average lengths of all documents: EncodeTerm computes them at the end.
struct Packed {
  std::string bytes;
  uint32_t last_doc = 0;
};
using PackedMap = std::unordered_map<std::string, Packed, StringHash, std::equal_to<>>;

void PutVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

uint64_t GetVarint(std::string_view in, size_t* at) {
  uint64_t value = 0;
  for (int shift = 0; *at < in.size() && shift < 64; shift += 7) {
    const auto byte = static_cast<unsigned char>(in[(*at)++]);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (byte < 0x80) break;
  }
  return value;
}

// The packed postings of each batch, sorted by term, wait in an unlinked
// temporary file (in memory when none can be made) until every batch is
// read; then the runs are merged term by term. Memory holds one batch.
class Runs {
 public:
  Runs() {
    const char* dir = std::getenv("TMPDIR");
    std::string path = std::string(dir && *dir ? dir : "/tmp") + "/listdigest-index-XXXXXX";
    fd_ = mkstemp(path.data());
    if (fd_ >= 0) unlink(path.c_str());
  }
  ~Runs() {
    if (fd_ >= 0) close(fd_);
  }
  Runs(const Runs&) = delete;
  Runs& operator=(const Runs&) = delete;

  // Adds one run: every term of `packed`, sorted, with its bytes. Returns
  // the run's bytes.
  std::string Add(PackedMap* packed) {
    std::vector<std::pair<std::string_view, const Packed*>> terms;
    terms.reserve(packed->size());
    for (const auto& [term, p] : *packed) terms.emplace_back(term, &p);
    std::sort(terms.begin(), terms.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string bytes;
    for (const auto& [term, p] : terms) {
      PutVarint(term.size(), &bytes);
      bytes.append(term);
      PutVarint(p->bytes.size(), &bytes);
      bytes.append(p->bytes);
    }
    PackedMap().swap(*packed);
    AddBytes(bytes);
    return bytes;
  }
  // Adds a run Add made before (a term cache's).
  void AddBytes(std::string_view bytes) {
    starts_.push_back(size_);
    Write(bytes);
    ends_.push_back(size_);
  }
  size_t count() const { return starts_.size(); }

  // Reads run `r` record by record.
  class Reader {
   public:
    Reader(const Runs& runs, size_t r) : runs_(runs), at_(runs.starts_[r]), end_(runs.ends_[r]) {}
    // The next record, as views into the reader's buffer: valid until the
    // next call. False at the end of the run.
    bool Next(std::string_view* term, std::string_view* bytes) {
      if (at_ >= end_) return false;
      size_t term_size = 0, bytes_size = 0;
      if (!Number(&term_size)) return false;
      Fill(term_size + 10);  // the term, then (most often) all of the bytes' length
      size_t term_at = pos_;
      pos_ += term_size;
      at_ += term_size;
      if (!Number(&bytes_size, &term_at)) return false;
      Fill(bytes_size, &term_at);
      *term = std::string_view(buffer_).substr(term_at, term_size);
      *bytes = std::string_view(buffer_).substr(pos_, bytes_size);
      pos_ += bytes_size;
      at_ += bytes_size;
      return true;
    }

   private:
    bool Number(size_t* n, size_t* keep = nullptr) {
      Fill(10, keep);
      size_t i = pos_;
      *n = static_cast<size_t>(GetVarint(buffer_, &i));
      at_ += i - pos_;
      pos_ = i;
      return i <= buffer_.size();
    }
    // At least `n` bytes (or the rest of the run) from pos_ on in buffer_.
    // What is before pos_ goes, but for what is from `*keep` on, and `*keep`
    // moves with it.
    void Fill(size_t n, size_t* keep = nullptr) {
      const size_t have = buffer_.size() - pos_;
      const uint64_t left = end_ - at_;  // of the run, from pos_ on
      if (have >= n || have >= left) return;
      const size_t drop = keep ? std::min(*keep, pos_) : pos_;
      buffer_.erase(0, drop);
      pos_ -= drop;
      if (keep) *keep -= drop;
      const uint64_t read_at = at_ + have;
      const size_t more = std::min<uint64_t>(std::max(n - have, kRead), left - have);
      const size_t old = buffer_.size();
      buffer_.resize(old + more);
      runs_.Read(read_at, more, buffer_.data() + old);
    }
    static constexpr size_t kRead = 64 * 1024;
    const Runs& runs_;
    uint64_t at_, end_;
    std::string buffer_;
    size_t pos_ = 0;
  };

 private:
  void Write(std::string_view bytes) {
    size_t done = 0;
    while (fd_ >= 0 && done < bytes.size()) {
      const ssize_t n = pwrite(fd_, bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(size_ + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // The file cannot take more (a full disk): what it has moves to
        // memory, and so does everything after.
        memory_.resize(size_);
        Read(0, size_, memory_.data());
        close(fd_);
        fd_ = -1;
        done = 0;
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (fd_ < 0) memory_.append(bytes);
    size_ += bytes.size();
  }
  void Read(uint64_t offset, size_t n, char* out) const {
    if (fd_ < 0) {
      std::memcpy(out, memory_.data() + offset, n);
      return;
    }
    size_t done = 0;
    while (done < n) {
      const ssize_t got = pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        std::memset(out + done, 0, n - done);  // cannot happen for what Write wrote
        return;
      }
      done += static_cast<size_t>(got);
    }
  }

  int fd_ = -1;
  uint64_t size_ = 0;
  std::string memory_;
  std::vector<uint64_t> starts_, ends_;
};

// Appends a chunk's hits of one term (ids above the packed ones) to `p`.
void Pack(const Hits& hits, Packed* p) {
  const std::vector<uint32_t>& s = hits.stream;
  for (size_t i = 0; i < s.size();) {
    const uint32_t doc = s[i] >> 3, field = s[i] & 7;
    ++i;
    PutVarint(static_cast<uint64_t>(doc - p->last_doc) << 3 | field, &p->bytes);
    p->last_doc = doc;
    if (field == kTitle || field == kBody) {
      const uint32_t tf = s[i++];
      PutVarint(tf, &p->bytes);
      if (field == kTitle) {
        for (uint32_t k = 0; k < tf; ++k) PutVarint(s[i++], &p->bytes);
      }
    }
  }
}

// The BM25 term-frequency part, tf·(k1+1)/(tf + k1·(1−b+b·dl/avgdl)), times
// the kind's boost, in kLevels steps of (k1+1)·kMaxBoost/kLevels.
int Weight(uint32_t tf, uint32_t length, double average, double boost) {
  const double norm = kK1 * (1 - kB + kB * (average > 0 ? length / average : 1));
  const double s = boost * tf * (kK1 + 1) / (tf + norm);
  const long q = std::lround(s / ((kK1 + 1) * kMaxBoost) * kLevels);
  return static_cast<int>(std::clamp(q, 1L, static_cast<long>(kLevels)));
}

struct Averages {
  double title = 0;
  double body = 0;
};

// `"term":{"t":"…","b":"…"}` for the packed postings of one term, in parts
// (one per batch, in document order, each counted from document 0). Sets
// `*documents` to the number of documents with the term in the subject or in
// the body, whichever is more.
std::string EncodeTerm(std::string_view key, const std::string_view* parts, size_t part_count,
                       const std::vector<Lengths>& lengths, const Averages& averages,
                       size_t* documents) {
  std::string field_text[kFields];
  int64_t previous[kFields] = {-1, -1, -1, -1, -1};
  size_t count[kFields] = {};
  std::vector<uint32_t> positions;
  for (size_t p = 0; p < part_count; ++p) {
  const std::string_view packed = parts[p];
  uint64_t doc = 0;  // each part's first document is counted from 0
  for (size_t i = 0; i < packed.size();) {
    const uint64_t header = GetVarint(packed, &i);
    doc += header >> 3;
    const auto field = static_cast<Field>(header & 7);
    std::string& out = field_text[field];
    ++count[field];
    const uint64_t gap = doc - static_cast<uint64_t>(previous[field] + 1);
    previous[field] = static_cast<int64_t>(doc);
    if (field == kTitle || field == kBody) {
      const auto tf = static_cast<uint32_t>(GetVarint(packed, &i));
      const Lengths& l = lengths[doc];
      const int w = field == kTitle ? Weight(tf, l.title, averages.title, l.boost)
                                    : Weight(tf, l.body, averages.body, l.boost);
      AppendNumber(gap << kLevelBits | static_cast<uint64_t>(w - 1), &out);
      if (field == kTitle) {
        // In text order already; sorted and unique whatever the tokenizer does.
        positions.clear();
        for (uint32_t k = 0; k < tf; ++k) positions.push_back(static_cast<uint32_t>(GetVarint(packed, &i)));
        std::sort(positions.begin(), positions.end());
        positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
        uint32_t at = 0;
        for (size_t k = 0; k < positions.size(); ++k) {
          const bool more = k + 1 < positions.size();
          AppendNumber(static_cast<uint64_t>(positions[k] - at) << 1 | (more ? 1 : 0), &out);
          at = positions[k];
        }
      }
    } else {
      AppendNumber(gap, &out);
    }
  }
  }
  *documents = std::max(count[kTitle], count[kBody]);
  std::string entry = json(std::string(key)).dump(-1, ' ', false, json::error_handler_t::replace);
  entry += ":{";
  bool first = true;
  for (int f = 0; f < kFields; ++f) {
    if (field_text[f].empty()) continue;
    if (!first) entry += ',';
    first = false;
    entry += '"';
    entry += kFieldNames[f];
    entry += "\":\"";
    entry += field_text[f];
    entry += '"';
  }
  entry += '}';
  return entry;
}

// The documents of one segment of the index: a part whose shards depend on
// its documents alone, so that a build that adds documents rewrites the
// shards of the segments they fall in and keeps the others.
struct Segment {
  std::string name;           // its folder under t/
  std::vector<uint32_t> ids;  // its documents, in id order
};

// Contributors (kind c) are one segment, "c": their names and addresses
// change as they write, and with this their segment alone is made again.
// The other documents, in id order, are cut in segments of whole blocks of
// `block` documents by the binary digits of their number of blocks (13
// blocks: 8, 4 and 1), largest first, and a last segment of the rest. Each
// is named by the number of these documents before it. New documents
// (the most recent, so the highest ids) go to the last segment; when they
// complete a block, it becomes a segment of its own, and equal segments
// merge in one, as the digits carry: a segment is made again about once
// for every time its size in new documents is added, and there are never
// more than the number of binary digits plus two.
std::vector<Segment> Segments(const std::vector<DocumentOrder>& orders,
                              const std::vector<uint32_t>& number, size_t block) {
  std::vector<uint32_t> others, people;
  for (size_t i = 0; i < number.size(); ++i) {
    (orders[number[i]].kind == 'c' ? people : others).push_back(static_cast<uint32_t>(i));
  }
  std::vector<Segment> segments;
  const size_t blocks = others.size() / block;
  size_t at = 0;
  for (int bit = 63; bit >= 0; --bit) {
    const size_t size = size_t{1} << bit;
    if ((blocks & size) == 0) continue;
    const auto begin = others.begin() + static_cast<std::ptrdiff_t>(at);
    segments.push_back({std::to_string(at), {begin, begin + static_cast<std::ptrdiff_t>(size * block)}});
    at += size * block;
  }
  if (at < others.size()) {
    segments.push_back(
        {std::to_string(at), {others.begin() + static_cast<std::ptrdiff_t>(at), others.end()}});
  }
  if (!people.empty()) segments.push_back({"c", std::move(people)});
  return segments;
}

// What the manifest says of a segment besides its name and size, as the
// term cache keeps it for a segment that is kept: its shards' bounds and its
// common terms, each as a varint count and varint-length strings.
std::string EncodeTable(const std::vector<std::string>& bounds,
                        const std::vector<std::string>& common) {
  std::string out;
  for (const std::vector<std::string>* list : {&bounds, &common}) {
    PutVarint(list->size(), &out);
    for (const std::string& s : *list) {
      PutVarint(s.size(), &out);
      out += s;
    }
  }
  return out;
}

bool DecodeTable(std::string_view in, std::vector<std::string>* bounds,
                 std::vector<std::string>* common) {
  size_t at = 0;
  for (std::vector<std::string>* list : {bounds, common}) {
    list->clear();
    const uint64_t n = GetVarint(in, &at);
    if (n > in.size()) return false;  // each takes a byte at least
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t size = GetVarint(in, &at);
      if (size > in.size() - std::min(at, in.size())) return false;
      list->emplace_back(in.substr(at, size));
      at += size;
    }
  }
  return at == in.size();
}

// The shortest prefix of `first` (whole characters) greater than `previous`.
std::string Bound(const std::string& previous, const std::string& first) {
  for (size_t n = 1; n <= first.size(); ++n) {
    if (n < first.size() && (static_cast<unsigned char>(first[n]) & 0xC0) == 0x80) continue;
    const std::string prefix = first.substr(0, n);
    if (prefix > previous) return prefix;
  }
  return first;
}

std::string Day(int64_t time) {
  const std::time_t t = static_cast<std::time_t>(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string Compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

void RunParallel(int jobs, const std::function<void(int)>& fn) {
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t) threads.emplace_back(fn, t);
  fn(0);
  for (auto& t : threads) t.join();
}

}  // namespace

void AppendNumber(uint64_t value, std::string* out) {
  while (value >= 32) {
    out->push_back(kDigits[32 | (value & 31)]);
    value >>= 5;
  }
  out->push_back(kDigits[value]);
}

std::vector<uint64_t> DecodeNumbers(std::string_view text) {
  std::vector<uint64_t> numbers;
  uint64_t value = 0;
  int shift = 0;
  for (char c : text) {
    const char* at = std::find(kDigits, kDigits + 64, c);
    if (at == kDigits + 64 || shift > 60) break;
    const uint64_t digit = static_cast<uint64_t>(at - kDigits);
    value |= (digit & 31) << shift;
    shift += 5;
    if (digit < 32) {
      numbers.push_back(value);
      value = 0;
      shift = 0;
    }
  }
  return numbers;
}

size_t ShardOf(const std::vector<std::string>& bounds, std::string_view key) {
  // Byte order of UTF-8 is code point order.
  auto it = std::upper_bound(bounds.begin(), bounds.end(), key,
                             [](std::string_view k, const std::string& b) { return k < b; });
  return it == bounds.begin() ? 0 : static_cast<size_t>(it - bounds.begin()) - 1;
}

std::string Snippet(std::string_view text) {
  constexpr size_t kSnippetBytes = 200;
  auto cut = [](std::string_view t, size_t max) {
    if (t.size() <= max) return t;
    while (max > 0 && (static_cast<unsigned char>(t[max]) & 0xC0) == 0x80) --max;
    return t.substr(0, max);
  };
  // Runs of white space become one space.
  std::string folded;
  for (char c : cut(text, kSnippetBytes * 2)) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!space) folded += c;
    else if (!folded.empty() && folded.back() != ' ') folded += ' ';
  }
  if (folded.size() <= kSnippetBytes) return folded;
  std::string out(cut(folded, kSnippetBytes));
  const size_t space = out.find_last_of(' ');
  if (space != std::string::npos && space > kSnippetBytes / 2) out.resize(space);
  return out + "…";
}

std::vector<IndexFile> BuildIndex(std::vector<Document> docs, const IndexOptions& options,
                                  IndexStats* stats) {
  std::vector<IndexFile> files;
  BuildIndex(std::move(docs), options, [&files](IndexFile&& f) { files.push_back(std::move(f)); },
             stats);
  return files;
}

void BuildIndex(std::vector<Document> documents, const IndexOptions& options,
                const FileSink& sink, IndexStats* stats) {
  std::vector<DocumentOrder> orders;
  orders.reserve(documents.size());
  for (const Document& d : documents) orders.push_back({d.date, d.kind, d.source});
  BuildIndex(std::move(orders), [&documents](size_t i) { return documents[i]; }, options, sink,
             stats);
}

void BuildIndex(const std::vector<DocumentOrder>& orders, const DocumentMaker& make,
                const IndexOptions& options, const FileSink& sink, IndexStats* stats) {
  auto kind_rank = [](char kind) {
    const char* at = std::strchr(kKindOrder, kind);
    return at ? at - kKindOrder : 9;
  };
  // Document i of the index is make(number[i]).
  std::vector<uint32_t> number(orders.size());
  for (size_t i = 0; i < number.size(); ++i) number[i] = static_cast<uint32_t>(i);
  std::sort(number.begin(), number.end(), [&](uint32_t x, uint32_t y) {
    const DocumentOrder& a = orders[x];
    const DocumentOrder& b = orders[y];
    if (a.date != b.date) return a.date < b.date;
    if (a.kind != b.kind) return kind_rank(a.kind) < kind_rank(b.kind);
    if (a.source != b.source) return a.source < b.source;
    return x < y;
  });
  const size_t doc_count = orders.size();
  auto order_of = [&](size_t i) -> const DocumentOrder& { return orders[number[i]]; };
  size_t bytes_out = 0;
  auto emit = [&](std::string path, std::string bytes, model::Hash128 input = {}) {
    bytes_out += bytes.size();
    sink(IndexFile{std::move(path), std::move(bytes), input});
  };

  // Terms, a segment at a time (see Segments), and within a segment a batch
  // of documents at a time. Within a batch, read on `jobs` threads over
  // contiguous runs of its documents, so each chunk's hits are in id order
  // and chunks (then batches) append to the packed postings in order.
  std::vector<Lengths> lengths(doc_count);
  TermCache* const cache = options.term_cache;
  const size_t batch = std::max<size_t>(1, options.batch_docs);
  size_t batches = 0, batches_cached = 0, segments_kept = 0, shard_count = 0, term_count = 0;
  // With a cache and keep_page, PageKey of each document.
  std::vector<model::Hash128> page_keys(cache && options.keep_page ? doc_count : 0);
  const std::vector<Segment> segments =
      Segments(orders, number, std::max<size_t>(1, options.segment_docs));
  json segment_table = json::array();
  std::vector<std::string> common;  // of the segment with the most documents
  size_t common_docs = 0;
  size_t merged_since_release = 0;
  for (const Segment& segment : segments) {
    const size_t count = segment.ids.size();
    const std::string dir = "t/" + segment.name + "/";
    auto shard_path = [&dir](size_t s) { return dir + std::to_string(s) + ".json"; };
    // With a cache, the key of each document and batch first: a batch of
    // the same documents at the same ids as in an earlier build has the same
    // packed postings, which the cache keeps whole, and a segment of the
    // same batches the same shards, which the site keeps.
    std::vector<model::Hash128> keys_of(cache ? count : 0), batch_keys;
    model::Hash128 segment_key;
    if (cache) {
      model::Hasher segment_hash;
      segment_hash.UpdateField("segment " + segment.name + " " +
                               std::to_string(options.shard_bytes));
      for (size_t first = 0; first < count; first += batch) {
        const size_t n = std::min(count, first + batch) - first;
        const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(n / 64) + 1));
        RunParallel(jobs, [&](int chunk) {
          std::string body;
          for (size_t at = first + n * chunk / jobs; at < first + n * (chunk + 1) / jobs; ++at) {
            const uint32_t id = segment.ids[at];
            const Document d = make(number[id]);
            body = d.body_key.empty() && options.body_of ? options.body_of(d) : std::string(d.body);
            keys_of[at] = DocumentKey(d, body);
            // The document pages need these documents too: what they show of
            // them is hashed now, so that a page that is kept is not made.
            if (options.keep_page) {
              page_keys[id] = PageKey(d, [&]() -> std::string_view { return body; });
            }
          }
        });
        model::Hasher h;
        h.UpdateField("batch");
        for (size_t at = first; at < first + n; ++at) {
          const uint32_t id = segment.ids[at];
          h.Update(std::string_view(&order_of(id).kind, 1));
          h.Update(std::string_view(reinterpret_cast<const char*>(&id), sizeof id));
          UpdateHash(keys_of[at], &h);
        }
        batch_keys.push_back(h.Finish());
        UpdateHash(batch_keys.back(), &segment_hash);
      }
      segment_key = segment_hash.Finish();
    }
    batches += (count + batch - 1) / batch;

    // A segment whose shards an earlier build made from the same batches,
    // and which the site still has, is kept as it is.
    std::vector<std::string> bounds, segment_common;
    std::string table;
    if (cache && options.keep_files && cache->FindSegment(segment_key, &table) &&
        DecodeTable(table, &bounds, &segment_common) && !bounds.empty()) {
      std::vector<std::string> paths;
      for (size_t s = 0; s < bounds.size(); ++s) paths.push_back(shard_path(s));
      if (options.keep_files(paths, segment_key)) {
        for (const model::Hash128& key : batch_keys) cache->KeepBatch(key);
        for (const model::Hash128& key : keys_of) cache->Keep(key);
        batches_cached += batch_keys.size();
        ++segments_kept;
        shard_count += bounds.size();
        if (count > common_docs) common = segment_common, common_docs = count;
        segment_table.push_back({{"name", segment.name}, {"docs", count}, {"shards", bounds}});
        continue;
      }
    }
    bounds.clear();
    segment_common.clear();

    Runs runs;
    for (size_t first = 0, b = 0; first < count; first += batch, ++b) {
      const size_t n = std::min(count, first + batch) - first;
      const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(n / 64) + 1));
      if (cache) {
        std::vector<std::pair<uint32_t, uint32_t>> known;
        std::string run;
        if (cache->FindBatch(batch_keys[b], &known, &run) && known.size() == n) {
          for (size_t at = 0; at < n; ++at) {
            const uint32_t id = segment.ids[first + at];
            lengths[id] = {known[at].first, known[at].second, KindBoost(order_of(id).kind)};
            cache->Keep(keys_of[first + at]);
          }
          runs.AddBytes(run);
          ++batches_cached;
          continue;
        }
      }
      std::vector<TermMap> chunks(jobs);
      std::vector<DocumentTerms> new_terms(cache ? n : 0);
      std::vector<char> is_new(cache ? n : 0, 0);
      RunParallel(jobs, [&](int chunk) {
        TermMap& terms = chunks[chunk];
        std::string loaded;
        auto body_of = [&](const Document& d) -> std::string_view {
          if (!options.body_of) return d.body;
          loaded = options.body_of(d);
          return loaded;
        };
        // With a cache each document goes through a stream of its own
        // (document 0), copied into the chunk's: from the cache when it
        // knows the document, else from tokenizing it into a scratch map.
        std::vector<Hits*> by_number(cache ? cache->terms() : 0, nullptr);
        TermMap scratch;
        for (size_t at = n * chunk / jobs; at < n * (chunk + 1) / jobs; ++at) {
          const uint32_t id = segment.ids[first + at];
          const Document d = make(number[id]);
          lengths[id].boost = KindBoost(d.kind);
          if (!cache) {
            IndexDocument(d, body_of(d), id, &terms, &lengths[id]);
            continue;
          }
          const bool known = cache->Find(
              keys_of[first + at], &lengths[id].title, &lengths[id].body,
              [&](uint32_t term_number, std::string_view term, const std::vector<uint32_t>& stream) {
                Hits*& h = by_number[term_number];
                if (!h) {
                  auto it = terms.find(term);
                  if (it == terms.end()) it = terms.emplace(std::string(term), Hits{}).first;
                  h = &it->second;
                }
                AppendHits(h, stream, id);
              });
          if (known) continue;
          scratch.clear();
          Lengths own;
          IndexDocument(d, body_of(d), 0, &scratch, &own);
          lengths[id].title = own.title;
          lengths[id].body = own.body;
          DocumentTerms& mine = new_terms[at];
          mine.reserve(scratch.size());
          for (auto& [term, hits] : scratch) {
            auto it = terms.find(term);
            if (it == terms.end()) it = terms.emplace(term, Hits{}).first;
            AppendHits(&it->second, hits.stream, id);
            mine.emplace_back(term, std::move(hits.stream));
          }
          // Sorted: the cache's records do not depend on the scratch map's order.
          std::sort(mine.begin(), mine.end());
          is_new[at] = 1;
        }
      });
      if (cache) {
        for (size_t at = 0; at < n; ++at) {
          const uint32_t id = segment.ids[first + at];
          if (is_new[at]) {
            cache->Add(keys_of[first + at], lengths[id].title, lengths[id].body, new_terms[at]);
          }
        }
      }
      PackedMap packed;
      for (TermMap& terms : chunks) {
        for (auto& [term, hits] : terms) {
          auto it = packed.find(term);
          if (it == packed.end()) it = packed.emplace(term, Packed{}).first;
          Pack(hits, &it->second);
        }
        TermMap().swap(terms);
      }
      const std::string run = runs.Add(&packed);
      if (cache) {
        std::vector<std::pair<uint32_t, uint32_t>> batch_lengths(n);
        for (size_t at = 0; at < n; ++at) {
          const Lengths& l = lengths[segment.ids[first + at]];
          batch_lengths[at] = {l.title, l.body};
        }
        cache->AddBatch(batch_keys[b], batch_lengths, run);
      }
    }
    // BM25's average lengths are the segment's: its shards depend on its
    // documents alone.
    Averages averages;
    size_t with_title = 0, with_body = 0;
    for (const uint32_t id : segment.ids) {
      const Lengths& l = lengths[id];
      averages.title += l.title;
      averages.body += l.body;
      with_title += l.title > 0;
      with_body += l.body > 0;
    }
    averages.title = with_title ? averages.title / with_title : 0;
    averages.body = with_body ? averages.body / with_body : 0;

    // Term shards: the runs merged term by term, a block of terms at a time
    // encoded on `jobs` threads, then cut into shards that go out as soon as
    // they are full.
    std::vector<Runs::Reader> readers;
    // A run's next term, the run; views into the run's reader.
    using Head = std::pair<std::string_view, size_t>;
    std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
    std::vector<std::string_view> next_bytes(runs.count());
    readers.reserve(runs.count());
    for (size_t r = 0; r < runs.count(); ++r) {
      readers.emplace_back(runs, r);
      std::string_view term;
      if (readers[r].Next(&term, &next_bytes[r])) heads.emplace(term, r);
    }
    std::string shard, last_key;
    auto close_shard = [&] {
      emit(shard_path(bounds.size() - 1), "{" + shard + "}\n", segment_key);
      shard.clear();
    };
    // A block's parts and its encoded terms are in memory at once: with 8 MB
    // blocks the peak of 500,000 messages was 13 MiB higher (955 MiB), with
    // no gain in time.
    constexpr size_t kBlockTerms = 4096;
    constexpr size_t kBlockBytes = 2 << 20;
    const int jobs = std::max(1, options.jobs);
    std::vector<std::string> keys;
    // The block's parts, copied one after the other; term k has parts
    // [part_start[k], part_start[k + 1]).
    std::string arena;
    std::vector<std::pair<size_t, size_t>> part_spans;  // in arena
    std::vector<std::string_view> part_views;
    std::vector<size_t> part_start;
    std::vector<std::string> encoded;
    std::vector<size_t> documents;
    while (!heads.empty()) {
      // A block: whole terms, each with its parts in run (document) order.
      keys.clear();
      arena.clear();
      part_spans.clear();
      part_start.clear();
      while (!heads.empty() && keys.size() < kBlockTerms && arena.size() < kBlockBytes) {
        keys.emplace_back(heads.top().first);
        part_start.push_back(part_spans.size());
        while (!heads.empty() && heads.top().first == keys.back()) {
          const size_t r = heads.top().second;
          heads.pop();
          part_spans.emplace_back(arena.size(), next_bytes[r].size());
          arena.append(next_bytes[r]);
          std::string_view term;
          if (readers[r].Next(&term, &next_bytes[r])) heads.emplace(term, r);
        }
      }
      part_start.push_back(part_spans.size());
      part_views.clear();
      for (const auto& [at, size] : part_spans) part_views.emplace_back(arena.data() + at, size);
      const size_t n = keys.size();
      term_count += n;
      // The term cache's runs are read front to back: every 32 MB merged,
      // the pages read so far leave memory (model::LoadedBytes::Release). A
      // small build of 500,000 messages reads 255 MB of them.
      if (cache && (merged_since_release += arena.size()) >= (32 << 20)) {
        cache->ReleaseLoaded();
        merged_since_release = 0;
      }
      encoded.assign(n, std::string());
      documents.assign(n, 0);
      RunParallel(std::min<int>(jobs, static_cast<int>(n)), [&](int t) {
        for (size_t k = t; k < n; k += jobs) {
          encoded[k] = EncodeTerm(keys[k], part_views.data() + part_start[k],
                                  part_start[k + 1] - part_start[k], lengths, averages,
                                  &documents[k]);
        }
      });
      for (size_t k = 0; k < n; ++k) {
        const std::string& key = keys[k];
        // Words in a tenth of the segment's documents or more ("kvm",
        // "arm64", "patch") carry little weight and the longest postings: a
        // query with a rarer word does not fetch them (the client reads the
        // list of the largest segment).
        if (documents[k] * kCommonShare >= count && documents[k] >= kCommonMinimum) {
          segment_common.push_back(key);
        }
        if (bounds.empty()) {
          bounds.push_back("");
        } else if (shard.size() + encoded[k].size() > options.shard_bytes) {
          close_shard();
          bounds.push_back(Bound(last_key, key));
        }
        if (!shard.empty()) shard += ',';
        shard += encoded[k];
        last_key = key;
      }
    }
    if (!bounds.empty()) close_shard();
    if (cache) cache->AddSegment(segment_key, EncodeTable(bounds, segment_common));
    shard_count += bounds.size();
    if (count > common_docs) common = segment_common, common_docs = count;
    segment_table.push_back({{"name", segment.name}, {"docs", count}, {"shards", bounds}});
  }

  // Document pages.
  const size_t page_docs = std::max<size_t>(1, options.page_docs);
  const size_t pages = (doc_count + page_docs - 1) / page_docs;
  // Made a block at a time on `jobs` threads (a snippet may read its body
  // back from disk), handed out in order.
  constexpr size_t kPageBlock = 256;
  const int jobs = std::max(1, options.jobs);
  std::vector<std::string> page_bytes;
  std::vector<model::Hash128> page_inputs;
  std::vector<char> kept;
  for (size_t first = 0; first < pages; first += kPageBlock) {
    const size_t n = std::min(kPageBlock, pages - first);
    page_bytes.assign(n, std::string());
    page_inputs.assign(n, model::Hash128{});
    kept.assign(n, 0);
    RunParallel(std::min<int>(jobs, static_cast<int>(n)), [&](int t) {
      std::vector<Document> docs;
      std::string body;
      for (size_t k = t; k < n; k += jobs) {
        const size_t p = first + k;
        const size_t begin = p * page_docs, end = std::min(doc_count, (p + 1) * page_docs);
        docs.clear();
        if (options.keep_page) {
          model::Hasher h;
          for (size_t i = begin; i < end; ++i) {
            if (!page_keys.empty()) {
              UpdateHash(page_keys[i], &h);
              continue;
            }
            docs.push_back(make(number[i]));
            const Document& d = docs.back();
            UpdateHash(PageKey(d,
                               [&]() -> std::string_view {
                                 if (!options.body_of) return d.body;
                                 body = options.body_of(d);
                                 return body;
                               }),
                       &h);
          }
          page_inputs[k] = h.Finish();
          if (options.keep_page("d/" + std::to_string(p) + ".json", page_inputs[k])) {
            kept[k] = 1;
            continue;
          }
        }
        if (docs.empty()) {
          for (size_t i = begin; i < end; ++i) docs.push_back(make(number[i]));
        }
        json page = json::array();
        for (const Document& d : docs) {
          std::string snippet = d.snippet;
          if (snippet.empty()) snippet = Snippet(options.body_of ? options.body_of(d) : d.body);
          page.push_back(
              {std::string(1, d.kind), d.title, d.author, Day(d.date), d.state, d.link, snippet});
        }
        page_bytes[k] = Compact(page);
      }
    });
    for (size_t k = 0; k < n; ++k) {
      if (kept[k]) continue;
      emit("d/" + std::to_string(first + k) + ".json", std::move(page_bytes[k]), page_inputs[k]);
    }
  }

  // Documents per day: (days since the previous day with documents, count).
  json dates = json::object();
  std::string days;
  int64_t first_day = 0, previous_day = 0;
  for (size_t i = 0; i < doc_count;) {
    const int64_t day = std::max<int64_t>(0, order_of(i).date) / 86400;
    size_t j = i;
    while (j < doc_count && std::max<int64_t>(0, order_of(j).date) / 86400 == day) ++j;
    if (i == 0) first_day = previous_day = day;
    AppendNumber(static_cast<uint64_t>(day - previous_day), &days);
    AppendNumber(j - i, &days);
    previous_day = day;
    i = j;
  }
  dates["format"] = kFormat;
  dates["first_day"] = first_day;
  dates["days"] = days;
  emit("dates.json", Compact(dates));

  json manifest;
  manifest["format"] = kFormat;
  manifest["generator"] = "listdigest";
  manifest["docs"] = doc_count;
  manifest["page_docs"] = page_docs;
  manifest["pages"] = pages;
  manifest["segments"] = segment_table;
  manifest["lists"] = json::array({{{"name", options.list}, {"first", 0}, {"end", doc_count}}});
  manifest["message_url"] = options.message_url;
  manifest["stopwords"] = StopWords();
  manifest["common"] = common;
  manifest["bm25"] = {{"k1", kK1}, {"b", kB}, {"levels", kLevels}, {"scale", kMaxBoost}};
  json kinds = json::object();
  for (const DocumentOrder& d : orders) {
    const std::string k(1, d.kind);
    kinds[k] = kinds.value(k, 0) + 1;
  }
  manifest["kinds"] = kinds;
  emit("manifest.json", Compact(manifest));

  if (stats) {
    stats->batches = batches;
    stats->segments = segments.size();
    stats->segments_kept = segments_kept;
    stats->batches_cached = batches_cached;
    stats->documents = doc_count;
    stats->terms = term_count;
    stats->shards = shard_count;
    stats->pages = pages;
    stats->bytes = bytes_out;
  }
}

}  // namespace listdigest::search
