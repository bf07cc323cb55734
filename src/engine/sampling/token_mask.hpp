#pragma once
// TokenMask: which vocabulary entries may be sampled at one step (one bit per token id).
//
// Contract: reset(n, allowed) sizes the mask to n tokens, all allowed or all banned; allow/ban/allowed take ids
// in [0, size()) (unchecked: callers index by vocabulary). The Sampler bans (-inf) every token whose bit is
// clear; a mask whose size differs from the logits row is an error there.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/sampling/types.hpp"

namespace sovra::sampling {

class TokenMask {
 public:
  void reset(std::size_t n, bool allowed) {
    size_ = n;
    words_.assign((n + 63) / 64, allowed ? ~std::uint64_t{0} : 0);
    if (allowed && n % 64 != 0) words_.back() = (std::uint64_t{1} << (n % 64)) - 1;
  }
  void allow(TokenId t) { words_[index(t) >> 6] |= bit(t); }
  void ban(TokenId t) { words_[index(t) >> 6] &= ~bit(t); }
  bool allowed(TokenId t) const { return (words_[index(t) >> 6] & bit(t)) != 0; }
  std::size_t size() const { return size_; }
  std::size_t count() const {
    std::size_t c = 0;
    for (const std::uint64_t w : words_) c += static_cast<std::size_t>(std::popcount(w));
    return c;
  }
  const std::vector<std::uint64_t>& words() const { return words_; }

 private:
  static std::size_t index(TokenId t) { return static_cast<std::size_t>(t); }
  static std::uint64_t bit(TokenId t) { return std::uint64_t{1} << (index(t) & 63); }

  std::size_t size_ = 0;
  std::vector<std::uint64_t> words_;
};

}  // namespace sovra::sampling
