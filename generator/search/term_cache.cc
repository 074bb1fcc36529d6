#include "search/term_cache.h"

#include <algorithm>
#include <cstring>

namespace listdigest::search {
namespace {

constexpr char kMagic[] = "LDTERMS\n";
constexpr char kDeltaMagic[] = "LDTERMD\n";
constexpr uint32_t kFormat = 2;
constexpr size_t kKeyBytes = 16;
constexpr int kFields = 5;  // as search/index.cc: t b a r f

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutKey(std::string* out, const model::Hash128& k) {
  for (uint64_t v : {k.lo, k.hi}) {
    for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
  }
}

struct Reader {
  std::string_view in;
  size_t pos = 0;
  bool ok = true;

  uint64_t Varint() {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= in.size()) break;
      const auto byte = static_cast<unsigned char>(in[pos++]);
      r |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return r;
    }
    ok = false;
    return 0;
  }
  // A count of items each at least one byte long: never more than what is left.
  size_t Count() {
    const uint64_t n = Varint();
    if (n > in.size() - pos) ok = false;
    return ok ? static_cast<size_t>(n) : 0;
  }
  uint64_t Fixed(int bytes) {
    if (in.size() - pos < static_cast<size_t>(bytes)) {
      ok = false;
      return 0;
    }
    uint64_t r = 0;
    for (int i = bytes - 1; i >= 0; --i) r = (r << 8) | static_cast<unsigned char>(in[pos + i]);
    pos += static_cast<size_t>(bytes);
    return r;
  }
  model::Hash128 Key() {
    model::Hash128 k;
    k.lo = Fixed(8);
    k.hi = Fixed(8);
    return k;
  }
};

// Whether `stream` is one document's hits of one term as BuildIndex writes
// them: headers (the field) each followed, for t and b, by a term frequency
// and, for t, that many positions.
bool WellFormed(const std::vector<uint32_t>& s) {
  for (size_t i = 0; i < s.size();) {
    const uint32_t field = s[i++];
    if (field >= kFields) return false;
    if (field <= 1) {
      if (i >= s.size()) return false;
      const uint32_t tf = s[i++];
      if (field == 0) {
        if (tf > s.size() - i) return false;
        i += tf;
      }
    }
  }
  return true;
}

}  // namespace

