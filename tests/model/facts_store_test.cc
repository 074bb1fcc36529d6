// The facts store's file (model/facts_store.h) as Write streams it: byte for
// byte the layout its header documents, which is what the in-memory
// serialization of earlier versions wrote (a cache of either loads in the
// other), whether the records added wait in memory or in a spill file, and
// whether they are read back from the file or from its buffer. The spill
// file goes with Clear and the destructor; one that cannot be written is
// named in the error, and its records are treated as absent.
#include "model/facts_store.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "model/content_hash.h"
#include "model/facts_io.h"
#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;

std::string Blob(int i) {
  std::string hex = model::HashBytes("blob " + std::to_string(i)).Hex();
  return hex + hex.substr(0, 8);
}

// Facts of made-up messages of many sizes: 3,000 of them hold about 2.5 MB,
// more than the spill file's 1 MB buffer.
model::MessageFacts Facts(int i) {
  model::MessageFacts f;
  f.message_id = std::to_string(i) + "@example.org";
  f.subject.text = "[PATCH " + std::to_string(i % 7) + "/6] kvm: fix number " + std::to_string(i);
  f.subject.patch = i % 2 == 0;
  f.author_as_written =
      model::WrittenAddress({"Author " + std::to_string(i % 50), "a" + std::to_string(i) + "@x.org"});
  f.date = 1614556800 + i;
  f.texts.mut().description.assign(static_cast<size_t>(i * 37 % 1500), static_cast<char>('a' + i % 26));
  f.above = {0, model::MessageKey("r" + std::to_string(i - 1) + "@example.org")};
  f.diff_hash = static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ull;
  return f;
}

// The file of `records`, in that order, built from the layout in
// facts_store.h, independently of FactsStore.
std::string Expected(const std::string& identity, const std::vector<int>& records) {
  auto fixed = [](std::string* out, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
  };
  auto varint = [](std::string* out, uint64_t v) {
    for (; v >= 0x80; v >>= 7) out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    out->push_back(static_cast<char>(v));
  };
  std::string out = "LDFACTS\n";
  fixed(&out, 1, 4);
  fixed(&out, model::kFactsFormat, 4);
  varint(&out, identity.size());
  out += identity;
  fixed(&out, records.size(), 8);
  for (int i : records) {
    const std::string hex = Blob(i);
    for (size_t k = 0; k < hex.size(); k += 2) {
      out.push_back(static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16)));
    }
    std::string payload;
    model::EncodeFacts(Facts(i), &payload);
    varint(&out, payload.size());
    out += payload;
  }
  const model::Hash128 h = model::HashBytes(out);
  fixed(&out, h.lo, 8);
  fixed(&out, h.hi, 8);
  return out;
}

// The delta file of `records` extending the whole file `whole`, built from
// the layout in facts_store.h.
std::string ExpectedDelta(const std::string& identity, const std::string& whole,
                          const std::vector<int>& records) {
  std::string out = Expected(identity, records);
  out.resize(out.size() - 16);
  out.replace(0, 8, "LDFACTD\n");
  // After the magic, the two formats and the identity: the whole file's checksum.
  const size_t at = 8 + 4 + 4 + 1 + identity.size();
  out.insert(at, whole.substr(whole.size() - 16));
  const model::Hash128 h = model::HashBytes(out);
  for (const uint64_t v : {h.lo, h.hi}) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  }
  return out;
}

// The file a store writes, whole or its delta.
std::string Written(const model::FactsStore& store, const std::string& identity,
                    bool delta = false) {
  std::string bytes, err;
  const auto sink = [&bytes](std::string_view piece, std::string*) {
    bytes += piece;
    return true;
  };
  const bool ok = delta ? store.WriteDelta(identity, sink, &err) : store.Write(identity, sink, &err);
  REQUIRE_MESSAGE(ok, err);
  return bytes;
}

std::string WrittenDelta(const model::FactsStore& store, const std::string& identity) {
  return Written(store, identity, true);
}

bool FoundAs(const model::FactsStore& store, int stored_as, int facts_of) {
  model::MessageFacts f;
  const model::MessageFacts want = Facts(facts_of);
  return store.Find(Blob(stored_as), &f) && f.message_id == want.message_id &&
         f.texts.get().description == want.texts.get().description && f.diff_hash == want.diff_hash;
}

std::vector<int> Range(int from, int to) {
  std::vector<int> out;
  for (int i = from; i < to; ++i) out.push_back(i);
  return out;
}

