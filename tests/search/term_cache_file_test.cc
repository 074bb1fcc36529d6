// The term cache's file (search/term_cache.h) as Write streams it: byte for
// byte the layout its header documents, whether the documents and batches
// added wait in memory or in spill files; a document or batch added twice
// keeps its first record; documents and batches of the file that a build
// neither found nor kept are dropped; the spill files go with Clear.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/content_hash.h"
#include "search/term_cache.h"
#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;

struct Doc {
  model::Hash128 key;
  uint32_t title = 0, body = 0;
  std::vector<std::pair<std::string, std::vector<uint32_t>>> entries;
};

// A made-up document with terms shared by many ("kvm3") and its own
// ("only17"), each with a stream as BuildIndex writes it: 4,000 of them
// hold about 2 MB, more than the spill file's 1 MB buffer.
Doc MakeDoc(int i, const std::string& salt = "") {
  Doc d;
  d.key = model::HashBytes("doc " + std::to_string(i) + salt);
  d.title = static_cast<uint32_t>(i % 13);
  d.body = static_cast<uint32_t>(i * 7 % 1000);
  std::vector<uint32_t> title_hits = {0, 2, 1, static_cast<uint32_t>(i % 9 + 2)};
  const std::vector<uint32_t> body_hits = {1, static_cast<uint32_t>(i % 40 + 1)};
  std::vector<uint32_t> long_title = {0, 250};
  for (uint32_t k = 0; k < 250; ++k) long_title.push_back(k * 3);
  d.entries.emplace_back("kvm" + std::to_string(i % 5), title_hits);
  d.entries.emplace_back("only" + std::to_string(i) + salt, body_hits);
  d.entries.emplace_back("x86/" + std::to_string(i % 11), std::vector<uint32_t>{2, 3, 4});
  d.entries.emplace_back("long" + std::to_string(i % 3), long_title);
  std::sort(d.entries.begin(), d.entries.end());
  return d;
}

void Varint(std::string* out, uint64_t v) {
  for (; v >= 0x80; v >>= 7) out->push_back(static_cast<char>((v & 0x7f) | 0x80));
  out->push_back(static_cast<char>(v));
}

void Key(std::string* out, const model::Hash128& k) {
  for (uint64_t v : {k.lo, k.hi}) {
    for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
  }
}

// A batch as BuildIndex stores it: lengths of its documents and a run.
struct Batch {
  model::Hash128 key;
  std::vector<std::pair<uint32_t, uint32_t>> lengths;
  std::string run;
};

Batch MakeBatch(int i, const std::string& salt = "") {
  Batch b;
  b.key = model::HashBytes("batch " + std::to_string(i) + salt);
  for (int k = 0; k < 50 + i % 7; ++k) {
    b.lengths.emplace_back(static_cast<uint32_t>(k % 17), static_cast<uint32_t>(k * 31 + i));
  }
  // Postings bytes are opaque to the cache; big enough to need the spill
  // file's buffer flushed now and then.
  for (int k = 0; k < 3000 + i; ++k) b.run.push_back(static_cast<char>((k * 7 + i) & 0xff));
  return b;
}

// The file of a cache whose dictionary is `dictionary` and which holds
// `docs` and `batches` in that order, built from the layout in
// term_cache.h, independently of TermCache; terms new to the dictionary
// join it in the order the documents name them.
// With `extends` (a whole file), the delta file of those records instead:
// its dictionary holds the terms after the `dictionary` given.
std::string Expected(const std::string& identity, std::vector<std::string> dictionary,
                     const std::vector<Doc>& docs, const std::vector<Batch>& batches = {},
                     const std::string* extends = nullptr) {
  const size_t first_term = extends ? dictionary.size() : 0;
  std::map<std::string, size_t> numbers;
  for (size_t i = 0; i < dictionary.size(); ++i) numbers.emplace(dictionary[i], i);
  std::string records;
  for (const Doc& d : docs) {
    std::string rest;
    Varint(&rest, d.title);
    Varint(&rest, d.body);
    Varint(&rest, d.entries.size());
    for (const auto& [term, stream] : d.entries) {
      const auto [it, is_new] = numbers.emplace(term, dictionary.size());
      if (is_new) dictionary.push_back(term);
      Varint(&rest, it->second);
      Varint(&rest, stream.size());
      for (uint32_t v : stream) Varint(&rest, v);
    }
    Key(&records, d.key);
    Varint(&records, rest.size());
    records += rest;
  }
  std::string out = extends ? "LDTERMD\n" : "LDTERMS\n";
  out += std::string("\x02\x00\x00\x00", 4);
  Varint(&out, identity.size());
  out += identity;
  if (extends) out += extends->substr(extends->size() - 16);
  Varint(&out, dictionary.size() - first_term);
  for (size_t t = first_term; t < dictionary.size(); ++t) {
    Varint(&out, dictionary[t].size());
    out += dictionary[t];
  }
  Varint(&out, docs.size());
  out += records;
  Varint(&out, batches.size());
  for (const Batch& b : batches) {
    Key(&out, b.key);
    Varint(&out, b.lengths.size());
    for (const auto& [title, body] : b.lengths) {
      Varint(&out, title);
      Varint(&out, body);
    }
    Varint(&out, b.run.size());
    out += b.run;
  }
  Key(&out, model::HashBytes(out));
  return out;
}