bool TermCache::Parse(model::LoadedBytes file, size_t whole, const std::string& identity,
                      std::string* why, std::string* delta_why) {
  Clear();
  // Parsed in place: the dictionary's views point into data_.
  data_ = std::move(file);
  whole = std::min(whole, data_.size());
  const std::string_view all = data_.view();
  const size_t magic = sizeof kMagic - 1;
  // Takes the file at [at, end): the whole file, or a delta that extends
  // the whole file taken before. Its terms, documents and batches are
  // numbered after those taken before, and kept only when it is sound.
  auto take = [&](size_t at, size_t end, const char* want_magic, std::string* what) {
    const std::string_view part = all.substr(at, end - at);
    if (part.size() < magic + kKeyBytes || part.compare(0, magic, want_magic) != 0) {
      *what = "not a listdigest terms file";
      return false;
    }
    const size_t body_end = end - kKeyBytes;
    Reader tail{all.substr(body_end, kKeyBytes)};
    const model::Hash128 stored = tail.Key();
    if (model::HashBytes(all.substr(at, body_end - at)) != stored) {
      *what = "corrupt (checksum mismatch)";
      return false;
    }
    Reader r{all.substr(0, body_end), at + magic};
    if (r.Fixed(4) != kFormat) {
      *what = "from another cache format";
      return false;
    }
    const size_t identity_size = r.Count();
    if (!r.ok || r.in.substr(r.pos, identity_size) != identity) {
      *what = "from another listdigest build";
      return false;
    }
    r.pos += identity_size;
    if (at > 0 && r.Key() != whole_hash_) return false;  // of another whole file: no word
    const size_t terms = r.Count();
    std::vector<std::string_view> dictionary;
    dictionary.reserve(terms);
    for (size_t i = 0; i < terms && r.ok; ++i) {
      const size_t n = r.Count();
      dictionary.emplace_back(all.data() + r.pos, n);
      r.pos += n;
    }
    std::vector<std::pair<model::Hash128, Record>> records;
    const size_t docs = r.Count();
    records.reserve(docs);
    for (size_t i = 0; i < docs && r.ok; ++i) {
      // Checked when found, not now: most builds find only some.
      const size_t start = r.pos;
      const model::Hash128 key = r.Key();
      r.pos += r.Count();
      records.emplace_back(key, Record{start, r.pos - start, false, parsed_ + i});
    }
    std::vector<std::pair<model::Hash128, Record>> batches;
    const size_t batch_count = r.Count();
    for (size_t i = 0; i < batch_count && r.ok; ++i) {
      const size_t start = r.pos;
      const model::Hash128 key = r.Key();
      const size_t n = r.Count();
      for (size_t k = 0; k < n && r.ok; ++k) {
        r.Varint();
        r.Varint();
      }
      r.pos += r.Count();
      batches.emplace_back(key, Record{start, r.pos - start, false, parsed_batches_ + i});
    }
    if (!r.ok || r.pos != body_end || records.size() != docs || batches.size() != batch_count) {
      *what = "corrupt (records)";
      return false;
    }
    dictionary_.insert(dictionary_.end(), dictionary.begin(), dictionary.end());
    // A key in both files (which Add never makes) keeps its first record;
    // the other is never found, so the next file drops it.
    records_.reserve(records_.size() + records.size());
    for (auto& [key, rec] : records) records_.emplace(key, rec);
    for (auto& [key, rec] : batches) batches_.emplace(key, rec);
    parsed_ += docs;
    parsed_batches_ += batch_count;
    if (at == 0) whole_hash_ = stored;
    return true;
  };
  if (!take(0, whole, kMagic, why)) {
    if (*why == "corrupt (checksum mismatch)" || *why == "corrupt (records)") {
      *why = "corrupt (terms.bin)";
    }
    Clear();
    return false;
  }
  have_whole_ = true;
  whole_bytes_ = whole;
  whole_terms_ = dictionary_.size();
  whole_docs_ = parsed_;
  whole_batches_ = parsed_batches_;
  if (whole < data_.size()) {
    std::string what;
    if (!take(whole, data_.size(), kDeltaMagic, &what)) {
      if (what == "not a listdigest terms file") what = "corrupt (not a terms delta)";
      data_.Truncate(whole);
      delta_dropped_ = true;
      if (delta_why && !what.empty()) *delta_why = what;
    }
  }
  parsed_terms_ = dictionary_.size();
  used_ = std::make_unique<std::atomic<bool>[]>(parsed_);
  batch_used_ = std::make_unique<std::atomic<bool>[]>(parsed_batches_);
  return true;
}

bool TermCache::Find(
    const model::Hash128& key, uint32_t* title, uint32_t* body,
    const std::function<void(uint32_t, std::string_view, const std::vector<uint32_t>&)>& hit)
    const {
  const auto it = records_.find(key);
  if (it == records_.end()) return false;
  const Record& rec = it->second;
  thread_local std::string added;
  if (rec.added && !added_.Read(rec.offset, rec.size, &added)) return false;
  Reader r{
      rec.added ? std::string_view(added) : data_.view().substr(rec.offset, rec.size),
      kKeyBytes};
  r.Varint();  // the record's size: rec.size says it
  const uint64_t t = r.Varint(), b = r.Varint();
  // Decoded and checked whole before any hit is reported: a document is
  // replayed entirely or not at all.
  thread_local std::vector<std::pair<uint32_t, std::vector<uint32_t>>> entries;
  const size_t n = r.Count();
  if (entries.size() < n) entries.resize(n);
  for (size_t e = 0; e < n && r.ok; ++e) {
    const uint64_t term = r.Varint();
    if (term >= dictionary_.size()) return false;
    entries[e].first = static_cast<uint32_t>(term);
    auto& stream = entries[e].second;
    stream.resize(r.Count());
    for (uint32_t& v : stream) {
      const uint64_t value = r.Varint();
      if (value > UINT32_MAX) return false;
      v = static_cast<uint32_t>(value);
    }
    if (!WellFormed(stream)) return false;
  }
  if (!r.ok || r.pos != rec.size || t > UINT32_MAX || b > UINT32_MAX) return false;
  *title = static_cast<uint32_t>(t);
  *body = static_cast<uint32_t>(b);
  for (size_t e = 0; e < n; ++e) hit(entries[e].first, dictionary_[entries[e].first], entries[e].second);
  if (!rec.added) used_[rec.index].store(true, std::memory_order_relaxed);
  return true;
}