TEST_CASE("facts_store: the streamed file is the documented layout byte for byte") {
  const std::string dir = testing::WorkDir("facts-store-layout");
  for (const bool spill : {false, true}) {
    CAPTURE(spill);
    const std::string spill_file = dir + "/facts.bin.tmp-" + std::to_string(spill) + "-added";
    model::FactsStore first;
    if (spill) first.SetSpillFile(spill_file);
    for (int i = 0; i < 3000; ++i) first.Add(Blob(i), Facts(i));
    CHECK(first.added() == 3000);
    // Read back from the spill file and from what is still in its buffer.
    for (int i = 0; i < 3000; i += 7) REQUIRE(FoundAs(first, i, i));
    CHECK(fs::exists(spill_file) == spill);
    if (spill) CHECK(fs::file_size(spill_file) >= (1u << 20));
    const std::string file = Written(first, "identity A");
    CHECK(file == Expected("identity A", Range(0, 3000)));

    // A later build finds two records in three and adds 500: the file keeps
    // the found ones in their order, then the new ones.
    model::FactsStore second;
    if (spill) second.SetSpillFile(spill_file + "2");
    std::string why;
    REQUIRE(second.Parse(file, "identity A", &why));
    CHECK(second.loaded() == 3000);
    std::vector<int> expected;
    for (int i = 0; i < 3000; ++i) {
      if (i % 3 == 0) continue;
      REQUIRE(FoundAs(second, i, i));
      expected.push_back(i);
    }
    for (int i = 5000; i < 5500; ++i) {
      second.Add(Blob(i), Facts(i));
      expected.push_back(i);
    }
    CHECK(second.Changed());
    const std::string next = Written(second, "identity A");
    CHECK(next == Expected("identity A", expected));

    // Nothing dropped, nothing added: the same bytes as loaded.
    model::FactsStore third;
    REQUIRE(third.Parse(next, "identity A", &why));
    for (int i : expected) REQUIRE(FoundAs(third, i, i));
    CHECK_FALSE(third.Changed());
    CHECK(Written(third, "identity A") == next);
  }
}

TEST_CASE("facts_store: a build that adds a few records writes them to the delta file") {
  using Plan = model::FactsStore::Plan;
  const std::string dir = testing::WorkDir("facts-store-delta");
  model::FactsStore first;
  for (int i = 0; i < 1000; ++i) first.Add(Blob(i), Facts(i));
  CHECK(first.SavePlan() == Plan::kWhole);  // nothing loaded
  const std::string whole = Written(first, "id");
  std::string why, delta_why;

  // 50 more: a delta of them alone, the documented layout.
  model::FactsStore second;
  second.SetSpillFile(dir + "/facts.bin.tmp-2-added");
  REQUIRE(second.Parse(whole, "id", &why));
  for (int i = 0; i < 1000; ++i) REQUIRE(FoundAs(second, i, i));
  CHECK(second.SavePlan() == Plan::kNothing);
  for (int i = 1000; i < 1050; ++i) second.Add(Blob(i), Facts(i));
  CHECK(second.SavePlan() == Plan::kDelta);
  const std::string delta = WrittenDelta(second, "id");
  CHECK(delta == ExpectedDelta("id", whole, Range(1000, 1050)));

  // Loaded together: every record is found, 50 of them in the delta; 50
  // more make a delta of the 100; the whole file would hold all 1,100.
  model::FactsStore third;
  REQUIRE(third.Parse(whole + delta, whole.size(), "id", &why, &delta_why));
  CHECK(delta_why.empty());
  CHECK(third.loaded() == 1050);
  CHECK(third.loaded_delta() == 50);
  for (int i = 0; i < 1050; ++i) REQUIRE(FoundAs(third, i, i));
  CHECK(third.SavePlan() == Plan::kNothing);
  for (int i = 1050; i < 1100; ++i) third.Add(Blob(i), Facts(i));
  CHECK(third.SavePlan() == Plan::kDelta);
  const std::string delta2 = WrittenDelta(third, "id");
  CHECK(delta2 == ExpectedDelta("id", whole, Range(1000, 1100)));
  CHECK(Written(third, "id") == Expected("id", Range(0, 1100)));

  // A record of the delta no longer found is dropped from the next delta.
  model::FactsStore fourth;
  REQUIRE(fourth.Parse(whole + delta2, whole.size(), "id", &why, &delta_why));
  std::vector<int> kept;
  for (int i = 0; i < 1100; ++i) {
    if (i == 1010) continue;
    REQUIRE(FoundAs(fourth, i, i));
    if (i >= 1000) kept.push_back(i);
  }
  CHECK(fourth.SavePlan() == Plan::kDelta);
  CHECK(WrittenDelta(fourth, "id") == ExpectedDelta("id", whole, kept));

  // Past a quarter of the whole file's size, the whole file is written.
  model::FactsStore fifth;
  REQUIRE(fifth.Parse(whole + delta2, whole.size(), "id", &why, &delta_why));
  for (int i = 0; i < 1100; ++i) REQUIRE(FoundAs(fifth, i, i));
  int added = 1100;
  while (fifth.SavePlan() != Plan::kWhole) {
    fifth.Add(Blob(added), Facts(added));
    ++added;
  }
  // (The delta written now, header and checksum aside: just past a quarter.)
  const size_t delta_size = WrittenDelta(fifth, "id").size();
  CHECK(delta_size * 4 > whole.size());
  CHECK(delta_size * 4 < whole.size() + 4 * 2100);
  CHECK(Written(fifth, "id") == Expected("id", Range(0, added)));

  // So is it when an eighth of the whole file's records are gone.
  model::FactsStore sixth;
  REQUIRE(sixth.Parse(whole + delta2, whole.size(), "id", &why, &delta_why));
  for (int i = 125; i < 1100; ++i) REQUIRE(FoundAs(sixth, i, i));
  CHECK(sixth.SavePlan() == Plan::kNothing);  // 125 of 1,000 gone: not more than an eighth
  model::FactsStore seventh;
  REQUIRE(seventh.Parse(whole + delta2, whole.size(), "id", &why, &delta_why));
  for (int i = 126; i < 1100; ++i) REQUIRE(FoundAs(seventh, i, i));
  CHECK(seventh.SavePlan() == Plan::kWhole);
  CHECK(Written(seventh, "id") == Expected("id", Range(126, 1100)));
}

