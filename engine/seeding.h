// Named random streams: a seed for (job seed, purpose, index) so that each use of randomness
// (init, loader permutation of epoch e, Hutchinson vectors, ...) is independent of the others
// and of global RNG state. Adding a feature never changes another feature's numbers.
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

// FNV-1a of the purpose name.
constexpr std::uint64_t hash_name(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

// The seed of stream `purpose` #index of a job with seed `seed`. Kept below 2^63 so it fits
// every generator's seed type.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::string_view purpose, std::uint64_t index = 0) {
  return splitmix64(splitmix64(seed ^ hash_name(purpose)) + index) >> 1;
}

}  // namespace curvlab
