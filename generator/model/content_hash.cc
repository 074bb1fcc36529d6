#include "model/content_hash.h"

// The state's layout, so that it can live in a Hasher rather than be made
// by the library (XXH3_createState) for every hash.
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cstring>

namespace listdigest::model {

// Pieces are gathered in `pending` and fed to XXH3 in blocks: input hashes
// are made of many pieces of a few bytes (numbers, short fields), and each
// XXH3_128bits_update call costs more than copying them.
struct Hasher::State {
  static constexpr size_t kPending = 4096;
  XXH3_state_t xxh;
  size_t used = 0;
  char pending[kPending];

  void Flush() {
    if (used > 0) XXH3_128bits_update(&xxh, pending, used);
    used = 0;
  }
};

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

Hasher::Hasher() : state_(std::make_unique<State>()) { XXH3_128bits_reset(&state_->xxh); }
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::Update(std::string_view bytes) {
  // An empty view may carry a null pointer.
  if (bytes.empty()) return;
  State& s = *state_;
  if (s.used + bytes.size() <= State::kPending) {
    std::memcpy(s.pending + s.used, bytes.data(), bytes.size());
    s.used += bytes.size();
    return;
  }
  s.Flush();
  if (bytes.size() >= State::kPending) {
    XXH3_128bits_update(&s.xxh, bytes.data(), bytes.size());
  } else {
    std::memcpy(s.pending, bytes.data(), bytes.size());
    s.used = bytes.size();
  }
}

void Hasher::UpdateField(std::string_view bytes) {
  unsigned char size[8];
  const uint64_t n = bytes.size();
  for (int i = 0; i < 8; ++i) size[i] = static_cast<unsigned char>(n >> (8 * i));
  Update(std::string_view(reinterpret_cast<const char*>(size), 8));
  Update(bytes);
}

Hash128 Hasher::Finish() const {
  XXH128_hash_t h;
  if (state_->used == 0) {
    h = XXH3_128bits_digest(&state_->xxh);
  } else {
    XXH3_state_t whole;
    XXH3_copyState(&whole, &state_->xxh);
    XXH3_128bits_update(&whole, state_->pending, state_->used);
    h = XXH3_128bits_digest(&whole);
  }
  return Hash128{h.low64, h.high64};
}

Hash128 HashBytes(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.empty() ? "" : bytes.data(), bytes.size());
  return Hash128{h.low64, h.high64};
}

}  // namespace listdigest::model
