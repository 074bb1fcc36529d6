// The build cache's encoding of MessageFacts (model/facts_io.h) and its
// file (model/facts_store.h), on real mail: every message of the corpora in
// tests/data goes through ExtractFacts, EncodeFacts and DecodeFacts and must
// come back equal in every stored field. A field added to MessageFacts (or
// to the mail structs in it) and not listed in facts_io.cc fails here.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mail/message.h"
#include "model/archive.h"
#include "model/content_hash.h"
#include "model/facts_io.h"
#include "model/facts_store.h"
#include "support.h"

namespace listdigest {
namespace {

// The number of fields of an aggregate: the most initializers `T{…}` takes
// from a value that converts to anything.
struct AnyField {
  template <class T>
  operator T() const;  // never called: only in unevaluated braces
};

template <class T, class... Fields>
constexpr size_t FieldCount() {
  if constexpr (requires { T{Fields{}..., AnyField{}}; }) {
    return FieldCount<T, Fields..., AnyField>();
  } else {
    return sizeof...(Fields);
  }
}

// Every message of the real-mail corpora, parsed.
const std::vector<model::MessageFacts>& CorpusFacts() {
  static const std::vector<model::MessageFacts> facts = [] {
    std::vector<model::MessageFacts> out;
    for (const char* name : {"kvmarm-series.mboxrd", "kvmarm-oddities.mboxrd",
                             "notmuch-corpora.mboxrd", "patchwork-mail.mboxrd"}) {
      for (const std::string& raw : testing::ReadMbox(testing::DataPath(name))) {
        out.push_back(model::ExtractFacts(mail::ParseMessage(raw)));
      }
    }
    return out;
  }();
  return facts;
}

std::map<std::string, std::string> Stored(const model::MessageFacts& f) {
  std::map<std::string, std::string> out;
  for (const auto& leaf : model::StoredLeaves(f)) out[leaf.name] += leaf.bytes;
  return out;
}

TEST_CASE("facts_io: every field of MessageFacts and the mail structs in it is listed") {
  const model::FactsFieldCounts listed = model::ListedFactsFields();
  CHECK_MESSAGE(listed.message_facts == FieldCount<model::MessageFacts>(),
                "MessageFacts has a field that generator/model/facts_io.cc does not list: add it "
                "there (Store or Skip) and bump kFactsFormat");
  CHECK_MESSAGE(listed.subject == FieldCount<mail::Subject>(),
                "mail::Subject has a field that facts_io.cc does not list");
  CHECK_MESSAGE(listed.address == FieldCount<mail::Address>(),
                "mail::Address has a field that facts_io.cc does not list");
  CHECK_MESSAGE(listed.texts == FieldCount<model::MessageTexts>(),
                "a field of MessageTexts is missing from facts_io.cc");
  CHECK_MESSAGE(listed.trailer == FieldCount<model::Trailer>(),
                "model::Trailer has a field that facts_io.cc does not list");
  // The counting itself, on structs of known shape.
  struct Three {
    int a = 0;
    std::string b;
    std::vector<std::string> c;
  };
  struct Nested {
    Three three;
    mail::Address address;
    std::vector<mail::Trailer> trailers;
    bool flag = false;
  };
  CHECK(FieldCount<Three>() == 3);
  CHECK(FieldCount<Nested>() == 4);
  CHECK(FieldCount<mail::Address>() == 2);
}

TEST_CASE("facts_io: real mail round-trips in every stored field") {
  const auto& corpus = CorpusFacts();
  REQUIRE(corpus.size() > 500);
  std::set<std::string> seen_set;
  for (const model::MessageFacts& f : corpus) {
    std::string bytes;
    model::EncodeFacts(f, &bytes);
    model::MessageFacts back;
    REQUIRE_MESSAGE(model::DecodeFacts(bytes, &back), f.message_id);
    CHECK_MESSAGE(Stored(back) == Stored(f), f.message_id);
    std::string again;
    model::EncodeFacts(back, &again);
    CHECK(again == bytes);
    // What is not stored comes back as its default.
    CHECK(back.position == 0);
    CHECK(back.author == -1);
    CHECK(back.parent == -1);
    CHECK(back.version == -1);
    CHECK(back.reviews.empty());
    for (const auto& leaf : model::StoredLeaves(f)) {
      if (!leaf.is_default) seen_set.insert(leaf.name);
    }
  }
  // The corpus exercises every stored field with a value other than its
  // default, so a field dropped by the encoding cannot go unnoticed.
  for (const std::string& name : model::StoredLeafNames()) {
    CHECK_MESSAGE(seen_set.count(name) == 1, "no message of the corpus sets " << name);
  }
}

TEST_CASE("facts_io: cut or damaged records fail to decode, never crash") {
  const auto& corpus = CorpusFacts();
  std::string bytes;
  model::EncodeFacts(corpus[3], &bytes);
  model::MessageFacts f;
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    CHECK_FALSE(model::DecodeFacts(std::string_view(bytes).substr(0, cut), &f));
  }
  CHECK_FALSE(model::DecodeFacts(bytes + "x", &f));
  // A huge length: rejected before any allocation.
  std::string huge = bytes;
  huge[0] = '\xff';
  huge.insert(1, "\xff\xff\xff\xff\xff\xff\xff\x7f");
  CHECK_FALSE(model::DecodeFacts(huge, &f));
}

TEST_CASE("content_hash: XXH3-128 of the whole, in any pieces; fields; hex") {
  const std::string fox = "The quick brown fox jumps over the lazy dog";
  const model::Hash128 h = model::HashBytes(fox);
  // XXH3_128bits of the sentence, seed 0 (xxhsum -H2 prints hi then lo).
  CHECK(h.Hex() == "ddd650205ca3e7fa24a1cc2e3a8a7651");
  CHECK(model::HashBytes("").Hex() == "99aa06d3014798d86001c324468d497f");
  for (size_t split = 0; split <= fox.size(); ++split) {
    model::Hasher pieces;
    pieces.Update(std::string_view(fox).substr(0, split));
    pieces.Update(std::string_view(fox).substr(split));
    CHECK(pieces.Finish() == h);
  }
  model::Hasher ab_c, a_bc;
  ab_c.UpdateField("ab");
  ab_c.UpdateField("c");
  a_bc.UpdateField("a");
  a_bc.UpdateField("bc");
  CHECK_FALSE(ab_c.Finish() == a_bc.Finish());
  model::Hash128 parsed;
  REQUIRE(model::Hash128::FromHex(h.Hex(), &parsed));
  CHECK(parsed == h);
  CHECK_FALSE(model::Hash128::FromHex("xyz", &parsed));
}

// The file a store writes, whole.
std::string Written(const model::FactsStore& store, const std::string& identity) {
  std::string bytes, err;
  const auto sink = [&bytes](std::string_view piece, std::string*) {
    bytes += piece;
    return true;
  };
  REQUIRE_MESSAGE(store.Write(identity, sink, &err), err);
  return bytes;
}

std::string Blob(int i) {
  std::string hex = model::HashBytes(std::to_string(i)).Hex();
  return hex + hex.substr(0, 8);
}

TEST_CASE("facts_store: a file round-trips, drops what was not used, and says why it is refused") {
  const auto& corpus = CorpusFacts();
  model::FactsStore first;
  for (int i = 0; i < 50; ++i) first.Add(Blob(i), corpus[static_cast<size_t>(i)]);
  CHECK(first.Changed());
  const std::string file = Written(first, "identity A");

  model::FactsStore second;
  std::string why;
  REQUIRE(second.Parse(file, "identity A", &why));
  CHECK(second.loaded() == 50);
  model::MessageFacts f;
  for (int i = 0; i < 40; ++i) {
    REQUIRE(second.Find(Blob(i), &f));
    CHECK(Stored(f) == Stored(corpus[static_cast<size_t>(i)]));
  }
  CHECK_FALSE(second.Find(Blob(1000), &f));
  CHECK_FALSE(second.Find("not hex", &f));
  // Ten records were not found by this "build": they are dropped.
  CHECK(second.Changed());
  model::FactsStore third;
  REQUIRE(third.Parse(Written(second, "identity A"), "identity A", &why));
  CHECK(third.loaded() == 40);
  for (int i = 0; i < 40; ++i) REQUIRE(third.Find(Blob(i), &f));
  CHECK_FALSE(third.Changed());
  CHECK(Written(third, "identity A") == Written(second, "identity A"));

  model::FactsStore refused;
  CHECK_FALSE(refused.Parse(file, "identity B", &why));
  CHECK(why == "from another listdigest build");
  CHECK_FALSE(refused.Find(Blob(1), &f));
  for (size_t at : {size_t{3}, size_t{40}, file.size() / 2, file.size() - 3}) {
    std::string damaged = file;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    CHECK_FALSE(refused.Parse(damaged, "identity A", &why));
    CHECK_MESSAGE((why.rfind("corrupt", 0) == 0 || why == "not a listdigest facts file"), why);
  }
  CHECK_FALSE(refused.Parse(file.substr(0, file.size() - 20), "identity A", &why));
  CHECK_FALSE(refused.Parse("", "identity A", &why));
  CHECK(why == "not a listdigest facts file");
}

}  // namespace
}  // namespace listdigest
