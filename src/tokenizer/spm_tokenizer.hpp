#pragma once
// SpmTokenizer: SentencePiece BPE as Llama-2-style GGUF vocabularies use it (tokenizer.ggml.model "llama"),
// matching llama.cpp's llm_tokenizer_spm token for token on valid UTF-8 (all of llama.cpp's llama-spm and
// phi-3 test vectors pass).
//
// Contract (beyond Tokenizer's):
// - create() checks the vocabulary (sizes agree, ids in range, at most INT32_MAX tokens) and fails with
//   kCorruptData otherwise; afterwards nothing can fail.
// - encode: user-defined tokens (and control tokens with parse_special) are cut out of the text first (longest
//   first, like llama.cpp; llama.cpp's per-model lstrip/rstrip attributes are not applied). Each remaining
//   fragment that starts the text or follows such a token gets a " " prefix when add_space_prefix is set; ' '
//   becomes U+2581 "▁"; the fragment is split into UTF-8 characters and the adjacent pair whose concatenation
//   is the highest-scoring token is merged repeatedly (ties: leftmost); symbols that are no token become their
//   <0xNN> byte tokens. Cost O(n log n) in the fragment's length.
// - Where this deliberately differs from llama.cpp: each byte of a broken UTF-8 sequence is a symbol of its
//   own (llama.cpp lets a lead byte swallow the next bytes, even an escaped space); and only normal and
//   user-defined tokens take part in merges, as in SentencePiece, so "<s" + ">" never becomes BOS, nor "<0x41>"
//   a byte token, nor "<unk>" the unknown token. Fragments over kMaxFragmentBytes are encoded in pieces cut at
//   character boundaries (merges never span a cut; no real prompt is that long).
// - Round trip: with "▁" and all 256 byte tokens in the vocabulary, decode(encode(s)) == s for any bytes s
//   that contain no user-defined token's text, except that a literal "▁" in s comes back as ' '.
// - decode / token_to_piece: "▁" becomes ' ', byte tokens their byte, the unknown token U+2585 "▅" (as
//   llama.cpp), control and unused tokens nothing; decode drops one leading ' ' from the first piece of text
//   when add_space_prefix is set, undoing encode's prefix.
// - Move-only: the lookup table points into the tokenizer's own storage.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

inline constexpr std::size_t kMaxFragmentBytes = std::size_t{1} << 30;

// A SentencePiece vocabulary as a GGUF stores it (tokenizer.ggml.*).
struct SpmVocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;     // one per token; empty: all 0
  std::vector<TokenType> types;  // one per token; empty: all kNormal
  TokenId bos_id = kNoToken;
  TokenId eos_id = kNoToken;
  TokenId unk_id = kNoToken;
  bool add_bos = true;
  bool add_eos = false;
  bool add_space_prefix = true;
};

class SpmTokenizer final : public Tokenizer {
 public:
  static Result<SpmTokenizer> create(const SpmVocab& vocab);

  SpmTokenizer(SpmTokenizer&&) noexcept = default;
  SpmTokenizer& operator=(SpmTokenizer&&) noexcept = default;
  SpmTokenizer(const SpmTokenizer&) = delete;
  SpmTokenizer& operator=(const SpmTokenizer&) = delete;
  ~SpmTokenizer() override = default;

  using Tokenizer::encode;
  std::vector<TokenId> encode(std::string_view text, const EncodeOptions& options) const override;
  std::string decode(std::span<const TokenId> ids) const override;
  std::string_view token_to_piece(TokenId id) const override;

  TokenId bos_id() const override { return bos_id_; }
  TokenId eos_id() const override { return eos_id_; }
  bool add_bos() const override { return add_bos_; }
  bool add_eos() const override { return add_eos_; }
  std::size_t vocab_size() const override { return scores_.size(); }

  TokenId unk_id() const { return unk_id_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  // The vocabulary entry as stored ("▁Hello", "<0x0A>", "<s>"); empty for out-of-range ids.
  std::string_view token_text(TokenId id) const override;
  TokenType token_type(TokenId id) const;
  float score(TokenId id) const;
  // The id whose text is exactly `text` (the last one if several share it, as llama.cpp), or kNoToken.
  TokenId find(std::string_view text) const;

 private:
  SpmTokenizer() = default;

  // Appends the tokens of one fragment of plain text (no user-defined tokens inside).
  void encode_fragment(std::string_view fragment, bool space_prefix, std::vector<TokenId>& out) const;
  void encode_escaped(std::string_view escaped, std::vector<TokenId>& out) const;
  void append_bytes(std::string_view bytes, std::vector<TokenId>& out) const;
  // find(), limited to the tokens text may turn into (normal, user-defined).
  TokenId find_mergeable(std::string_view text) const;

  // Token texts and decoded pieces, concatenated; entry i spans [offsets[i], offsets[i + 1]).
  std::vector<char> text_pool_;
  std::vector<std::size_t> text_offsets_;
  std::vector<char> piece_pool_;
  std::vector<std::size_t> piece_offsets_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string_view, TokenId> by_text_;  // views into text_pool_
  std::array<TokenId, 256> byte_tokens_{};                 // byte → its fallback token (kNoToken: none)
  std::vector<TokenId> user_defined_;                      // and control tokens; longest text first, then lowest id
  std::size_t max_token_bytes_ = 0;
  TokenId bos_id_ = kNoToken;
  TokenId eos_id_ = kNoToken;
  TokenId unk_id_ = kNoToken;
  bool add_bos_ = true;
  bool add_eos_ = false;
  bool add_space_prefix_ = true;
};

}  // namespace sovra::tokenizer