bool TermCache::FindBatch(const model::Hash128& key,
                          std::vector<std::pair<uint32_t, uint32_t>>* lengths,
                          std::string* run) const {
  const auto it = batches_.find(key);
  if (it == batches_.end()) return false;
  const Record& rec = it->second;
  std::string added;
  if (rec.added && !added_batches_.Read(rec.offset, rec.size, &added)) return false;
  Reader r{
      rec.added ? std::string_view(added) : data_.view().substr(rec.offset, rec.size),
      kKeyBytes};
  const size_t n = r.Count();
  lengths->resize(n);
  for (auto& [title, body] : *lengths) {
    const uint64_t t = r.Varint(), b = r.Varint();
    if (t > UINT32_MAX || b > UINT32_MAX) return false;
    title = static_cast<uint32_t>(t);
    body = static_cast<uint32_t>(b);
  }
  const size_t size = r.Count();
  if (!r.ok || r.pos + size != rec.size) return false;
  run->assign(r.in.substr(r.pos, size));
  if (!rec.added) batch_used_[rec.index].store(true, std::memory_order_relaxed);
  return true;
}

void TermCache::Keep(const model::Hash128& key) const {
  const auto it = records_.find(key);
  if (it != records_.end() && !it->second.added) {
    used_[it->second.index].store(true, std::memory_order_relaxed);
  }
}

bool TermCache::KeepBatch(const model::Hash128& key) const {
  const auto it = batches_.find(key);
  if (it == batches_.end()) return false;
  if (!it->second.added) batch_used_[it->second.index].store(true, std::memory_order_relaxed);
  return true;
}

void TermCache::AddBatch(const model::Hash128& key,
                         const std::vector<std::pair<uint32_t, uint32_t>>& lengths,
                         std::string_view run) {
  if (batches_.count(key)) return;
  record_.clear();
  PutKey(&record_, key);
  PutVarint(&record_, lengths.size());
  for (const auto& [title, body] : lengths) {
    PutVarint(&record_, title);
    PutVarint(&record_, body);
  }
  PutVarint(&record_, run.size());
  const size_t start = added_batches_.size();
  if (!added_batches_.Append(record_) || !added_batches_.Append(run)) return;
  batches_[key] = Record{start, record_.size() + run.size(), true, added_batch_count_++};
}

uint32_t TermCache::TermNumber(const std::string& term) {
  if (term_numbers_.empty() && !dictionary_.empty()) {
    term_numbers_.reserve(dictionary_.size());
    for (size_t i = 0; i < dictionary_.size(); ++i) {
      term_numbers_.emplace(dictionary_[i], static_cast<uint32_t>(i));
    }
  }
  const auto it = term_numbers_.find(term);
  if (it != term_numbers_.end()) return it->second;
  new_terms_.push_back(term);
  const auto number = static_cast<uint32_t>(dictionary_.size());
  dictionary_.push_back(new_terms_.back());
  term_numbers_.emplace(new_terms_.back(), number);
  return number;
}

void TermCache::Add(const model::Hash128& key, uint32_t title, uint32_t body,
                    const std::vector<std::pair<std::string, std::vector<uint32_t>>>& entries) {
  if (records_.count(key)) return;
  std::string content;
  PutVarint(&content, title);
  PutVarint(&content, body);
  PutVarint(&content, entries.size());
  for (const auto& [term, stream] : entries) {
    PutVarint(&content, TermNumber(term));
    PutVarint(&content, stream.size());
    for (uint32_t v : stream) PutVarint(&content, v);
  }
  record_.clear();
  PutKey(&record_, key);
  PutVarint(&record_, content.size());
  record_ += content;
  const size_t start = added_.size();
  if (!added_.Append(record_)) return;
  records_[key] = Record{start, record_.size(), true, added_count_++};
}

bool TermCache::Changed() const {
  if (added_count_ > 0 || added_batch_count_ > 0 || !added_.ok() || !added_batches_.ok()) {
    return true;
  }
  for (size_t i = 0; i < parsed_; ++i) {
    if (!used_[i].load(std::memory_order_relaxed)) return true;
  }
  for (size_t i = 0; i < parsed_batches_; ++i) {
    if (!batch_used_[i].load(std::memory_order_relaxed)) return true;
  }
  return false;
}

