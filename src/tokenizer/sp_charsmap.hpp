#pragma once
// PrecompiledCharsmap: SentencePiece's precompiled normalization table (NormalizerSpec.precompiled_charsmap, in
// GGUF files tokenizer.ggml.precompiled_charsmap), e.g. the NFKC-style "nmt_nfkc" rules of XLM-RoBERTa and T5.
//
// Format (all little-endian): uint32 trie_size (bytes); trie_size bytes of a Darts-clone double array (uint32
// units); then the replacement strings, each NUL-terminated. A key of the trie is an input byte sequence; its
// value is the offset of its replacement string in that blob.
//
// Contract:
// - parse() checks the framing (trie size a multiple of 4 that fits, a non-empty string blob ending in NUL when
//   the trie is not empty) and fails with kCorruptData naming the problem; zero bytes give an empty charsmap.
// - The trie itself cannot be checked up front (any bit pattern is a double array); lookups instead check every
//   unit index and value offset, so a hostile table can only give odd replacements, never an out-of-bounds read.
//   A walk stops at an index outside the array; a match whose value points outside the blob is ignored.
// - normalize_prefix() is SentencePiece's Normalizer::NormalizePrefix without user-defined symbols: the
//   replacement of the longest key that prefixes the input; else one valid UTF-8 character unchanged; else
//   U+FFFD for one byte. A NUL input byte ends the trie walk (as in llama.cpp). Thread-safe (const).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace sovra::tokenizer {

class PrecompiledCharsmap {
 public:
  struct Prefix {
    std::string_view text;  // what the consumed bytes normalize to (may be empty: the rule deletes them)
    std::size_t consumed = 0;
  };

  static Result<PrecompiledCharsmap> parse(std::span<const std::uint8_t> bytes);

  bool empty() const { return units_.empty(); }
  std::size_t trie_units() const { return units_.size(); }

  // The longest rule matching a prefix of input; consumed 0 when none matches.
  Prefix longest_match(std::string_view input) const;
  // One normalization step on non-empty input (consumed >= 1); see the contract.
  Prefix normalize_prefix(std::string_view input) const;

 private:
  std::vector<std::uint32_t> units_;
  std::string strings_;  // NUL-terminated replacement strings; ends with NUL when not empty
};

}  // namespace sovra::tokenizer
