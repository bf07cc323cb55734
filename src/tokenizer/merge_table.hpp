#pragma once
// MergeTable: BPE merge rules keyed by the pair of token ids, in one flat open-addressing array (the merge loop
// looks pairs up for every candidate, so this is the hot path of byte-level BPE).
//
// Contract: built once from (left, right, rank, result) entries; when a pair appears twice the lowest rank wins
// (the first line of merges.txt). find() is nullptr for unknown pairs. Immutable, thread-safe.
#include <cstdint>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

class MergeTable {
 public:
  struct Entry {
    TokenId left = kNoToken;  // kNoToken: empty slot
    TokenId right = kNoToken;
    std::int32_t rank = 0;
    TokenId result = kNoToken;
  };

  MergeTable() = default;
  explicit MergeTable(const std::vector<Entry>& entries);

  const Entry* find(TokenId left, TokenId right) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = slot_of(left, right);; i = (i + 1) & mask_) {
      const Entry& e = slots_[i];
      if (e.left == left && e.right == right) return &e;
      if (e.left == kNoToken) return nullptr;
    }
  }
  std::size_t size() const { return size_; }

 private:
  std::size_t slot_of(TokenId left, TokenId right) const {
    std::uint64_t k = (std::uint64_t{static_cast<std::uint32_t>(left)} << 32) | static_cast<std::uint32_t>(right);
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<std::size_t>(k) & mask_;
  }

  std::vector<Entry> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sovra::tokenizer
