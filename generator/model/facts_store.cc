#include "model/facts_store.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "model/content_hash.h"
#include "model/facts_io.h"

namespace listdigest::model {
namespace {

constexpr char kMagic[] = "LDFACTS\n";
constexpr char kDeltaMagic[] = "LDFACTD\n";
constexpr uint32_t kStoreFormat = 1;
constexpr size_t kKeyBytes = 20;

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Bounds-checked reading of the file's fixed parts.
struct Reader {
  std::string_view in;
  size_t pos = 0;
  bool U64(uint64_t* v, int bytes = 8) {
    if (in.size() - pos < static_cast<size_t>(bytes)) return false;
    uint64_t r = 0;
    for (int i = bytes - 1; i >= 0; --i) r = (r << 8) | static_cast<unsigned char>(in[pos + i]);
    pos += bytes;
    *v = r;
    return true;
  }
  bool Varint(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
      const auto byte = static_cast<unsigned char>(in[pos++]);
      r |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        *v = r;
        return true;
      }
    }
    return false;
  }
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool FactsStore::ParseKey(const std::string& hex, Key* key) {
  if (hex.size() != 2 * kKeyBytes) return false;
  unsigned char raw[kKeyBytes];
  for (size_t i = 0; i < kKeyBytes; ++i) {
    const int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    raw[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  std::memcpy(&key->a, raw, 8);
  std::memcpy(&key->b, raw + 8, 8);
  std::memcpy(&key->c, raw + 16, 4);
  return true;
}

bool FactsStore::Parse(LoadedBytes bytes, size_t whole, const std::string& identity,
                       std::string* why, std::string* delta_why) {
  Clear();
  whole = std::min(whole, bytes.size());
  const std::string_view all = bytes.view();
  const size_t magic = sizeof kMagic - 1;
  // The header of the whole file or the delta that starts at `at` and ends
  // at `end`, its checksum checked; `r` is left at the record count.
  auto header = [&](size_t at, size_t end, const char* want_magic, Reader* r, std::string* what) {
    const std::string_view file = all.substr(at, end - at);
    if (file.size() < magic + 8 + 16 || file.compare(0, magic, want_magic) != 0) {
      *what = "not a listdigest facts file";
      return false;
    }
    Reader tail{file, file.size() - 16};
    Hash128 stored;
    tail.U64(&stored.lo);
    tail.U64(&stored.hi);
    if (HashBytes(file.substr(0, file.size() - 16)) != stored) {
      *what = "corrupt (checksum mismatch)";
      return false;
    }
    // Positions in `all`: the records are indexed by their offset in it.
    *r = Reader{all.substr(0, end - 16), at + magic};
    uint64_t store_format = 0, facts_format = 0, identity_size = 0;
    r->U64(&store_format, 4);
    r->U64(&facts_format, 4);
    if (store_format != kStoreFormat || facts_format != static_cast<uint64_t>(kFactsFormat)) {
      *what = "from another cache format";
      return false;
    }
    if (!r->Varint(&identity_size) || identity_size > r->in.size() - r->pos ||
        r->in.substr(r->pos, identity_size) != identity) {
      *what = "from another listdigest build";
      return false;
    }
    r->pos += identity_size;
    return true;
  };
  Reader r;
  uint64_t count = 0;
  if (!header(0, whole, kMagic, &r, why)) return false;
  if (!r.U64(&count) || !IndexRecords(r.in, r.pos, count, why)) {
    Clear();
    return false;
  }
  have_whole_ = true;
  whole_count_ = old_count_;
  whole_bytes_ = whole;
  Reader tail{all, whole - 16};
  tail.U64(&whole_hash_.lo);
  tail.U64(&whole_hash_.hi);
  if (whole < bytes.size()) {
    // A delta of another whole file (a later build replaced the one it
    // extends) is of no use, but nothing is wrong with it.
    std::string what;
    Hash128 extends;
    bool taken = header(whole, bytes.size(), kDeltaMagic, &r, &what) && r.U64(&extends.lo) &&
                 r.U64(&extends.hi) && extends == whole_hash_;
    if (taken) {
      taken = r.U64(&count) && IndexRecords(r.in, r.pos, count, &what);
      if (!taken && what.empty()) what = "corrupt (record count)";
    } else if (what == "not a listdigest facts file") {
      what = "corrupt (not a facts delta)";
    }
    if (!taken) {
      bytes.Truncate(whole);
      delta_dropped_ = true;
      if (delta_why && !what.empty()) *delta_why = what;
    }
  }
  used_ = std::make_unique<std::atomic<bool>[]>(old_count_);
  data_ = std::make_shared<const LoadedBytes>(std::move(bytes));
  return true;
}

bool FactsStore::IndexRecords(std::string_view body, size_t from, uint64_t count,
                              std::string* why) {
  if (count > body.size() / (kKeyBytes + 1)) {
    *why = "corrupt (record count)";
    return false;
  }
  std::vector<std::pair<Key, Span>> found;
  found.reserve(count);
  Reader r{body, from};
  for (uint64_t i = 0; i < count; ++i) {
    const size_t record = r.pos;
    uint64_t size = 0;
    if (body.size() - r.pos < kKeyBytes) break;
    r.pos += kKeyBytes;
    if (!r.Varint(&size) || size > body.size() - r.pos) break;
    Key key;
    std::memcpy(&key.a, body.data() + record, 8);
    std::memcpy(&key.b, body.data() + record + 8, 8);
    std::memcpy(&key.c, body.data() + record + 16, 4);
    found.emplace_back(key, Span{record, r.pos, static_cast<size_t>(size), false, old_count_ + i});
    r.pos += size;
  }
  if (found.size() != count || r.pos != body.size()) {
    *why = "corrupt (records)";
    return false;
  }
  index_.reserve(index_.size() + found.size());
  // A blob in both files (which Add never makes) keeps its first record;
  // the other is never found, so the next file drops it.
  for (auto& [key, span] : found) index_.emplace(key, span);
  old_count_ += found.size();
  return true;
}

bool FactsStore::Find(const std::string& blob, MessageFacts* facts) const {
  return Look(blob, facts, true);
}

bool FactsStore::FindLoaded(const std::string& blob, MessageFacts* facts) const {
  return Look(blob, facts, false);
}

bool FactsStore::FindLoaded(const std::string& blob, MessageFacts* facts,
                            TextViews* texts) const {
  return Look(blob, facts, false, texts);
}

bool FactsStore::Look(const std::string& blob, MessageFacts* facts, bool added_too,
                      TextViews* texts) const {
  Key key;
  if (!ParseKey(blob, &key)) return false;
  std::shared_lock<std::shared_mutex> lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) return false;
  const Span& s = it->second;
  if (s.added && !added_too) return false;
  if (s.added) {
    thread_local std::string payload;
    return added_.Read(s.payload, s.size, &payload) && DecodeFacts(payload, facts);
  }
  const std::string_view record = data().substr(s.payload, s.size);
  if (!(texts ? DecodeFacts(record, facts, texts) : DecodeFacts(record, facts))) return false;
  used_[s.index].store(true, std::memory_order_relaxed);
  return true;
}

void FactsStore::Add(const std::string& blob, const MessageFacts& facts) {
  Key key;
  if (!ParseKey(blob, &key)) return;
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (index_.count(key)) return;
  payload_.clear();
  EncodeFacts(facts, &payload_);
  std::string head;
  head.append(reinterpret_cast<const char*>(&key.a), 8);
  head.append(reinterpret_cast<const char*>(&key.b), 8);
  head.append(reinterpret_cast<const char*>(&key.c), 4);
  PutVarint(&head, payload_.size());
  const size_t record = added_.size();
  if (!added_.Append(head) || !added_.Append(payload_)) return;
  index_.emplace(key, Span{record, record + head.size(), payload_.size(), true, new_count_++});
}

bool FactsStore::Changed() const {
  if (new_count_ > 0 || !added_.ok()) return true;
  for (size_t i = 0; i < old_count_; ++i) {
    if (!used_[i].load(std::memory_order_relaxed)) return true;
  }
  return false;
}

FactsStore::Plan FactsStore::SavePlan() const {
  if (!added_.ok()) return Plan::kWhole;  // Write says what went wrong
  if (!have_whole_) return new_count_ > 0 ? Plan::kWhole : Plan::kNothing;
  size_t whole_unused = 0, delta_unused = 0, delta_kept = 0;
  for (const auto& [key, span] : index_) {
    if (span.added) continue;
    const bool used = used_[span.index].load(std::memory_order_relaxed);
    if (span.index < whole_count_) {
      whole_unused += !used;
    } else if (used) {
      delta_kept += span.payload + span.size - span.record;
    } else {
      ++delta_unused;
    }
  }
  if (whole_unused * 8 > whole_count_ || (delta_kept + added_.size()) * 4 > whole_bytes_) {
    return Plan::kWhole;
  }
  if (new_count_ == 0 && delta_unused == 0 && !delta_dropped_) return Plan::kNothing;
  return Plan::kDelta;
}

void FactsStore::PutLoaded(size_t from, size_t to, HashingWriter* out) const {
  // In file order: the same builds give the same file. Records that follow
  // each other in data_ go out as one piece.
  std::vector<const Span*> old(old_count_, nullptr);
  for (const auto& [key, span] : index_) {
    if (!span.added) old[span.index] = &span;
  }
  size_t run = 0, run_end = 0;
  for (size_t i = from; i < to; ++i) {
    const Span* s = old[i];
    if (!s || !used_[s->index].load(std::memory_order_relaxed)) continue;
    if (s->record != run_end) {
      out->Put(data().substr(run, run_end - run));
      run = s->record;
    }
    run_end = s->payload + s->size;
  }
  out->Put(data().substr(run, run_end - run));
}

bool FactsStore::Write(const std::string& identity, const ByteSink& sink, std::string* err) const {
  return Stream(kMagic, identity, nullptr, 0, sink, err);
}

bool FactsStore::WriteDelta(const std::string& identity, const ByteSink& sink,
                            std::string* err) const {
  return Stream(kDeltaMagic, identity, &whole_hash_, whole_count_, sink, err);
}

bool FactsStore::Stream(const char* magic, const std::string& identity, const Hash128* extends,
                        size_t from, const ByteSink& sink, std::string* err) const {
  if (!added_.ok()) {
    *err = added_.error();
    return false;
  }
  HashingWriter out(sink, err);
  std::string head(magic);
  PutU32(&head, kStoreFormat);
  PutU32(&head, static_cast<uint32_t>(kFactsFormat));
  PutVarint(&head, identity.size());
  head += identity;
  if (extends) {
    PutU64(&head, extends->lo);
    PutU64(&head, extends->hi);
  }
  size_t kept = 0;
  for (size_t i = from; i < old_count_; ++i) kept += used_[i].load(std::memory_order_relaxed);
  PutU64(&head, kept + new_count_);
  out.Put(head);
  // Loaded records (the whole file's, then the delta's), then added ones
  // in the order they came.
  PutLoaded(from, old_count_, &out);
  if (!out.ok()) return false;
  const auto put = [&out](std::string_view bytes, std::string*) {
    out.Put(bytes);
    return out.ok();
  };
  return added_.CopyTo(put, err) && out.Finish();
}

void FactsStore::Clear() {
  index_ = {};
  used_.reset();
  data_.reset();
  added_.Clear();
  old_count_ = new_count_ = 0;
  whole_count_ = whole_bytes_ = 0;
  whole_hash_ = {};
  have_whole_ = delta_dropped_ = false;
}

}  // namespace listdigest::model
