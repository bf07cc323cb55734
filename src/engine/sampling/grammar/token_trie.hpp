#pragma once
// TokenTrie: a model's vocabulary as a byte trie, built once per model and shared by every constrained
// sequence (immutable, thread-safe).
//
// Contract:
// - create() takes the bytes each token id contributes to the output text (for a SentencePiece vocabulary:
//   Tokenizer::token_to_piece, "▁" already a space and byte tokens their byte), so the grammar code does not
//   depend on a tokenizer class. Tokens listed in `excluded` (control, unused, chat markers: the caller knows
//   which) and tokens with no bytes never enter the trie, so constrained decoding never samples them; `eos` and
//   `end_tokens` (other tokens that end generation, e.g. a chat template's "<|im_end|>") are handled apart:
//   allowed exactly when the grammar is complete. eos may be kNoEos.
// - Nodes are stored in depth-first pre-order, so a node's subtree is the contiguous range
//   [index, subtree_end): the mask walk skips a rejected prefix's whole subtree in O(1).
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "engine/sampling/types.hpp"

namespace sovra::sampling::grammar {

inline constexpr TokenId kNoEos = -1;

struct TokenTrieParams {
  std::span<const std::string> tokens;  // [n_vocab] bytes per token id
  TokenId eos = kNoEos;
  std::span<const TokenId> end_tokens;  // more ids that end generation like EOS
  std::span<const TokenId> excluded;    // ids never sampled under a grammar
};

class TokenTrie {
 public:
  struct Node {
    std::uint32_t subtree_end = 0;   // one past the last node of this subtree
    std::uint32_t tokens_begin = 0;  // [begin, end) into token_ids(): tokens whose bytes end here
    std::uint32_t tokens_end = 0;
    std::uint16_t depth = 0;  // root: 0
    std::uint8_t byte = 0;    // the byte leading here from the parent
  };

  // Fails when the vocabulary is empty or larger than TokenId can index, or eos/end/excluded ids are out of range.
  static Result<TokenTrie> create(const TokenTrieParams& params);

  std::size_t vocab_size() const { return bytes_.size(); }
  TokenId eos() const { return eos_; }
  // EOS and the other end tokens: allowed exactly when the grammar is complete.
  const std::vector<TokenId>& end_tokens() const { return ends_; }
  bool is_end(TokenId token) const { return std::find(ends_.begin(), ends_.end(), token) != ends_.end(); }
  // The bytes of `token` ("" for excluded, empty and out-of-range tokens, and EOS).
  std::string_view token_bytes(TokenId token) const;
  bool is_excluded(TokenId token) const;

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<TokenId>& token_ids() const { return token_ids_; }
  std::size_t max_depth() const { return max_depth_; }

 private:
  std::vector<std::string> bytes_;
  std::vector<bool> in_trie_;
  std::vector<Node> nodes_;
  std::vector<TokenId> token_ids_;
  TokenId eos_ = kNoEos;
  std::vector<TokenId> ends_;
  std::size_t max_depth_ = 0;
};

}  // namespace sovra::sampling::grammar
