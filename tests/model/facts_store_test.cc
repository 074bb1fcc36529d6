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
  f.author_as_written = {"Author " + std::to_string(i % 50), "a" + std::to_string(i) + "@x.org"};
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
