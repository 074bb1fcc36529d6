// The search term cache (search/term_cache.h): BuildIndex writes the same
// files without a cache, with an empty one, with one that knows every
// document and with one that knows some of them (documents added, removed
// and renumbered between two builds), on the subjects and bodies of real
// mail; a batch of the same documents at the same ids is taken whole; and a
// damaged cache file is refused.
#include "search/term_cache.h"

#include <doctest/doctest.h>

#include <atomic>
#include <deque>

#include <map>
#include <set>

#include "mail/message.h"
#include "search/index.h"
#include "support.h"

namespace listdigest {
namespace {

struct Corpus {
  std::vector<mail::Message> messages;
  std::deque<std::string> texts;  // what the documents' views show
  std::vector<search::Document> docs;
};

// Every message of the kvmarm series corpus as a document, dated a minute
// apart, with its author, a series title and a state, so that every field
// is indexed.
const Corpus& Real() {
  static const Corpus c = [] {
    Corpus x;
    for (const auto& raw : testing::ReadMbox(testing::DataPath("kvmarm-series.mboxrd"))) {
      x.messages.push_back(mail::ParseMessage(raw));
    }
    for (size_t i = 0; i < x.messages.size(); ++i) {
      const mail::Message& m = x.messages[i];
      search::Document d;
      d.kind = m.subject.reply ? 'r' : m.subject.patch ? 'p' : 'm';
      d.date = 1614556800 + static_cast<int64_t>(i) * 60;
      d.source = i;
      d.title = m.subject.text;
      d.body = m.body;
      d.author = m.author.name;
      d.author_terms = {m.author.name, m.author.email};
      d.series_title = m.subject.title();
      d.state = i % 3 == 0 ? "new" : "";
      d.snippet = m.subject.title();
      x.docs.push_back(d);
    }
    return x;
  }();
  return c;
}

// The file a cache writes, whole.
std::string Written(const search::TermCache& cache, const std::string& identity) {
  std::string bytes, err;
  const auto sink = [&bytes](std::string_view piece, std::string*) {
    bytes += piece;
    return true;
  };
  REQUIRE_MESSAGE(cache.Write(identity, sink, &err), err);
  return bytes;
}

std::map<std::string, std::string> Build(const std::vector<search::Document>& docs,
                                         search::TermCache* cache, int jobs) {
  search::IndexOptions options;
  options.list = "kvmarm";
  options.jobs = jobs;
  options.term_cache = cache;
  std::map<std::string, std::string> out;
  for (auto& f : search::BuildIndex(docs, options)) out[f.path] = std::move(f.bytes);
  return out;
}

TEST_CASE("term cache: the index is the same without a cache, with an empty, a full or a partial one") {
  const auto& docs = Real().docs;
  REQUIRE(docs.size() > 200);
  const auto plain = Build(docs, nullptr, 2);
  REQUIRE(plain.size() > 5);

  search::TermCache empty;
  CHECK(Build(docs, &empty, 2) == plain);
  CHECK(empty.Changed());

  search::TermCache full;
  std::string why;
  REQUIRE(full.Parse(Written(empty, "id"), "id", &why));
  CHECK(Build(docs, &full, 3) == plain);
  CHECK_FALSE(full.Changed());  // every document found, none added

  // A cache of an earlier archive: the first half, one document different,
  // and one that is gone since; now every document has another number.
  std::vector<search::Document> earlier(docs.begin() + 1, docs.begin() + docs.size() / 2);
  earlier[10].state = "applied";
  search::TermCache first;
  Build(earlier, &first, 1);
  search::TermCache partial;
  REQUIRE(partial.Parse(Written(first, "id"), "id", &why));
  CHECK(Build(docs, &partial, 2) == plain);
  CHECK(partial.Changed());
  // What it saves now knows every document of this build and only those.
  search::TermCache next;
  REQUIRE(next.Parse(Written(partial, "id"), "id", &why));
  CHECK(Build(docs, &next, 1) == plain);
  CHECK_FALSE(next.Changed());
}

TEST_CASE("term cache: a batch of the same documents at the same ids is taken whole") {
  const auto& docs = Real().docs;
  const size_t n = docs.size();
  REQUIRE(n > 200);
  auto build = [](const std::vector<search::Document>& d, search::TermCache* cache,
                  search::IndexStats* stats) {
    search::IndexOptions options;
    options.list = "kvmarm";
    options.jobs = 2;
    options.batch_docs = 32;
    options.term_cache = cache;
    std::map<std::string, std::string> out;
    for (auto& f : search::BuildIndex(d, options, stats)) out[f.path] = std::move(f.bytes);
    return out;
  };
  const auto plain = Build(docs, nullptr, 2);

  // An earlier build: all but the newest 40 documents, and one of the
  // second batch (ids 32 to 63) different then.
  std::vector<search::Document> earlier(docs.begin(), docs.end() - 40);
  earlier[40].state = "applied";
  search::TermCache first;
  search::IndexStats stats;
  build(earlier, &first, &stats);
  CHECK(stats.batches_cached == 0);
  std::string why;
  search::TermCache second;
  REQUIRE(second.Parse(Written(first, "id"), "id", &why));
  CHECK(build(docs, &second, &stats) == plain);
  // Whole batches of the earlier build but the second; the last earlier
  // one, cut short then, is full now.
  const size_t whole = (n - 40) / 32;
  CHECK(stats.batches == (n + 31) / 32);
  CHECK(stats.batches_cached == whole - 1);

  // What it saves knows every batch of this build: the next one takes all.
  search::TermCache third;
  REQUIRE(third.Parse(Written(second, "id"), "id", &why));
  CHECK(build(docs, &third, &stats) == plain);
  CHECK(stats.batches_cached == stats.batches);
  CHECK_FALSE(third.Changed());
}

TEST_CASE("term cache: a segment of the same batches is kept whole when the caller keeps its shards") {
  const auto& docs = Real().docs;
  REQUIRE(docs.size() == 292);
  std::set<std::string> asked;
  bool keep = true;
  auto build = [&](const std::vector<search::Document>& d, search::TermCache* cache,
                   search::IndexStats* stats) {
    search::IndexOptions options;
    options.list = "kvmarm";
    options.jobs = 2;
    options.batch_docs = 16;
    options.segment_docs = 32;
    options.term_cache = cache;
    options.keep_files = [&](const std::vector<std::string>& paths, const model::Hash128&) {
      asked.insert(paths.begin(), paths.end());
      return keep;
    };
    std::map<std::string, std::string> out;
    for (auto& f : search::BuildIndex(d, options, stats)) out[f.path] = std::move(f.bytes);
    return out;
  };
  search::IndexStats stats;
  const auto plain = build(docs, nullptr, &stats);
  CHECK(stats.segments == 3);  // 292 = 8 + 1 blocks of 32, and 4
  CHECK(asked.empty());        // nothing to ask without a cache

  // An earlier build of all but the newest 10: 282 = 8 blocks and 26.
  const std::vector<search::Document> earlier(docs.begin(), docs.end() - 10);
  search::TermCache first;
  const auto before = build(earlier, &first, &stats);
  CHECK(stats.segments == 2);
  CHECK(stats.segments_kept == 0);  // the cache knew nothing
  std::string why;
  search::TermCache second;
  REQUIRE(second.Parse(Written(first, "id"), "id", &why));
  const auto now = build(docs, &second, &stats);
  // The first 256 documents' segment is kept: its shards are not made, and
  // they are those of the earlier build, which are the clean build's.
  CHECK(stats.segments_kept == 1);
  CHECK(stats.batches_cached == 16 + 1);  // and the first of the next segment, as it was
  size_t kept = 0;
  for (const std::string& path : asked) {
    CAPTURE(path);
    CHECK(path.rfind("t/0/", 0) == 0);
    CHECK(now.count(path) == 0);
    CHECK(before.at(path) == plain.at(path));
    ++kept;
  }
  CHECK(kept > 0);
  CHECK(kept + now.size() == plain.size());
  for (const auto& [path, bytes] : now) {
    CAPTURE(path);
    CHECK(plain.at(path) == bytes);
  }
  // When the caller does not have them any more, they are made again.
  search::TermCache third;
  REQUIRE(third.Parse(Written(first, "id"), "id", &why));
  keep = false;
  CHECK(build(docs, &third, &stats) == plain);
  CHECK(stats.segments_kept == 0);
}

TEST_CASE("term cache: a damaged or foreign file is refused and the cache stays usable") {
  const auto& docs = Real().docs;
  search::TermCache c;
  Build(docs, &c, 2);
  const std::string file = Written(c, "id");
  search::TermCache refused;
  std::string why;
  CHECK_FALSE(refused.Parse(file, "other", &why));
  CHECK(why == "from another listdigest build");
  for (size_t at : {size_t{2}, size_t{30}, file.size() / 3, file.size() - 2}) {
    std::string damaged = file;
    damaged[at] = static_cast<char>(damaged[at] ^ 4);
    CHECK_FALSE(refused.Parse(damaged, "id", &why));
  }
  CHECK_FALSE(refused.Parse(file.substr(0, file.size() / 2), "id", &why));
  CHECK(Build(docs, &refused, 2) == Build(docs, nullptr, 2));
}

TEST_CASE("term cache: with body keys, bodies are read back only for documents it does not know") {
  // Documents whose bodies are not in memory: `body_of` gives them, and a
  // body key (here the Message-ID) stands for the body in the cache.
  std::vector<search::Document> docs = Real().docs;
  for (search::Document& d : docs) {
    d.body_key = Real().messages[d.source].message_id;
    d.body = {};
  }
  std::atomic<int> reads{0};
  auto build = [&](search::TermCache* cache) {
    search::IndexOptions options;
    options.list = "kvmarm";
    options.jobs = 2;
    options.term_cache = cache;
    options.body_of = [&reads](const search::Document& d) {
      ++reads;
      return Real().messages[d.source].body;
    };
    std::map<std::string, std::string> out;
    for (auto& f : search::BuildIndex(docs, options)) out[f.path] = std::move(f.bytes);
    return out;
  };
  const auto plain = Build(Real().docs, nullptr, 2);
  const int n = static_cast<int>(docs.size());
  search::TermCache empty;
  CHECK(build(&empty) == plain);
  CHECK(reads == n);  // each tokenized once (each has a snippet of its own)
  search::TermCache full;
  std::string why;
  REQUIRE(full.Parse(Written(empty, "id"), "id", &why));
  reads = 0;
  CHECK(build(&full) == plain);
  CHECK(reads == 0);  // every document known by its key: no body read at all
  CHECK_FALSE(full.Changed());
}

}  // namespace
}  // namespace listdigest
