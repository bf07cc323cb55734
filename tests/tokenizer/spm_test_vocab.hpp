#pragma once
// A small hand-made SentencePiece vocabulary for the tokenizer tests, with scores chosen so that each merge rule
// (score order, leftmost tie, prefix, byte fallback, user-defined tokens) is visible in a short string.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/spm_tokenizer.hpp"

namespace sovra::tokenizer::testing {

// <unk>, <s>, </s>, then the 256 byte tokens: <0xNN> has id kByteBase + NN.
inline constexpr TokenId kByteBase = 3;

inline SpmVocab small_vocab() {
  SpmVocab v;
  const auto add = [&v](std::string text, float score, TokenType type) {
    v.tokens.push_back(std::move(text));
    v.scores.push_back(score);
    v.types.push_back(type);
  };
  add("<unk>", 0.0f, TokenType::kUnknown);
  add("<s>", 0.0f, TokenType::kControl);
  add("</s>", 0.0f, TokenType::kControl);
  for (int b = 0; b < 256; ++b) {
    char text[8];
    std::snprintf(text, sizeof text, "<0x%02X>", b);
    add(text, 0.0f, TokenType::kByte);
  }
  for (const char* c : {"▁", "a", "b", "c", "d", "e", "h", "l", "o", "r", "w", "x", "t", "n"}) {
    add(c, -10.0f, TokenType::kNormal);
  }
  const std::vector<std::pair<const char*, float>> merges = {
      {"ab", -1.0f},     {"bc", -0.5f}, {"▁a", -2.0f},  {"▁ab", -0.1f},  {"xx", -3.0f},
      {"▁▁", -4.0f},     {"he", -1.0f}, {"ll", -1.0f},  {"hell", -0.9f}, {"hello", -0.8f},
      {"▁hello", -0.7f}, {"or", -1.0f}, {"wor", -0.9f}, {"ld", -1.0f},   {"world", -0.8f},
      {"▁world", -0.7f}, {"th", -1.0f}, {"▁th", -0.9f}, {"▁the", -0.8f}, {"en", -1.0f},
  };
  for (const auto& [text, score] : merges) add(text, score, TokenType::kNormal);
  add("<|u|>", 0.0f, TokenType::kUserDefined);
  add("<|u|>x|>", 0.0f, TokenType::kUserDefined);
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  return v;
}

}  // namespace sovra::tokenizer::testing
