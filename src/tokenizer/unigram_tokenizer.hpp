#pragma once
// UnigramTokenizer: SentencePiece Unigram (tokenizer.ggml.model "t5"), the vocabulary of T5 and of XLM-RoBERTa
// encoders (multilingual-e5, bge-m3, bge-reranker-v2-m3), as llama.cpp's UGM tokenizer applies it.
//
// Contract (beyond Tokenizer's):
// - create() checks the vocabulary (sizes agree, ids in range) and fails with kCorruptData; afterwards nothing fails.
// - encode: user-defined tokens (and control tokens with parse_special) are cut out first (special_tokens.hpp).
//   Each remaining fragment is normalized: with remove_extra_whitespaces, runs of whitespace (' ', \t, \n, \r)
//   become one and leading/trailing whitespace is dropped; with add_space_prefix a "▁" is prepended to a
//   non-empty fragment; whitespace becomes "▁". Then the segmentation into normal and user-defined tokens with the
//   highest total score is chosen (Viterbi; user-defined tokens score 0, ties keep the earliest-found path); a
//   character no token starts with becomes the unknown token with score min_score - 10, and consecutive unknown
//   tokens are merged into one.
// - NOT implemented: the GGUF's tokenizer.ggml.precompiled_charsmap (SentencePiece's NFKC-style normalization
//   table). Text that it would change (full-width forms, compatibility characters, some control characters) can
//   tokenize differently from llama.cpp / Hugging Face; plain text in any script is unaffected.
// - decode / token_to_piece: "▁" becomes ' ', control and unused tokens give nothing; decode drops one leading ' '
//   when add_space_prefix is set.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
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
};

}  // namespace sovra::tokenizer
