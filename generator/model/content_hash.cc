#include "model/content_hash.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace listdigest::model {
namespace {

constexpr uint64_t kC1 = 0x87c37b91114253d5ull;
constexpr uint64_t kC2 = 0x4cf5ad432745937full;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// Little-endian on every host, so hashes are the same everywhere.
inline uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

inline uint64_t Mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

}  // namespace

std::string Hash128::Hex() const {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[i] = kDigits[(hi >> (60 - 4 * i)) & 15];
    out[16 + i] = kDigits[(lo >> (60 - 4 * i)) & 15];
  }
  return out;
}

bool Hash128::FromHex(std::string_view hex, Hash128* out) {
  if (hex.size() != 32) return false;
  Hash128 h;
  for (int i = 0; i < 32; ++i) {
    const char c = hex[i];
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else return false;
    uint64_t& half = i < 16 ? h.hi : h.lo;
    half = (half << 4) | static_cast<uint64_t>(v);
  }
  *out = h;
  return true;
}

void Hasher::Block(uint64_t k1, uint64_t k2) {
  k1 *= kC1;
  k1 = Rotl(k1, 31);
  k1 *= kC2;
  h1_ ^= k1;
  h1_ = Rotl(h1_, 27);
  h1_ += h2_;
  h1_ = h1_ * 5 + 0x52dce729;
  k2 *= kC2;
  k2 = Rotl(k2, 33);
  k2 *= kC1;
  h2_ ^= k2;
  h2_ = Rotl(h2_, 31);
  h2_ += h1_;
  h2_ = h2_ * 5 + 0x38495ab5;
}

void Hasher::Update(std::string_view bytes) {
  // An empty view may carry a null pointer, which memcpy must never see.
  if (bytes.empty()) return;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  length_ += n;
  if (tail_size_ > 0) {
    const size_t take = std::min(n, 16 - tail_size_);
    std::memcpy(tail_ + tail_size_, p, take);
    tail_size_ += take;
    p += take;
    n -= take;
    if (tail_size_ < 16) return;
    Block(Load64(tail_), Load64(tail_ + 8));
    tail_size_ = 0;
  }
  for (; n >= 16; p += 16, n -= 16) Block(Load64(p), Load64(p + 8));
  std::memcpy(tail_, p, n);
  tail_size_ = n;
}

void Hasher::UpdateField(std::string_view bytes) {
  unsigned char size[8];
  uint64_t n = bytes.size();
  for (int i = 0; i < 8; ++i) size[i] = static_cast<unsigned char>(n >> (8 * i));
  Update(std::string_view(reinterpret_cast<const char*>(size), 8));
  Update(bytes);
}

Hash128 Hasher::Finish() const {
  uint64_t h1 = h1_, h2 = h2_, k1 = 0, k2 = 0;
  const unsigned char* t = tail_;
  switch (tail_size_) {
    case 15: k2 ^= uint64_t(t[14]) << 48; [[fallthrough]];
    case 14: k2 ^= uint64_t(t[13]) << 40; [[fallthrough]];
    case 13: k2 ^= uint64_t(t[12]) << 32; [[fallthrough]];
    case 12: k2 ^= uint64_t(t[11]) << 24; [[fallthrough]];
    case 11: k2 ^= uint64_t(t[10]) << 16; [[fallthrough]];
    case 10: k2 ^= uint64_t(t[9]) << 8; [[fallthrough]];
    case 9:
      k2 ^= uint64_t(t[8]);
      k2 *= kC2;
      k2 = Rotl(k2, 33);
      k2 *= kC1;
      h2 ^= k2;
      [[fallthrough]];
    case 8: k1 ^= uint64_t(t[7]) << 56; [[fallthrough]];
    case 7: k1 ^= uint64_t(t[6]) << 48; [[fallthrough]];
    case 6: k1 ^= uint64_t(t[5]) << 40; [[fallthrough]];
    case 5: k1 ^= uint64_t(t[4]) << 32; [[fallthrough]];
    case 4: k1 ^= uint64_t(t[3]) << 24; [[fallthrough]];
    case 3: k1 ^= uint64_t(t[2]) << 16; [[fallthrough]];
    case 2: k1 ^= uint64_t(t[1]) << 8; [[fallthrough]];
    case 1:
      k1 ^= uint64_t(t[0]);
      k1 *= kC1;
      k1 = Rotl(k1, 31);
      k1 *= kC2;
      h1 ^= k1;
  }
  h1 ^= length_;
  h2 ^= length_;
  h1 += h2;
  h2 += h1;
  h1 = Mix(h1);
  h2 = Mix(h2);
  h1 += h2;
  h2 += h1;
  return Hash128{h1, h2};
}

Hash128 HashBytes(std::string_view bytes) {
  Hasher h;
  h.Update(bytes);
  return h.Finish();
}

}  // namespace listdigest::model
