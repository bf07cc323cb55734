#pragma once
// SpecialTokens: cutting special tokens out of text before a model's algorithm runs.
//
// Contract: user-defined tokens (TokenType::kUserDefined, Hugging Face's added tokens with special=false) are
// always matched; control tokens (kControl, and kUnknown) only when parse_special is set, so user content never
// yields BOS/EOS or chat markers by default. Matching is leftmost, then longest (Hugging Face's added-vocabulary
// rule), in one pass over the text. Empty token texts never match. Immutable after create; thread-safe.
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

class SpecialTokens {
 public:
  struct Fragment {
    std::size_t begin;
    std::size_t size;
    TokenId token;  // kNoToken: plain text for the model's algorithm
  };

  // texts[i] and types[i] describe token i.
  static SpecialTokens create(std::span<const std::string_view> texts, std::span<const TokenType> types);

  bool empty() const { return entries_.empty(); }
  // Splits text into fragments of plain text and special tokens, in order, covering text exactly.
  void partition(std::string_view text, bool parse_special, std::vector<Fragment>& out) const;

 private:
  struct Entry {
    std::string text;
    TokenId id;
    bool control;
  };
  std::vector<Entry> entries_;                   // by first byte, then longest text first
  std::array<std::uint32_t, 257> first_byte_{};  // entries_ with first byte b: [first_byte_[b], first_byte_[b+1])
};

}  // namespace sovra::tokenizer