bool FoundAs(const search::TermCache& cache, const Batch& b) {
  Batch got;
  return cache.FindBatch(b.key, &got.lengths, &got.run) && got.lengths == b.lengths &&
         got.run == b.run;
}

// The file a cache writes, whole or its delta.
std::string Written(const search::TermCache& cache, const std::string& identity,
                    bool delta = false) {
  std::string bytes, err;
  const auto sink = [&bytes](std::string_view piece, std::string*) {
    bytes += piece;
    return true;
  };
  const bool ok = delta ? cache.WriteDelta(identity, sink, &err) : cache.Write(identity, sink, &err);
  REQUIRE_MESSAGE(ok, err);
  return bytes;
}

// Whether the cache gives back exactly `d`'s lengths and terms.
bool FoundAs(const search::TermCache& cache, const Doc& d) {
  Doc got;
  const bool found =
      cache.Find(d.key, &got.title, &got.body,
                 [&got](uint32_t, std::string_view term, const std::vector<uint32_t>& stream) {
                   got.entries.emplace_back(std::string(term), stream);
                 });
  return found && got.title == d.title && got.body == d.body && got.entries == d.entries;
}

void Add(search::TermCache* cache, const Doc& d) { cache->Add(d.key, d.title, d.body, d.entries); }

// The dictionary a file holds, in order (the Expected of a later build
// starts from it).
std::vector<std::string> DictionaryOf(const std::vector<Doc>& docs) {
  std::vector<std::string> out;
  std::map<std::string, bool> seen;
  for (const Doc& d : docs) {
    for (const auto& e : d.entries) {
      if (seen.emplace(e.first, true).second) out.push_back(e.first);
    }
  }
  return out;
}

TEST_CASE("term cache file: the streamed file is the documented layout byte for byte") {
  const std::string dir = testing::WorkDir("term-cache-layout");
  for (const bool spill : {false, true}) {
    CAPTURE(spill);
    const std::string spill_file = dir + "/terms.bin.tmp-" + std::to_string(spill) + "-added";
    std::vector<Doc> docs;
    for (int i = 0; i < 4000; ++i) docs.push_back(MakeDoc(i));
    search::TermCache first;
    if (spill) first.SetSpillFile(spill_file);
    for (const Doc& d : docs) Add(&first, d);
    std::vector<Batch> batches;
    for (int i = 0; i < 600; ++i) batches.push_back(MakeBatch(i));
    for (const Batch& b : batches) first.AddBatch(b.key, b.lengths, b.run);
    for (size_t i = 0; i < docs.size(); i += 7) REQUIRE(FoundAs(first, docs[i]));
    for (size_t i = 0; i < batches.size(); i += 5) REQUIRE(FoundAs(first, batches[i]));
    CHECK(fs::exists(spill_file) == spill);
    CHECK(fs::exists(spill_file + "-batches") == spill);
    if (spill) CHECK(fs::file_size(spill_file) >= (1u << 20));
    if (spill) CHECK(fs::file_size(spill_file + "-batches") >= (1u << 20));
    const std::string file = Written(first, "id");
    CHECK(file == Expected("id", {}, docs, batches));

    // A later build finds two documents in three and adds 500, half of
    // them with terms new to the dictionary.
    search::TermCache second;
    if (spill) second.SetSpillFile(spill_file + "2");
    std::string why;
    REQUIRE(second.Parse(file, "id", &why));
    for (size_t i = 0; i < docs.size(); ++i) {
      if (i % 3 != 0) REQUIRE(FoundAs(second, docs[i]));
    }
    // Batches: every other one found; of the documents not found, those
    // with i % 6 == 3 kept (as for a batch found whole) without being read.
    for (size_t i = 0; i < batches.size(); i += 2) REQUIRE(FoundAs(second, batches[i]));
    for (size_t i = 3; i < docs.size(); i += 6) second.Keep(docs[i].key);
    for (int i = 0; i < 40; ++i) {
      const Batch b = MakeBatch(i, i % 2 ? "-later" : "");
      second.AddBatch(b.key, b.lengths, b.run);
      CHECK(FoundAs(second, b));
    }
    for (int i = 0; i < 500; ++i) {
      // Even: the same text as before, so the same key: known already, the
      // record is left as it is (and now found). Odd: a new document.
      const Doc d = MakeDoc(i, i % 2 ? "-later" : "");
      Add(&second, d);
      CHECK(FoundAs(second, d));
    }
    // Documents found keep their order in the file; added ones follow.
    std::vector<Doc> order;
    for (size_t i = 0; i < docs.size(); ++i) {
      if (i % 3 != 0 || i % 6 == 3 || (i < 500 && i % 2 == 0)) order.push_back(docs[i]);
    }
    for (int i = 1; i < 500; i += 2) order.push_back(MakeDoc(i, "-later"));
    // Batches found (and the even ones added again, which are the same)
    // keep their order; added ones follow.
    std::vector<Batch> batch_order;
    for (size_t i = 0; i < batches.size(); i += 2) batch_order.push_back(batches[i]);
    for (int i = 1; i < 40; i += 2) batch_order.push_back(MakeBatch(i, "-later"));
    CHECK(second.Changed());
    const std::string next = Written(second, "id");
    CHECK(next == Expected("id", DictionaryOf(docs), order, batch_order));

    search::TermCache third;
    REQUIRE(third.Parse(next, "id", &why));
    CHECK(third.Changed());  // nothing found yet: all of it would go
    for (const Doc& d : order) REQUIRE(FoundAs(third, d));
    CHECK(third.Changed());  // the batches would go
    for (const Batch& b : batch_order) REQUIRE(FoundAs(third, b));
    CHECK_FALSE(third.Changed());
    CHECK(Written(third, "id") == next);
  }
}

