// model::LoadedBytes, the bytes a cache store parses: a file mapped and its
// delta file copied right after it, whatever their sizes against the page
// size; what is left when the delta cannot be read or the file is empty;
// Truncate, Release and moves keep the bytes as they were.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

#include "model/store_file.h"
#include "support.h"

namespace listdigest {
namespace {

void Put(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Bytes that differ from one offset to the next, so a shifted copy shows.
std::string Pattern(size_t size, char seed) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>(seed + i * 7 + i / 251);
  return s;
}

}  // namespace

TEST_CASE("loaded_bytes: a file and its delta, one after the other, for any sizes") {
  const std::string dir = testing::WorkDir("loaded-bytes");
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  for (size_t file_size : {size_t{1}, page - 1, page, page + 1, 5 * page + 123}) {
    for (size_t delta_size : {size_t{0}, size_t{1}, page - 1, page, 3 * page + 7}) {
      CAPTURE(file_size);
      CAPTURE(delta_size);
      const std::string file = Pattern(file_size, 'a'), delta = Pattern(delta_size, 'q');
      Put(dir + "/store.bin", file);
      if (delta_size > 0) Put(dir + "/store.delta", delta);
      else std::remove((dir + "/store.delta").c_str());
      model::LoadedBytes loaded;
      size_t whole = 0;
      REQUIRE(model::LoadedBytes::Load(dir + "/store.bin", dir + "/store.delta", &loaded, &whole));
      CHECK(whole == file_size);
      CHECK(loaded.view() == file + delta);
      // Released pages come back from the file; the delta's stay.
      loaded.Release();
      CHECK(loaded.view() == file + delta);
      model::LoadedBytes moved = std::move(loaded);
      CHECK(loaded.size() == 0);
      CHECK(moved.view() == file + delta);
      moved.Truncate(file_size);
      CHECK(moved.view() == file);
    }
  }
}

TEST_CASE("loaded_bytes: no file, an empty file, a folder for a delta, strings") {
  const std::string dir = testing::WorkDir("loaded-bytes-edges");
  model::LoadedBytes loaded;
  size_t whole = 7;
  CHECK_FALSE(model::LoadedBytes::Load(dir + "/none.bin", dir + "/none.delta", &loaded, &whole));
  CHECK(whole == 7);
  Put(dir + "/empty.bin", "");
  REQUIRE(model::LoadedBytes::Load(dir + "/empty.bin", dir + "/none.delta", &loaded, &whole));
  CHECK(whole == 0);
  CHECK(loaded.view().empty());
  // A delta that is no regular file is no delta.
  Put(dir + "/store.bin", "whole file");
  REQUIRE(model::LoadedBytes::Load(dir + "/store.bin", dir, &loaded, &whole));
  CHECK(loaded.view() == "whole file");
  CHECK(whole == 10);
  // From a string, short or long: the same bytes after a move.
  for (const std::string& s : {std::string("short"), std::string(10000, 'x')}) {
    model::LoadedBytes from_string(s);
    from_string.Release();
    model::LoadedBytes moved(std::move(from_string));
    CHECK(moved.view() == s);
    moved.Truncate(3);
    CHECK(moved.view() == s.substr(0, 3));
  }
}

}  // namespace listdigest
