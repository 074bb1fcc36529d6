// A fast 128-bit hash (XXH3-128 from Debian's libxxhash, fed incrementally)
// for telling whether bytes changed: cache checksums, page inputs, output
// files. Not cryptographic: it guards against accidents (a cut file, a
// changed template), not against someone crafting collisions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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
/// (XXH3_128bits of the whole, seed 0). Move-only.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  void Update(std::string_view bytes);
  /// Strings of a list: each one's length goes in first, so ("ab", "c")
  /// and ("a", "bc") differ.
  void UpdateField(std::string_view bytes);
  Hash128 Finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// The hash of one string.
Hash128 HashBytes(std::string_view bytes);

}  // namespace listdigest::model
