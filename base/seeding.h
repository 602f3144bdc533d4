// The ONE seeded hash and PRNG of curvlab: named random streams (a seed for (job seed, purpose,
// index), so each use of randomness -- init, loader permutation of epoch e, Hutchinson vectors,
// sweep draws -- is independent of the others and of global RNG state; adding a feature never
// changes another feature's numbers), FNV-1a for names and ids, SplitMix64 for draws that must be
// the same on every platform (std:: distributions are implementation-defined).
#pragma once

#include <cstdint>
#include <string_view>

namespace curvlab {

// splitmix64 finaliser: a well-mixed 64-bit hash.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 64-bit FNV-1a of a byte string (purpose names, sweep run ids).
constexpr std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

// The seed of stream `purpose` #index of a job with seed `seed`. Kept below 2^63 so it fits
// every generator's seed type.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::string_view purpose, std::uint64_t index = 0) {
  return splitmix64(splitmix64(seed ^ fnv1a64(purpose)) + index) >> 1;
}

// The SplitMix64 generator (Steele et al. 2014): each output is splitmix64(state), then the state
// advances by the golden-ratio increment.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    const std::uint64_t out = splitmix64(state_);
    state_ += 0x9e3779b97f4a7c15ULL;
    return out;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  std::uint64_t state_;
};

}  // namespace curvlab