TEST_CASE("facts_store: a delta file of another whole file or damaged is dropped, the whole file kept") {
  using Plan = model::FactsStore::Plan;
  model::FactsStore first;
  for (int i = 0; i < 200; ++i) first.Add(Blob(i), Facts(i));
  const std::string whole = Written(first, "id");
  model::FactsStore second;
  std::string why, delta_why;
  REQUIRE(second.Parse(whole, "id", &why));
  for (int i = 0; i < 200; ++i) REQUIRE(FoundAs(second, i, i));
  for (int i = 200; i < 210; ++i) second.Add(Blob(i), Facts(i));
  const std::string delta = WrittenDelta(second, "id");
  const std::string other_whole = Written(second, "id");  // a later build's whole file

  struct Case {
    const char* name;
    std::string whole, delta, why;
  };
  std::string flipped = delta;
  flipped[flipped.size() / 2] ^= 0x20;
  std::string other_build = ExpectedDelta("other", whole, Range(200, 210));
  const std::vector<Case> cases = {
      {"of another whole file", other_whole, delta, ""},
      {"a byte changed", whole, flipped, "corrupt (checksum mismatch)"},
      {"cut", whole, delta.substr(0, delta.size() - 5), "corrupt (checksum mismatch)"},
      {"not a delta", whole, whole, "corrupt (not a facts delta)"},
      {"of another listdigest", whole, other_build, "from another listdigest build"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    model::FactsStore store;
    delta_why = "unset";
    REQUIRE(store.Parse(c.whole + c.delta, c.whole.size(), "id", &why, &delta_why));
    CHECK(delta_why == (c.why.empty() ? "unset" : c.why));
    const int records = c.whole == whole ? 200 : 210;
    CHECK(store.loaded() == static_cast<size_t>(records));
    CHECK(store.loaded_delta() == 0);
    for (int i = 0; i < records; ++i) REQUIRE(FoundAs(store, i, i));
    if (records == 200) CHECK_FALSE(FoundAs(store, 205, 205));
    // The delta on disk is of no use: the next one replaces it.
    CHECK(store.SavePlan() == Plan::kDelta);
  }
  // A damaged whole file is not taken, whatever the delta.
  std::string damaged = whole;
  damaged[100] ^= 1;
  model::FactsStore store;
  CHECK_FALSE(store.Parse(damaged + delta, whole.size(), "id", &why, &delta_why));
  CHECK(why == "corrupt (checksum mismatch)");
  CHECK(store.loaded() == 0);
}

TEST_CASE("facts_store: a blob added twice keeps its first facts") {
  const std::string dir = testing::WorkDir("facts-store-twice");
  for (const bool spill : {false, true}) {
    CAPTURE(spill);
    model::FactsStore store;
    if (spill) store.SetSpillFile(dir + "/facts.bin.tmp-added");
    store.Add(Blob(1), Facts(1));
    store.Add(Blob(1), Facts(2));
    store.Add(Blob(3), Facts(3));
    CHECK(store.added() == 2);
    CHECK(FoundAs(store, 1, 1));
    const std::string file = Written(store, "id");
    CHECK(file == Expected("id", {1, 3}));

    // Also a blob that was loaded: the loaded record stays.
    model::FactsStore later;
    std::string why;
    REQUIRE(later.Parse(file, "id", &why));
    later.Add(Blob(3), Facts(4));
    CHECK(later.added() == 0);
    CHECK(FoundAs(later, 3, 3));
    CHECK(FoundAs(later, 1, 1));
    CHECK_FALSE(later.Changed());
    CHECK(Written(later, "id") == file);
  }
}

TEST_CASE("facts_store: the spill file is removed by Clear, Parse and the destructor") {
  const std::string dir = testing::WorkDir("facts-store-spill");
  // The folder is made on the first Add.
  const std::string path = dir + "/cache/facts.bin.tmp-9-added";
  {
    model::FactsStore store;
    store.SetSpillFile(path);
    CHECK_FALSE(fs::exists(path));
    store.Add(Blob(1), Facts(1));
    CHECK(fs::exists(path));
    const std::string file = Written(store, "id");
    store.Clear();
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(store.Changed());
    // Still usable, with the same spill file.
    store.Add(Blob(2), Facts(2));
    CHECK(fs::exists(path));
    std::string why;
    REQUIRE(store.Parse(file, "id", &why));
    CHECK_FALSE(fs::exists(path));
    CHECK(store.added() == 0);
    store.Add(Blob(3), Facts(3));
    CHECK(fs::exists(path));
  }
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("facts_store: a spill file that cannot be written is named, its records absent") {
  const std::string dir = testing::WorkDir("facts-store-unwritable");
  // A file where the folder should be.
  testing::WriteFile(dir + "/a-file", "x");
  model::FactsStore store;
  store.SetSpillFile(dir + "/a-file/facts.bin.tmp-1-added");
  store.Add(Blob(1), Facts(1));
  CHECK(store.added() == 0);
  CHECK_FALSE(FoundAs(store, 1, 1));
  CHECK(store.Changed());  // so that saving reports it
  std::string err;
  CHECK_FALSE(store.Write(
      "id", [](std::string_view, std::string*) { return true; }, &err));
  CHECK(err == dir +
                   "/a-file/facts.bin.tmp-1-added: cannot write: Not a directory; make the "
                   "folder writable or set cache_dir to another folder");

  // A full disk, after the first megabyte (a link, so that removing the
  // spill file removes only the link).
  fs::create_symlink("/dev/full", dir + "/full");
  model::FactsStore full;
  full.SetSpillFile(dir + "/full");
  for (int i = 0; i < 3000; ++i) full.Add(Blob(i), Facts(i));
  CHECK(full.added() < 3000);
  CHECK_FALSE(full.Write(
      "id", [](std::string_view, std::string*) { return true; }, &err));
  CHECK(err == dir +
                   "/full: cannot write: No space left on device; free space or set cache_dir "
                   "to a folder on another disk");
  full.Clear();
  CHECK_FALSE(fs::is_symlink(dir + "/full"));
  CHECK(fs::exists("/dev/full"));
}

TEST_CASE("facts_store: a sink that refuses stops the file with its own error") {
  model::FactsStore store;
  for (int i = 0; i < 100; ++i) store.Add(Blob(i), Facts(i));
  std::string err;
  size_t calls = 0;
  const auto refuse = [&calls](std::string_view, std::string* why) {
    ++calls;
    *why = "the sink's reason";
    return false;
  };
  CHECK_FALSE(store.Write("id", refuse, &err));
  CHECK(err == "the sink's reason");
  CHECK(calls == 1);
}

TEST_CASE("facts store: lookups on several threads while records are added; FindLoaded sees only loaded ones") {
  model::FactsStore loaded;
  std::string why;
  {
    model::FactsStore first;
    for (int i = 0; i < 500; ++i) first.Add(Blob(i), Facts(i));
    REQUIRE(loaded.Parse(Written(first, "id"), "id", &why));
  }
  const std::string dir = testing::WorkDir("facts-store-threads");
  loaded.SetSpillFile(dir + "/facts.bin.tmp-added");
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      while (!done) {
        for (int i = t; i < 500; i += 3) {
          if (!FoundAs(loaded, i, i)) ++wrong;
        }
        model::MessageFacts f;
        // Added by this build: never seen by FindLoaded.
        for (int i = 500; i < 1500; i += 97) {
          if (loaded.FindLoaded(Blob(i), &f)) ++wrong;
        }
      }
    });
  }
  for (int i = 500; i < 1500; ++i) loaded.Add(Blob(i), Facts(i));
  done = true;
  for (auto& r : readers) r.join();
  CHECK(wrong == 0);
  for (int i = 500; i < 1500; i += 11) CHECK(FoundAs(loaded, i, i));
  CHECK(loaded.added() == 1000);
}

}  // namespace
}  // namespace listdigest
