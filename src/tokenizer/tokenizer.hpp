#pragma once
// Tokenizer: text ↔ token ids for one model's vocabulary.
//
// Contract:
// - Every method is const and safe to call from many threads at once; a Tokenizer is immutable after creation.
// - encode(text, options) accepts any bytes (invalid UTF-8 and NUL included) and never fails: bytes that no
//   token covers become byte-fallback tokens (or the unknown token when the vocabulary has none). It prepends
//   bos_id() when options.add_bos is set and the vocabulary has a BOS token, and appends eos_id() likewise.
//   Control tokens (BOS, EOS, chat markers) are produced from text only with options.parse_special: by default
//   a prompt that contains "<s>" gets the characters, not the token. encode(text, add_bos) is the short form.
// - decode(ids) is the text of the tokens in order: control and unused tokens contribute nothing, byte tokens
//   their byte, and ids outside [0, vocab_size()) are skipped. Tokenizers that add a space prefix when encoding
//   remove it from the first piece of text, so decode(encode(s, b)) == s for every s the vocabulary covers
//   (a SentencePiece vocabulary turns a literal U+2581 "▁" into a space; see spm_tokenizer.hpp).
//   Output may be invalid UTF-8 when the ids split a character; callers that stream must buffer.
// - token_to_piece(id) is the text one token contributes in the middle of a sequence (no space stripping):
//   what a streaming decoder appends. Empty for control/unused tokens and out-of-range ids. The view stays
//   valid for the Tokenizer's lifetime.
// - bos_id()/eos_id() are kNoToken when the vocabulary has none. add_bos()/add_eos() say whether the model
//   expects BOS/EOS around a prompt (GGUF tokenizer.ggml.add_bos_token / add_eos_token, or the model's default).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sovra::tokenizer {

using TokenId = std::int32_t;
inline constexpr TokenId kNoToken = -1;

// GGUF tokenizer.ggml.token_type values (llama.cpp's llama_token_type). File format: never renumber.
enum class TokenType : std::uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,  // matched verbatim in text before the model's algorithm runs
  kUnused = 5,
  kByte = 6,  // byte fallback: text "<0xNN>"
};

struct EncodeOptions {
  bool add_bos = false;
  bool add_eos = false;
  bool parse_special = false;  // control tokens' texts in the input become those tokens
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  virtual std::vector<TokenId> encode(std::string_view text, const EncodeOptions& options) const = 0;
  std::vector<TokenId> encode(std::string_view text, bool add_bos) const {
    return encode(text, EncodeOptions{.add_bos = add_bos});
  }
  virtual std::string decode(std::span<const TokenId> ids) const = 0;
  virtual std::string_view token_to_piece(TokenId id) const = 0;
  // The vocabulary entry of id as stored, for display ("<|im_start|>", "▁Hello"; raw bytes for byte-level BPE);
  // empty for out-of-range ids. Valid for the Tokenizer's lifetime. Defaults to the piece.
  virtual std::string_view token_text(TokenId id) const { return token_to_piece(id); }

  virtual TokenId bos_id() const = 0;
  virtual TokenId eos_id() const = 0;
  virtual bool add_bos() const = 0;
  virtual bool add_eos() const { return false; }
  virtual std::size_t vocab_size() const = 0;
};

}  // namespace sovra::tokenizer