TermCache::Plan TermCache::SavePlan() const {
  if (!added_.ok() || !added_batches_.ok()) return Plan::kWhole;  // Write says what went wrong
  const bool added = added_count_ > 0 || added_batch_count_ > 0;
  if (!have_whole_) return added ? Plan::kWhole : Plan::kNothing;
  size_t wasted = 0, delta = added_.size() + added_batches_.size();
  bool delta_unused = false;
  const auto weigh = [&](const std::unordered_map<model::Hash128, Record, KeyHash>& map,
                         const std::atomic<bool>* used, size_t whole_count) {
    for (const auto& [key, rec] : map) {
      if (rec.added) continue;
      const bool in_use = used[rec.index].load(std::memory_order_relaxed);
      if (rec.index < whole_count) {
        wasted += in_use ? 0 : rec.size;
      } else if (in_use) {
        delta += rec.size;
      } else {
        delta_unused = true;
      }
    }
  };
  weigh(records_, used_.get(), whole_docs_);
  weigh(batches_, batch_used_.get(), whole_batches_);
  // A few builds' batches replace some of the whole file's: they are
  // carried in the delta until it and what the whole file holds in vain
  // come to half its size.
  if ((wasted + delta) * 2 > whole_bytes_) return Plan::kWhole;
  if (!added && !delta_unused && !delta_dropped_) return Plan::kNothing;
  return Plan::kDelta;
}

bool TermCache::Write(const std::string& identity, const model::ByteSink& sink,
                      std::string* err) const {
  return Stream(false, identity, sink, err);
}

bool TermCache::WriteDelta(const std::string& identity, const model::ByteSink& sink,
                           std::string* err) const {
  return Stream(true, identity, sink, err);
}

bool TermCache::Stream(bool delta, const std::string& identity, const model::ByteSink& sink,
                       std::string* err) const {
  for (const model::SpillFile* spill : {&added_, &added_batches_}) {
    if (!spill->ok()) {
      *err = spill->error();
      return false;
    }
  }
  model::HashingWriter out(sink, err);
  std::string piece(delta ? kDeltaMagic : kMagic, sizeof kMagic - 1);
  for (int i = 0; i < 4; ++i) piece.push_back(static_cast<char>(kFormat >> (8 * i)));
  PutVarint(&piece, identity.size());
  piece += identity;
  if (delta) PutKey(&piece, whole_hash_);
  // The dictionary is kept whole (term numbers stay valid); terms of
  // documents that left the archive stay with it, which costs a few bytes.
  // A delta holds the terms numbered after the whole file's.
  const size_t first_term = delta ? whole_terms_ : 0;
  PutVarint(&piece, dictionary_.size() - first_term);
  out.Put(piece);
  for (size_t t = first_term; t < dictionary_.size(); ++t) {
    piece.clear();
    PutVarint(&piece, dictionary_[t].size());
    piece += dictionary_[t];
    out.Put(piece);
  }
  const auto put = [&out](std::string_view bytes, std::string*) {
    out.Put(bytes);
    return out.ok();
  };
  // The records of Parse's files still in use (a delta: of its delta), in
  // their order, then the added ones: documents, then batches.
  const auto records = [&](const std::unordered_map<model::Hash128, Record, KeyHash>& map,
                           size_t from, size_t parsed_count, const std::atomic<bool>* used,
                           size_t added_count, const model::SpillFile& added) {
    std::vector<const Record*> parsed(parsed_count, nullptr);
    size_t kept = added_count;
    for (const auto& [key, rec] : map) {
      if (!rec.added && rec.index >= from && used[rec.index].load(std::memory_order_relaxed)) {
        parsed[rec.index] = &rec;
        ++kept;
      }
    }
    piece.clear();
    PutVarint(&piece, kept);
    out.Put(piece);
    // Records that follow each other in data_ go out as one piece.
    size_t run = 0, run_end = 0;
    for (const Record* rec : parsed) {
      if (!rec) continue;
      if (rec->offset != run_end) {
        out.Put(data_.view().substr(run, run_end - run));
        run = rec->offset;
      }
      run_end = rec->offset + rec->size;
    }
    out.Put(data_.view().substr(run, run_end - run));
    return out.ok() && added.CopyTo(put, err);
  };
  return records(records_, delta ? whole_docs_ : 0, parsed_, used_.get(), added_count_, added_) &&
         records(batches_, delta ? whole_batches_ : 0, parsed_batches_, batch_used_.get(),
                 added_batch_count_, added_batches_) &&
         out.Finish();
}

void TermCache::Clear() {
  records_ = {};
  used_.reset();
  batches_ = {};
  batch_used_.reset();
  added_batches_.Clear();
  parsed_batches_ = added_batch_count_ = 0;
  dictionary_ = {};
  term_numbers_ = {};
  new_terms_ = {};
  data_ = model::LoadedBytes();
  added_.Clear();
  parsed_ = parsed_terms_ = added_count_ = 0;
  whole_bytes_ = whole_terms_ = whole_docs_ = whole_batches_ = 0;
  whole_hash_ = {};
  have_whole_ = delta_dropped_ = false;
}

}  // namespace listdigest::search
