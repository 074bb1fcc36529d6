// A fast 128-bit hash (MurmurHash3 x64/128, fed incrementally) for telling
// whether bytes changed: cache checksums, page inputs, output files. Not
// cryptographic: it guards against accidents (a cut file, a changed
// template), not against someone crafting collisions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace listdigest::model {

struct Hash128 {
  uint64_t lo = 0;
  uint64_t hi = 0;

  bool operator==(const Hash128&) const = default;
  /// 32 lower-case hex digits, `hi` first.
  std::string Hex() const;
  /// Parses Hex()'s form; false on anything else.
  static bool FromHex(std::string_view hex, Hash128* out);
};

/// Feeds bytes in any pieces; Finish() gives the hash of their concatenation
/// (the same as MurmurHash3_x64_128 of the whole with seed 0).
class Hasher {
 public:
  void Update(std::string_view bytes);
  /// Strings of a list: each one's length goes in first, so ("ab", "c")
  /// and ("a", "bc") differ.
  void UpdateField(std::string_view bytes);
  Hash128 Finish() const;

 private:
  void Block(uint64_t k1, uint64_t k2);
  uint64_t h1_ = 0, h2_ = 0;
  unsigned char tail_[16];
  size_t tail_size_ = 0;
  uint64_t length_ = 0;
};

/// The hash of one string.
Hash128 HashBytes(std::string_view bytes);

}  // namespace listdigest::model
