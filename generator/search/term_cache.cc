#include "search/term_cache.h"

#include <cstring>

namespace listdigest::search {
namespace {

constexpr char kMagic[] = "LDTERMS\n";
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

bool TermCache::Parse(std::string file, const std::string& identity, std::string* why) {
  Clear();
  // Parsed in place: the dictionary's views point into data_.
  data_ = std::move(file);
  const std::string& bytes = data_;
  const auto refuse = [&](const char* reason) {
    *why = reason;
    data_ = std::string();
    return false;
  };
  const size_t magic = sizeof kMagic - 1;
  if (bytes.size() < magic + kKeyBytes || bytes.compare(0, magic, kMagic) != 0) {
    return refuse("not a listdigest terms file");
  }
  const std::string_view body(bytes.data(), bytes.size() - kKeyBytes);
  Reader tail{std::string_view(bytes).substr(body.size())};
  if (model::HashBytes(body) != tail.Key()) return refuse("corrupt (terms.bin)");
  Reader r{body, magic};
  if (r.Fixed(4) != kFormat) return refuse("from another cache format");
  const size_t identity_size = r.Count();
  if (!r.ok || body.substr(r.pos, identity_size) != identity) {
    return refuse("from another listdigest build");
  }
  r.pos += identity_size;
  std::vector<std::string_view> dictionary;
  const size_t terms = r.Count();
  dictionary.reserve(terms);
  for (size_t i = 0; i < terms && r.ok; ++i) {
    const size_t n = r.Count();
    dictionary.emplace_back(bytes.data() + r.pos, n);
    r.pos += n;
  }
  std::unordered_map<model::Hash128, Record, KeyHash> records;
  const size_t docs = r.Count();
  records.reserve(docs);
  for (size_t i = 0; i < docs && r.ok; ++i) {
    // Checked when found, not now: most builds find only some.
    const size_t start = r.pos;
    const model::Hash128 key = r.Key();
    r.pos += r.Count();
    records[key] = Record{start, r.pos - start, false, i};
  }
  std::unordered_map<model::Hash128, Record, KeyHash> batches;
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
    batches[key] = Record{start, r.pos - start, false, i};
  }
  if (!r.ok || r.pos != body.size() || records.size() != docs || batches.size() != batch_count) {
    return refuse("corrupt (terms.bin)");
  }
  dictionary_ = std::move(dictionary);
  records_ = std::move(records);
  batches_ = std::move(batches);
  parsed_ = docs;
  parsed_batches_ = batch_count;
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
      rec.added ? std::string_view(added) : std::string_view(data_).substr(rec.offset, rec.size),
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
      rec.added ? std::string_view(added) : std::string_view(data_).substr(rec.offset, rec.size),
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

bool TermCache::Write(const std::string& identity, const model::ByteSink& sink,
                      std::string* err) const {
  for (const model::SpillFile* spill : {&added_, &added_batches_}) {
    if (!spill->ok()) {
      *err = spill->error();
      return false;
    }
  }
  model::HashingWriter out(sink, err);
  std::string piece(kMagic, sizeof kMagic - 1);
  for (int i = 0; i < 4; ++i) piece.push_back(static_cast<char>(kFormat >> (8 * i)));
  PutVarint(&piece, identity.size());
  piece += identity;
  // The dictionary is kept whole (term numbers stay valid); terms of
  // documents that left the archive stay with it, which costs a few bytes.
  PutVarint(&piece, dictionary_.size());
  out.Put(piece);
  for (const std::string_view term : dictionary_) {
    piece.clear();
    PutVarint(&piece, term.size());
    piece += term;
    out.Put(piece);
  }
  const auto put = [&out](std::string_view bytes, std::string*) {
    out.Put(bytes);
    return out.ok();
  };
  // The records of Parse's file still in use, in its order, then the added
  // ones: documents, then batches.
  const auto records = [&](const std::unordered_map<model::Hash128, Record, KeyHash>& map,
                           size_t parsed_count, const std::atomic<bool>* used, size_t added_count,
                           const model::SpillFile& added) {
    std::vector<const Record*> parsed(parsed_count, nullptr);
    size_t kept = added_count;
    for (const auto& [key, rec] : map) {
      if (!rec.added && used[rec.index].load(std::memory_order_relaxed)) {
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
        out.Put(std::string_view(data_).substr(run, run_end - run));
        run = rec->offset;
      }
      run_end = rec->offset + rec->size;
    }
    out.Put(std::string_view(data_).substr(run, run_end - run));
    return out.ok() && added.CopyTo(put, err);
  };
  return records(records_, parsed_, used_.get(), added_count_, added_) &&
         records(batches_, parsed_batches_, batch_used_.get(), added_batch_count_,
                 added_batches_) &&
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
  data_ = std::string();
  added_.Clear();
  parsed_ = parsed_terms_ = added_count_ = 0;
}

}  // namespace listdigest::search
