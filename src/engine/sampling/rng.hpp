#pragma once
// Rng: the sampler's pseudo-random source, fully specified so a seed means the same draws everywhere.
//
// Contract: xoshiro256** (Blackman & Vigna, 2018) seeded by expanding the 64-bit seed with splitmix64, as the
// authors recommend. next_u64() and uniform() depend only on the seed and the number of earlier draws, never on
// the standard library (std::uniform_real_distribution is implementation-defined, so it is not used).
// Not thread-safe: one Rng per sequence.
#include <cstdint>

namespace sovra::sampling {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (std::uint64_t& word : s_) word = splitmix64(x);
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits: every value is a multiple of 2^-53.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t s_[4] = {};
};

}  // namespace sovra::sampling
