// Fuzzes the SentencePiece tokenizer with arbitrary bytes: encode → decode must give the input back (each literal
// "▁" as a space) with a vocabulary that has "▁" and every byte token, and every id must be in range. A second
// vocabulary with user-defined tokens exercises the splitting on them (no round trip there: llama.cpp's rules add
// a space after each).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/spm_tokenizer.hpp"

namespace {

using sovra::tokenizer::SpmTokenizer;
using sovra::tokenizer::SpmVocab;
using sovra::tokenizer::TokenId;
using sovra::tokenizer::TokenType;

SpmVocab make_vocab(bool user_defined) {
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
  // Single characters, then merges with distinct and equal scores, including multi-byte characters and "▁" runs.
  for (const char* c : {"▁", "a", "b", "e", "h", "l", "o", "é", "€", "<", ">"}) add(c, -10.0f, TokenType::kNormal);
  const std::pair<const char*, float> merges[] = {
      {"▁▁", -1.0f},     {"▁▁▁▁", -0.5f}, {"ab", -1.0f}, {"ba", -1.0f},   {"aba", -0.7f},
      {"▁a", -2.0f},     {"he", -1.5f},   {"ll", -1.5f}, {"hell", -1.0f}, {"hello", -0.2f},
      {"▁hello", -0.1f}, {"éé", -1.0f},   {"▁€", -0.3f}, {"<s", -1.0f},  // "<s" + ">" is the BOS token's text: it must
                                                                         // stay text
  };
  for (const auto& [text, score] : merges) add(text, score, TokenType::kNormal);
  if (user_defined) {
    add("<|im|>", 0.0f, TokenType::kUserDefined);
    add("<|im|>a", 0.0f, TokenType::kUserDefined);
    add("ll", 0.0f, TokenType::kUserDefined);  // duplicates a normal token's text
  }
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  return v;
}

const SpmTokenizer& tokenizer(bool user_defined) {
  static const SpmTokenizer plain = std::move(SpmTokenizer::create(make_vocab(false))).value();
  static const SpmTokenizer special = std::move(SpmTokenizer::create(make_vocab(true))).value();
  return user_defined ? special : plain;
}

std::string spaces_for_meta(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, 3) == "\xE2\x96\x81") {
      out += ' ';
      i += 3;
    } else {
      out += s[i++];
    }
  }
  return out;
}

void check_ids(const SpmTokenizer& t, const std::vector<TokenId>& ids) {
  for (const TokenId id : ids) {
    if (id < 0 || static_cast<std::size_t>(id) >= t.vocab_size()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const SpmTokenizer& plain = tokenizer(false);
  const std::vector<TokenId> ids = plain.encode(text, true);
  check_ids(plain, ids);
  if (ids.empty() || ids.front() != plain.bos_id()) std::abort();
  if (plain.decode(ids) != spaces_for_meta(text)) std::abort();
  // BOS is never produced from text.
  for (std::size_t i = 1; i < ids.size(); ++i) {
    if (ids[i] == plain.bos_id()) std::abort();
  }

  const SpmTokenizer& special = tokenizer(true);
  const std::vector<TokenId> split = special.encode(text, false);
  check_ids(special, split);
  const std::string decoded = special.decode(split);
  if (special.encode(text, false) != split) std::abort();  // deterministic
  if (decoded.size() > 2 * text.size() + 3) std::abort();  // at most one added space per fragment
  return 0;
}
