#pragma once
// BpeTokenizer: byte-level BPE as GPT-2, Llama 3, Qwen2, DeepSeek, Falcon, StarCoder ... vocabularies use it
// (tokenizer.ggml.model "gpt2"), matching Hugging Face's tokenizers (and so llama.cpp's test vectors).
//
// Contract (beyond Tokenizer's):
// - create() checks the vocabulary (sizes agree, special ids in range, a known pre-tokenizer) and fails with
//   kCorruptData / kInvalidArgument otherwise; afterwards nothing can fail. Merges whose parts or result are not
//   tokens are ignored (they could never fire).
// - encode: special tokens are cut out first (special_tokens.hpp); each remaining fragment is split by the
//   pre-tokenizer (pre_tokenizer.hpp); each pre-token is emitted whole when ignore_merges applies and it is a
//   token, otherwise its bytes are merged pair by pair, lowest merge rank first (ties: leftmost), with a
//   priority queue: O(n log n) in the pre-token's length. A byte without a token is dropped (llama.cpp does the
//   same; real byte-level vocabularies have all 256).
// - decode / token_to_piece: a normal token's bytes (byte-level text decoded), a user-defined token's text,
//   nothing for control and unused tokens. decode(encode(s)) == s for every s when all 256 bytes are tokens.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "tokenizer/merge_table.hpp"
#include "tokenizer/pre_tokenizer.hpp"
#include "tokenizer/special_tokens.hpp"
#include "tokenizer/token_store.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

struct BpeVocab {
  std::vector<std::string> tokens;  // byte-level text, as tokenizer.ggml.tokens / vocab.json store them
  std::vector<TokenType> types;     // one per token; empty: all kNormal
  std::vector<std::string> merges;  // "left right" in byte-level text, rank = index
  std::string pre = "default";      // tokenizer.ggml.pre
  TokenId bos_id = kNoToken;
  TokenId eos_id = kNoToken;
  bool add_bos = false;
  bool add_eos = false;
};

class BpeTokenizer final : public Tokenizer {
 public:
  static Result<BpeTokenizer> create(const BpeVocab& vocab);

  using Tokenizer::encode;
  std::vector<TokenId> encode(std::string_view text, const EncodeOptions& options) const override;
  std::string decode(std::span<const TokenId> ids) const override;
  std::string_view token_to_piece(TokenId id) const override { return store_.piece(id); }
  std::string_view token_text(TokenId id) const override { return store_.text(id); }

  TokenId bos_id() const override { return bos_id_; }
  TokenId eos_id() const override { return eos_id_; }
  bool add_bos() const override { return add_bos_; }
  bool add_eos() const override { return add_eos_; }
  std::size_t vocab_size() const override { return store_.size(); }

  const PreTokenizer& pre_tokenizer() const { return pre_; }
  std::size_t merge_count() const { return merges_.size(); }

 private:
  void encode_word(std::string_view word, std::vector<TokenId>& out) const;

  TokenStore store_;
  PreTokenizer pre_;
  SpecialTokens specials_;
  MergeTable merges_;
  std::array<TokenId, 256> byte_tokens_{};
  TokenId bos_id_ = kNoToken;
  TokenId eos_id_ = kNoToken;
  bool add_bos_ = false;
  bool add_eos_ = false;
};

}  // namespace sovra::tokenizer
