#pragma once
// StreamDecoder: token ids in, text out, one token at a time, for streaming generated text.
//
// Contract: push(id) returns the text that id completes: whole UTF-8 characters only. Bytes that start a
// character whose remaining bytes may still come (a byte-fallback or byte-level token that splits it) are held
// back until they do; bytes that can never form a character become U+FFFD, so everything returned is valid
// UTF-8. finish() returns what is held back (as U+FFFD) and resets. The concatenation of all returned text equals
// decode() of the ids, byte for byte, whenever that is valid UTF-8 (the decoder never strips a leading space: a
// generated stream continues a prompt). One decoder per stream; it borrows the Tokenizer, which must outlive it.
#include <string>
#include <string_view>

#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer) : tokenizer_(&tokenizer) {}

  std::string push(TokenId id);
  std::string finish();
  // Bytes held back now (0-3).
  std::size_t pending() const { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  std::string pending_;
};

// The longest prefix of bytes that holds no incomplete character at its end: bytes[result, size) is a proper
// prefix of some valid UTF-8 character, or empty.
std::size_t complete_prefix(std::string_view bytes);
// bytes with each invalid UTF-8 sequence replaced by U+FFFD (one per byte that starts no valid character).
void append_sanitized(std::string& out, std::string_view bytes);

}  // namespace sovra::tokenizer
