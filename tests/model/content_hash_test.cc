// The incremental hasher: any cut of the same bytes into pieces hashes as
// the whole does (the cache's checksums and every page's input hash rely
// on it), whatever the pieces' sizes against its internal block.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "model/content_hash.h"

namespace listdigest::model {
namespace {

TEST_CASE("content hash: pieces of any size hash as their concatenation; Finish can be repeated") {
  std::string whole;
  for (int i = 0; i < 30000; ++i) whole += static_cast<char>('a' + (i * 7919) % 26);
  const Hash128 expected = HashBytes(whole);
  // Cuts around the hasher's 4,096-byte block: tiny pieces, one piece
  // filling it exactly, pieces that straddle it, pieces bigger than it.
  for (const std::vector<size_t>& sizes :
       std::vector<std::vector<size_t>>{{1}, {8, 3}, {4096}, {4095, 2}, {4097}, {10000, 1, 7},
                                        {0, 5000, 0, 13}}) {
    Hasher h;
    size_t at = 0;
    for (size_t i = 0; at < whole.size(); ++i) {
      const size_t n = std::min(sizes[i % sizes.size()], whole.size() - at);
      h.Update(std::string_view(whole).substr(at, n));
      at += n;
      if (at == 12345 || at == 4096) CHECK(h.Finish() == HashBytes(whole.substr(0, at)));
    }
    CHECK(h.Finish() == expected);
    CHECK(h.Finish() == expected);
  }
  Hasher fields;
  fields.UpdateField("ab");
  fields.UpdateField("c");
  Hasher other;
  other.UpdateField("a");
  other.UpdateField("bc");
  CHECK_FALSE(fields.Finish() == other.Finish());
  CHECK(Hasher().Finish() == HashBytes(""));
}

}  // namespace
}  // namespace listdigest::model
