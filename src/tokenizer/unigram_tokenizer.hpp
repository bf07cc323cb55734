#pragma once
// UnigramTokenizer: SentencePiece Unigram (tokenizer.ggml.model "t5"), the vocabulary of T5 and of XLM-RoBERTa
// encoders (multilingual-e5, bge-m3, bge-reranker-v2-m3), as llama.cpp's UGM tokenizer applies it.
//
// Contract (beyond Tokenizer's):
// - create() checks the vocabulary (sizes agree, ids in range) and fails with kCorruptData; afterwards nothing fails.
// - create() also parses the precompiled charsmap (sp_charsmap.hpp) and fails with kCorruptData on a broken one.
// - encode: user-defined tokens (and control tokens with parse_special) are cut out first (special_tokens.hpp).
//   Each remaining fragment is normalized as SentencePiece does (sp_normalize.hpp): the precompiled charsmap
//   (NFKC-style rules; none when the vocabulary has no charsmap), invalid UTF-8 to U+FFFD, then the whitespace
//   rules on ' ' (remove_extra_whitespaces: runs become one, leading/trailing dropped; add_space_prefix: a "▁"
//   before a non-empty fragment; every space written as "▁"). Then the segmentation into normal and user-defined
//   tokens with the highest total score is chosen (Viterbi; user-defined tokens score 0, ties keep the
//   earliest-found path); a character no token starts with becomes the unknown token with score
//   min_score - 10, and consecutive unknown tokens are merged into one.
// - Each fragment gets its own "▁" prefix, as in llama.cpp's UGM tokenizer (SentencePiece itself, which keeps
//   user-defined symbols inside one text, puts it only before the first).
// - decode / token_to_piece: "▁" becomes ' ', control and unused tokens give nothing; decode drops one leading ' '
//   when add_space_prefix is set.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "tokenizer/sp_charsmap.hpp"
#include "tokenizer/special_tokens.hpp"
#include "tokenizer/token_store.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

struct UnigramVocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;     // one per token; empty: all 0
  std::vector<TokenType> types;  // one per token; empty: all kNormal
  TokenId bos_id = kNoToken;
  TokenId eos_id = kNoToken;
  TokenId unk_id = kNoToken;
  bool add_bos = false;
  bool add_eos = true;
  bool add_space_prefix = true;
  bool remove_extra_whitespaces = true;
  // The bytes of tokenizer.ggml.precompiled_charsmap (SentencePiece's NormalizerSpec.precompiled_charsmap);
  // empty: no charsmap rules (text is only checked for valid UTF-8).
  std::vector<std::uint8_t> precompiled_charsmap;
};

class UnigramTokenizer final : public Tokenizer {
 public:
  static constexpr double kUnknownPenalty = 10.0;

  static Result<UnigramTokenizer> create(const UnigramVocab& vocab);

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
  TokenId unk_id() const { return unk_id_; }
  float score(TokenId id) const;

  // The normalized form of one plain-text fragment (what the Viterbi search runs on).
  std::string normalize(std::string_view fragment) const;

 private:
  UnigramTokenizer() = default;
  void encode_normalized(std::string_view text, std::vector<TokenId>& out) const;

  TokenStore store_;
  SpecialTokens specials_;
  std::vector<float> scores_;
  std::unordered_map<std::string_view, TokenId> candidates_;  // normal and user-defined tokens by text
  std::size_t max_token_bytes_ = 0;
  double unknown_score_ = -kUnknownPenalty;
  TokenId bos_id_ = kNoToken;
  TokenId eos_id_ = kNoToken;
  TokenId unk_id_ = kNoToken;
  bool add_bos_ = false;
  bool add_eos_ = true;
  bool add_space_prefix_ = true;
  bool remove_extra_whitespaces_ = true;
  PrecompiledCharsmap charsmap_;
};

}  // namespace sovra::tokenizer
