#pragma once
// WordPieceTokenizer: BERT's WordPiece (tokenizer.ggml.model "bert") for embedding models, matching Hugging
// Face's BertNormalizer + BertPreTokenizer + WordPiece (and so llama.cpp's bert-bge test vectors).
//
// Contract (beyond Tokenizer's):
// - The vocabulary is in GGUF form: a token that starts a word is stored as "▁" + text, a continuation as its
//   text (Hugging Face's "##text"). create() checks sizes and ids (kCorruptData).
// - encode: special tokens are cut out first (special_tokens.hpp); then the text is normalized (control
//   characters, NUL, U+FFFD and invalid UTF-8 dropped; whitespace → ' '; CJK ideographs padded with spaces;
//   when lowercase is set, NFD with combining marks (Mn) removed, then lowercased), split at whitespace and
//   around each punctuation character (Unicode P* and ASCII punctuation), and each word is matched greedily,
//   longest prefix first; a word of over 100 characters or with an unmatched rest becomes the unknown token.
//   add_bos / add_eos put [CLS] / [SEP] around the result.
// - decode: word-start tokens are preceded by ' ' (none at the very start), continuations are appended, control
//   and unused tokens give nothing. Lowercasing means decode(encode(s)) is a normalized s, not s.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "tokenizer/special_tokens.hpp"
#include "tokenizer/token_store.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

struct WordPieceVocab {
  std::vector<std::string> tokens;
  std::vector<TokenType> types;  // one per token; empty: all kNormal
  TokenId unk_id = kNoToken;
  TokenId bos_id = kNoToken;  // [CLS]
  TokenId eos_id = kNoToken;  // [SEP]
  bool add_bos = true;
  bool add_eos = true;
  bool lowercase = true;
};

class WordPieceTokenizer final : public Tokenizer {
 public:
  static constexpr std::size_t kMaxWordChars = 100;

  static Result<WordPieceTokenizer> create(const WordPieceVocab& vocab);

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

 private:
  void encode_text(std::string_view text, std::vector<TokenId>& out) const;
  void encode_word(std::string_view word, std::size_t chars, std::vector<TokenId>& out) const;

  TokenStore store_;
  SpecialTokens specials_;
  std::unordered_map<std::string_view, TokenId> starts_;         // word-start tokens, without "▁"
  std::unordered_map<std::string_view, TokenId> continuations_;  // the rest
  std::size_t max_token_bytes_ = 0;
  TokenId unk_id_ = kNoToken;
  TokenId bos_id_ = kNoToken;
  TokenId eos_id_ = kNoToken;
  bool add_bos_ = true;
  bool add_eos_ = true;
  bool lowercase_ = true;
};

}  // namespace sovra::tokenizer