TEST_CASE("term cache file: what a build adds goes to the delta file, until it comes to half") {
  using Plan = search::TermCache::Plan;
  std::vector<Doc> docs;
  std::vector<Batch> batches;
  search::TermCache first;
  for (int i = 0; i < 400; ++i) {
    docs.push_back(MakeDoc(i));
    Add(&first, docs.back());
  }
  for (int i = 0; i < 20; ++i) {
    batches.push_back(MakeBatch(i));
    first.AddBatch(batches.back().key, batches.back().lengths, batches.back().run);
  }
  CHECK(first.SavePlan() == Plan::kWhole);  // nothing loaded
  const std::string whole = Written(first, "id");
  const std::vector<std::string> dictionary = DictionaryOf(docs);

  // A build that finds all but batch 3 and document 7, and adds 20
  // documents (10 with terms new to the dictionary) and a batch.
  search::TermCache second;
  std::string why, delta_why;
  REQUIRE(second.Parse(whole, "id", &why));
  for (int i = 0; i < 400; ++i) {
    if (i != 7) REQUIRE(FoundAs(second, docs[i]));
  }
  for (int i = 0; i < 20; ++i) {
    if (i != 3) REQUIRE(FoundAs(second, batches[i]));
  }
  CHECK(second.SavePlan() == Plan::kNothing);  // what it no longer uses stays in the file
  std::vector<Doc> added;
  for (int i = 400; i < 420; ++i) {
    added.push_back(MakeDoc(i % 2 ? i : i - 400, "-later"));
    Add(&second, added.back());
  }
  const Batch extra = MakeBatch(20, "-later");
  second.AddBatch(extra.key, extra.lengths, extra.run);
  CHECK(second.SavePlan() == Plan::kDelta);
  const std::string delta = Written(second, "id", true);
  CHECK(delta == Expected("id", dictionary, added, {extra}, &whole));

  // Loaded together: every record is found; the whole file they make is
  // the one a build without the delta would write.
  search::TermCache third;
  REQUIRE(third.Parse(whole + delta, whole.size(), "id", &why, &delta_why));
  CHECK(delta_why.empty());
  CHECK(third.loaded() == 420);
  CHECK(third.loaded_delta() == 20);
  std::vector<Doc> all = docs;
  all.insert(all.end(), added.begin(), added.end());
  for (const Doc& d : all) REQUIRE(FoundAs(third, d));
  std::vector<Batch> all_batches = batches;
  all_batches.push_back(extra);
  for (const Batch& b : all_batches) REQUIRE(FoundAs(third, b));
  CHECK(third.SavePlan() == Plan::kNothing);
  CHECK(Written(third, "id") == Expected("id", {}, all, all_batches));
  // One more document: the delta keeps the 20 and adds it.
  const Doc one = MakeDoc(500, "-last");
  Add(&third, one);
  CHECK(third.SavePlan() == Plan::kDelta);
  std::vector<Doc> delta_docs = added;
  delta_docs.push_back(one);
  CHECK(Written(third, "id", true) == Expected("id", dictionary, delta_docs, {extra}, &whole));

  // Batches added build after build: the whole file is written once the
  // delta comes to half its size.
  search::TermCache fourth;
  REQUIRE(fourth.Parse(whole + delta, whole.size(), "id", &why, &delta_why));
  for (const Doc& d : all) REQUIRE(FoundAs(fourth, d));
  for (const Batch& b : all_batches) REQUIRE(FoundAs(fourth, b));
  int replaced = 0;
  while (fourth.SavePlan() != Plan::kWhole) {
    const Batch b = MakeBatch(replaced, "-again");
    fourth.AddBatch(b.key, b.lengths, b.run);
    ++replaced;
  }
  // (The delta written now, header and dictionary aside: just past half.)
  const size_t delta_size = Written(fourth, "id", true).size();
  CHECK(replaced > 1);
  CHECK(delta_size * 2 > whole.size());
  CHECK(delta_size * 2 < whole.size() + 2 * (3200 + 200));
  // Batches it no longer uses count too: without finding its batches, a
  // build that adds one writes the whole file.
  search::TermCache fifth;
  REQUIRE(fifth.Parse(whole + delta, whole.size(), "id", &why, &delta_why));
  for (const Doc& d : all) REQUIRE(FoundAs(fifth, d));
  CHECK(fifth.SavePlan() == Plan::kDelta);  // the delta's batch no longer used
  for (int i = 0; i < 20; ++i) {
    const Batch b = MakeBatch(i, "-again");
    fifth.AddBatch(b.key, b.lengths, b.run);
  }
  CHECK(fifth.SavePlan() == Plan::kWhole);
}

