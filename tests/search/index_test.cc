// The search index files: the number encoding, ids by date, delta-encoded
// postings with weights and positions, the shard table (every term in the
// shard the manifest's bounds name), document pages, and byte-identical
// output for any order of documents and any number of threads.
#include "search/index.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>

namespace listdigest {
namespace {

using nlohmann::json;

std::map<std::string, std::string> ByPath(const std::vector<search::IndexFile>& files) {
  std::map<std::string, std::string> out;
  for (const auto& f : files) out[f.path] = f.bytes;
  return out;
}

// Documents are views: their text lives here for the whole test run.
std::string_view Keep(std::string text) {
  static std::deque<std::string> texts;
  return texts.emplace_back(std::move(text));
}

search::Document Doc(char kind, int64_t date, std::string title, std::string_view body = {}) {
  search::Document d;
  d.kind = kind;
  d.date = date;
  d.title = Keep(std::move(title));
  static uint64_t made = 0;
  d.source = ++made;  // documents of the same date and kind in the order made
  d.body = body;
  return d;
}

constexpr int64_t kDay = 86400;
constexpr int64_t kMar1 = 1614556800;  // 2021-03-01T00:00:00Z

// The entry of `term` in whichever shard of the first segment that has it
// the manifest says holds it.
json Entry(const std::map<std::string, std::string>& files, const std::string& term) {
  const json manifest = json::parse(files.at("manifest.json"));
  for (const json& segment : manifest["segments"]) {
    const auto bounds = segment["shards"].get<std::vector<std::string>>();
    const json shard = json::parse(files.at("t/" + segment["name"].get<std::string>() + "/" +
                                            std::to_string(search::ShardOf(bounds, term)) + ".json"));
    if (shard.contains(term)) return shard[term];
  }
  return json();
}

// Ids of a b, a, r or f postings string.
std::vector<uint64_t> Ids(const std::string& postings, bool weighted) {
  std::vector<uint64_t> ids;
  int64_t id = -1;
  for (uint64_t n : search::DecodeNumbers(postings)) {
    id += static_cast<int64_t>(weighted ? n >> 4 : n) + 1;
    ids.push_back(static_cast<uint64_t>(id));
  }
  return ids;
}

TEST_CASE("search index: numbers are base64url digits of 5 bits, low first") {
  std::string s;
  search::AppendNumber(0, &s);
  search::AppendNumber(31, &s);
  search::AppendNumber(32, &s);
  search::AppendNumber(1000, &s);
  CHECK(s == "AfgBof");  // 1000 = 8 + 31·32
  CHECK(search::DecodeNumbers(s) == std::vector<uint64_t>{0, 31, 32, 1000});
  std::string big;
  search::AppendNumber(uint64_t{1} << 40, &big);
  CHECK(search::DecodeNumbers(big) == std::vector<uint64_t>{uint64_t{1} << 40});
}

TEST_CASE("search index: ids follow dates; postings are delta-encoded with weights and positions") {
  const std::string body = "The vgic is here. vgic vgic.";
  std::vector<search::Document> docs = {
      Doc('r', kMar1 + 3 * kDay, "Re: KVM: arm64: vgic fix"),
      Doc('v', kMar1, "[PATCH 0/2] KVM: x86/pmu: vgic things", body),
      Doc('p', kMar1 + kDay, "[PATCH 1/2] unrelated"),
  };
  docs[1].state = "applied";
  docs[1].author_terms = {"Marc Zyngier", "maz@kernel.org"};
  const auto files = ByPath(search::BuildIndex(docs, {}));

  // Ids by date: the cover (0), the patch (1), the reply (2).
  const json page = json::parse(files.at("d/0.json"));
  REQUIRE(page.size() == 3);
  // Without a snippet of its own, a document shows the start of its body.
  CHECK(page[0] == json::array({"v", "[PATCH 0/2] KVM: x86/pmu: vgic things", "", "2021-03-01",
                                "applied", "", "The vgic is here. vgic vgic."}));
  CHECK(page[1][0] == "p");
  CHECK(page[2][0] == "r");
  CHECK(page[2][3] == "2021-03-04");

  const json vgic = Entry(files, "vgic");
  REQUIRE(vgic.is_object());
  // Subject: ids 0 and 2; each posting is (gap - 1) << 4 | (weight - 1),
  // then its positions as delta << 1 | more.
  const auto t = search::DecodeNumbers(vgic["t"].get<std::string>());
  REQUIRE(t.size() == 4);
  CHECK((t[0] >> 4) == 0);           // id 0
  CHECK(t[1] == (6u << 1));        // patch@0 0/2@1 2@2 kvm@3 x86/pmu@4 pmu@5 vgic@6
  CHECK((t[2] >> 4) == 1);           // id 2: one id skipped
  CHECK(t[3] == (3u << 1));        // re@0 kvm@1 arm64@2 vgic@3
  CHECK((t[0] & 15) > (t[2] & 15));  // a series' subject weighs more than a reply's
  // Body: the stop word "the" is left out, "vgic" counted three times.
  CHECK(Ids(vgic["b"].get<std::string>(), true) == std::vector<uint64_t>{0});
  CHECK(Entry(files, "the").is_null());
  CHECK(Entry(files, "is:applied")["f"] == "A");
  CHECK(Ids(Entry(files, "maz@kernel.org")["a"].get<std::string>(), false) ==
        std::vector<uint64_t>{0});
  CHECK(Ids(Entry(files, "zyngier")["a"].get<std::string>(), false) == std::vector<uint64_t>{0});

  const json manifest = json::parse(files.at("manifest.json"));
  CHECK(manifest["format"] == 2);
  CHECK(manifest["docs"] == 3);
  CHECK(manifest["segments"] ==
        json::parse(R"([{"name": "0", "docs": 3, "shards": [""]}])"));
  CHECK(manifest["kinds"] == json({{"p", 1}, {"r", 1}, {"v", 1}}));
  const json dates = json::parse(files.at("dates.json"));
  CHECK(dates["first_day"] == kMar1 / kDay);
  // (0 days, 1 document), (1 day later, 1), (2 days later, 1).
  CHECK(search::DecodeNumbers(dates["days"].get<std::string>()) ==
        std::vector<uint64_t>{0, 1, 1, 1, 2, 1});
}

TEST_CASE("search index: every term is in the shard the manifest's bounds name") {
  std::vector<std::string> bodies;
  for (int i = 0; i < 300; ++i) {
    bodies.push_back("word" + std::to_string(i * 7919 % 1000) + " shared term" +
                     std::to_string(i % 37) + " x86/pmu kvm_vcpu_ioctl_" + std::to_string(i));
  }
  std::vector<search::Document> docs;
  for (int i = 0; i < 300; ++i) {
    docs.push_back(Doc('p', kMar1 + i * 3600, "subject " + std::to_string(i), bodies[i]));
    docs.back().source = static_cast<uint64_t>(i);
  }
  search::IndexOptions options;
  options.shard_bytes = 2000;
  options.page_docs = 16;
  search::IndexStats stats;
  const auto files = ByPath(search::BuildIndex(docs, options, &stats));
  const json manifest = json::parse(files.at("manifest.json"));
  REQUIRE(manifest["segments"].size() == 1);
  CHECK(manifest["segments"][0]["name"] == "0");
  const auto bounds = manifest["segments"][0]["shards"].get<std::vector<std::string>>();
  REQUIRE(bounds.size() > 5);
  CHECK(bounds.size() == stats.shards);
  CHECK(bounds[0] == "");
  CHECK(std::is_sorted(bounds.begin(), bounds.end()));
  CHECK(manifest["pages"] == 19);
  CHECK(files.count("d/18.json") == 1);
  CHECK(files.count("d/19.json") == 0);
  size_t terms = 0;
  std::string previous_last;
  for (size_t s = 0; s < bounds.size(); ++s) {
    const std::string& text = files.at("t/0/" + std::to_string(s) + ".json");
    const json shard = json::parse(text);
    REQUIRE(!shard.empty());
    // Shards stay near their size unless one term is larger.
    CHECK((text.size() <= options.shard_bytes + 3 || shard.size() == 1));
    for (const auto& [key, entry] : shard.items()) {
      CAPTURE(key);
      CHECK(search::ShardOf(bounds, key) == s);
      ++terms;
    }
    // The bound is the shortest prefix of the first key past the previous shard.
    const std::string first = shard.begin().key();
    CHECK(first.rfind(bounds[s], 0) == 0);
    if (s > 0) {
      CHECK(bounds[s] > previous_last);
      CHECK(bounds[s].substr(0, bounds[s].size() - 1) <= previous_last);
    }
    previous_last = (--shard.end()).key();
  }
  CHECK(terms == stats.terms);
  // A term that is not there still has a shard to look in, and is not in it.
  const std::string missing = "word1000x";
  CHECK(json::parse(files.at("t/0/" + std::to_string(search::ShardOf(bounds, missing)) + ".json"))
            .count(missing) == 0);
  // Every document of a shared term, in order.
  const json shared = Entry(files, "shared");
  std::vector<uint64_t> all(300);
  for (uint64_t i = 0; i < 300; ++i) all[i] = i;
  CHECK(Ids(shared["b"].get<std::string>(), true) == all);
}

TEST_CASE("search index: same files for any order of documents, any number of threads and any batch") {
  std::vector<std::string> bodies;
  std::vector<search::Document> docs;
  for (int i = 0; i < 500; ++i) bodies.push_back("body " + std::to_string(i % 17) + " vgic its");
  for (int i = 0; i < 500; ++i) {
    docs.push_back(
        Doc(i % 3 ? 'r' : 'v', kMar1 + (i % 50) * kDay, "title " + std::to_string(i), bodies[i]));
    docs.back().source = static_cast<uint64_t>(i);
  }
  search::IndexOptions one;
  one.shard_bytes = 1500;
  const auto a = search::BuildIndex(docs, one);
  std::reverse(docs.begin(), docs.end());
  search::IndexOptions four = one;
  four.jobs = 4;
  const auto b = search::BuildIndex(docs, four);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(a[i].path);
    CHECK(a[i].path == b[i].path);
    CHECK(a[i].bytes == b[i].bytes);
  }
  // Batches of 1, 7 and 64 documents pack the postings in many steps.
  for (size_t batch : {1, 7, 64}) {
    search::IndexOptions small = four;
    small.batch_docs = batch;
    const auto c = search::BuildIndex(docs, small);
    REQUIRE(c.size() == a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      CAPTURE(batch);
      CAPTURE(a[i].path);
      CHECK(a[i].bytes == c[i].bytes);
    }
  }
}

TEST_CASE("search index: segments by the binary digits of the count of blocks, contributors apart") {
  // 23 patches a day apart, and three contributors dated among them.
  auto make = [](int patches) {
    std::vector<search::Document> docs;
    for (int i = 0; i < patches; ++i) {
      docs.push_back(Doc('p', kMar1 + i * kDay, "KVM: arm64: patch " + std::to_string(i),
                         i % 2 ? "shared odd" : "shared even words here"));
      docs.back().source = static_cast<uint64_t>(i);
    }
    for (int c = 0; c < 3; ++c) {
      docs.push_back(Doc('c', kMar1 + c * 7 * kDay + 1, "Person " + std::to_string(c)));
      docs.back().author_terms = {docs.back().title};
      docs.back().source = static_cast<uint64_t>(c);
    }
    return docs;
  };
  search::IndexOptions options;
  options.segment_docs = 4;
  search::IndexStats stats;
  const auto files = ByPath(search::BuildIndex(make(23), options, &stats));
  const json manifest = json::parse(files.at("manifest.json"));
  CHECK(manifest["docs"] == 26);
  // 23 = 4 + 1 blocks of 4, and 3.
  std::vector<std::pair<std::string, int>> segments;
  for (const json& s : manifest["segments"]) segments.emplace_back(s["name"], s["docs"]);
  CHECK(segments == std::vector<std::pair<std::string, int>>{{"0", 16}, {"16", 4}, {"20", 3}, {"c", 3}});
  CHECK(stats.segments == 4);
  CHECK(stats.segments_kept == 0);
  // A term's postings, from every segment, are the ids of the whole index:
  // every patch, not the contributors (ids 1, 9 and 17: one after the
  // patch of their day).
  std::vector<uint64_t> ids;
  for (const json& s : manifest["segments"]) {
    const json shard = json::parse(files.at("t/" + s["name"].get<std::string>() + "/0.json"));
    if (!shard.contains("shared")) continue;
    for (uint64_t id : Ids(shard["shared"]["b"].get<std::string>(), true)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  std::vector<uint64_t> patches;
  for (uint64_t i = 0; i < 26; ++i) {
    if (i != 1 && i != 9 && i != 17) patches.push_back(i);
  }
  CHECK(ids == patches);
  CHECK(Ids(json::parse(files.at("t/c/0.json"))["person"]["a"].get<std::string>(), false) ==
        std::vector<uint64_t>{1, 9, 17});

  // Two more patches: 25 = 4 + 2 blocks and 1. The first segment's shards
  // keep their bytes (its BM25 lengths are its own); the others change.
  const auto more = ByPath(search::BuildIndex(make(25), options));
  const json next = json::parse(more.at("manifest.json"));
  segments.clear();
  for (const json& s : next["segments"]) segments.emplace_back(s["name"], s["docs"]);
  CHECK(segments == std::vector<std::pair<std::string, int>>{{"0", 16}, {"16", 8}, {"24", 1}, {"c", 3}});
  CHECK(more.at("t/0/0.json") == files.at("t/0/0.json"));
  CHECK(more.at("t/16/0.json") != files.at("t/16/0.json"));
  CHECK(more.count("t/20/0.json") == 0);
}

TEST_CASE("search index: a snippet is the start of the body on one line, cut at a word") {
  CHECK(search::Snippet("  First line\n\n  second\tline  ") == "First line second line ");
  std::string words;
  for (int i = 0; i < 100; ++i) words += "word" + std::to_string(i) + " ";
  const std::string snippet = search::Snippet(words);
  CHECK(snippet.size() <= 200 + std::string("…").size());
  CHECK(snippet.substr(snippet.size() - 3) == "…");
  CHECK(words.rfind(snippet.substr(0, snippet.size() - 3), 0) == 0);
  // Never inside a character: 150 two-byte characters without a space.
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "\xC3\xA9";
  CHECK(search::Snippet(accents) == accents.substr(0, 200) + "…");
}

TEST_CASE("search index: the manifest lists the terms in a tenth of the documents or more") {
  std::vector<search::Document> docs;
  for (int i = 0; i < 2000; ++i) {
    docs.push_back(
        Doc('p', kMar1 + i,
            std::string("KVM: arm64: fix ") + (i % 5 ? "pmu" : "vgic") + (i == 7 ? " rare" : "")));
    docs.back().source = static_cast<uint64_t>(i);
  }
  const json manifest = json::parse(ByPath(search::BuildIndex(docs, {})).at("manifest.json"));
  // vgic: 400 documents, a fifth, but under the 1,000 that make a posting long.
  CHECK(manifest["common"] == json::array({"arm64", "fix", "kvm", "pmu"}));
}

TEST_CASE("search index: ShardOf compares code points") {
  const std::vector<std::string> bounds = {"", "b", "k", "\xc3\xa9"};  // "", b, k, é
  CHECK(search::ShardOf(bounds, "a") == 0);
  CHECK(search::ShardOf(bounds, "b") == 1);
  CHECK(search::ShardOf(bounds, "jz") == 1);
  CHECK(search::ShardOf(bounds, "zzz") == 2);
  CHECK(search::ShardOf(bounds, "\xc3\xa9t\xc3\xa9") == 3);
}

}  // namespace
}  // namespace listdigest
