// Fuzzes SentencePiece's precompiled charsmap reader and normalizer with hostile tables and text.
// Input: byte 0 = normalizer flags (bit 0 add_dummy_prefix, bit 1 remove_extra_whitespaces, bit 2
// escape_whitespaces), bytes 1-2 = little-endian length of the charsmap that follows, then the text.
// Checks: parse and lookups never read out of bounds (ASan); each normalization step consumes 1..rest bytes;
// without a table the output is valid UTF-8; a Unigram tokenizer accepts every table parse() accepts and gives ids
// in range.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "tokenizer/sp_charsmap.hpp"
#include "tokenizer/sp_normalize.hpp"
#include "tokenizer/unicode.hpp"
#include "tokenizer/unigram_tokenizer.hpp"

using sovra::tokenizer::PrecompiledCharsmap;
using sovra::tokenizer::TokenId;
using sovra::tokenizer::TokenType;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t flags = data[0];
  const std::size_t map_len = std::min<std::size_t>(size - 3, data[1] | static_cast<std::size_t>(data[2]) << 8);
  const std::span<const std::uint8_t> map_bytes(data + 3, map_len);
  const std::string text(reinterpret_cast<const char*>(data + 3 + map_len), size - 3 - map_len);
  auto map = PrecompiledCharsmap::parse(map_bytes);
  if (!map) return 0;

  for (std::string_view rest = text; !rest.empty();) {
    const PrecompiledCharsmap::Prefix p = map->normalize_prefix(rest);
    if (p.consumed < 1 || p.consumed > rest.size()) std::abort();
    rest.remove_prefix(p.consumed);
  }
  const sovra::tokenizer::SpNormalizeOptions options{.add_dummy_prefix = (flags & 1) != 0,
                                                     .remove_extra_whitespaces = (flags & 2) != 0,
                                                     .escape_whitespaces = (flags & 4) != 0};
  const std::string out = sovra::tokenizer::sp_normalize(*map, text, options);
  if (map->empty()) {
    for (std::size_t at = 0; at < out.size();) {
      const auto d = sovra::tokenizer::unicode::next_code_point(out, at);
      if (d.cp >= sovra::tokenizer::unicode::kInvalidBase) std::abort();
      at += d.length;
    }
  }

  sovra::tokenizer::UnigramVocab v;
  for (const char* t : {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab", "fi"}) {
    v.tokens.emplace_back(t);
    v.scores.push_back(-static_cast<float>(v.tokens.size()));
    v.types.push_back(v.tokens.size() == 1 ? TokenType::kUnknown
                                           : v.tokens.size() <= 3 ? TokenType::kControl : TokenType::kNormal);
  }
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  v.add_space_prefix = options.add_dummy_prefix;
  v.remove_extra_whitespaces = options.remove_extra_whitespaces;
  v.precompiled_charsmap.assign(map_bytes.begin(), map_bytes.end());
  auto tok = sovra::tokenizer::UnigramTokenizer::create(v);
  if (!tok) std::abort();  // the table parsed above, so the tokenizer must accept it
  for (TokenId id : tok->encode(text, false)) {
    if (id < 0 || static_cast<std::size_t>(id) >= tok->vocab_size()) std::abort();
  }
  return 0;
}