TEST_CASE("term cache file: a delta file of another whole file or damaged is dropped") {
  using Plan = search::TermCache::Plan;
  search::TermCache first;
  std::vector<Doc> docs;
  for (int i = 0; i < 100; ++i) {
    docs.push_back(MakeDoc(i));
    Add(&first, docs.back());
  }
  const std::string whole = Written(first, "id");
  search::TermCache second;
  std::string why, delta_why;
  REQUIRE(second.Parse(whole, "id", &why));
  for (const Doc& d : docs) REQUIRE(FoundAs(second, d));
  const Doc later = MakeDoc(7, "-later");
  Add(&second, later);
  const std::string delta = Written(second, "id", true);
  const std::string other_whole = Written(second, "id");
  std::string flipped = delta;
  flipped[flipped.size() / 2] ^= 0x20;
  struct Case {
    const char* name;
    std::string whole, delta, why;
  };
  const std::vector<Case> cases = {
      {"of another whole file", other_whole, delta, ""},
      {"a byte changed", whole, flipped, "corrupt (checksum mismatch)"},
      {"cut", whole, delta.substr(0, delta.size() - 3), "corrupt (checksum mismatch)"},
      {"not a delta", whole, whole, "corrupt (not a terms delta)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    search::TermCache cache;
    delta_why = "unset";
    REQUIRE(cache.Parse(c.whole + c.delta, c.whole.size(), "id", &why, &delta_why));
    CHECK(delta_why == (c.why.empty() ? "unset" : c.why));
    CHECK(cache.loaded_delta() == 0);
    for (const Doc& d : docs) REQUIRE(FoundAs(cache, d));
    CHECK(FoundAs(cache, later) == (c.whole == other_whole));
    CHECK(cache.SavePlan() == Plan::kDelta);  // the delta on disk is replaced
  }
}

TEST_CASE(
    "term cache file: a document or batch added twice keeps its first record; Clear removes the "
    "spills") {
  const std::string dir = testing::WorkDir("term-cache-twice");
  const std::string path = dir + "/terms.bin.tmp-1-added";
  search::TermCache cache;
  cache.SetSpillFile(path);
  const Doc d = MakeDoc(1);
  Doc other = MakeDoc(2);
  other.key = d.key;
  Add(&cache, d);
  Add(&cache, other);
  CHECK(FoundAs(cache, d));
  const Batch b = MakeBatch(1);
  Batch other_batch = MakeBatch(2);
  other_batch.key = b.key;
  cache.AddBatch(b.key, b.lengths, b.run);
  cache.AddBatch(other_batch.key, other_batch.lengths, other_batch.run);
  CHECK(FoundAs(cache, b));
  CHECK(Written(cache, "id") == Expected("id", {}, {d}, {b}));
  CHECK(fs::exists(path));
  CHECK(fs::exists(path + "-batches"));
  cache.Clear();
  CHECK_FALSE(fs::exists(path));
  CHECK_FALSE(fs::exists(path + "-batches"));
  CHECK_FALSE(cache.Changed());
  CHECK(cache.terms() == 0);
}

}  // namespace
}  // namespace listdigest
