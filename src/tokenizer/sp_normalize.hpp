#pragma once
// SentencePiece's normalizer (Normalizer::Normalize) for one plain-text fragment: the precompiled charsmap step by
// step (sp_charsmap.hpp), then its whitespace rules on the result, where only ' ' counts as whitespace (the
// charsmap maps tabs, newlines and the like to ' ' when its rules say so):
// - remove_extra_whitespaces: leading and trailing spaces are dropped and runs of spaces become one;
// - add_dummy_prefix: one space is put before non-empty text;
// - escape_whitespaces: every space is written as U+2581 "▁".
// The result is valid UTF-8 whatever the input (an invalid byte becomes U+FFFD).
#include <string>
#include <string_view>

#include "tokenizer/sp_charsmap.hpp"

namespace sovra::tokenizer {

struct SpNormalizeOptions {
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

std::string sp_normalize(const PrecompiledCharsmap& charsmap, std::string_view input,
                         const SpNormalizeOptions& options);

}  // namespace sovra::tokenizer
