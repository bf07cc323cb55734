// Fuzzes the Unigram tokenizer with arbitrary bytes (invalid UTF-8, whitespace runs, special-token texts): every id
// is in range, no two unknown tokens are adjacent (without parse_special), and for text without unknown characters the concatenated token
// texts are exactly the normalized input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "tokenizer/unigram_tokenizer.hpp"

namespace {

using sovra::tokenizer::TokenId;
using sovra::tokenizer::TokenType;
using sovra::tokenizer::UnigramTokenizer;
using sovra::tokenizer::UnigramVocab;

const UnigramTokenizer& tokenizer() {
  static const UnigramTokenizer t = [] {
    UnigramVocab v;
    const auto add = [&v](std::string text, float score, TokenType type) {
      v.tokens.push_back(std::move(text));
      v.scores.push_back(score);
      v.types.push_back(type);
    };
    add("<s>", 0, TokenType::kControl);
    add("<pad>", 0, TokenType::kControl);
    add("</s>", 0, TokenType::kControl);
    add("<unk>", 0, TokenType::kUnknown);
    for (const char* c : {"▁", "a", "b", "c", "é", "€", "▁a", "ab", "abc", "▁abc", "cc", "▁▁"}) {
      add(c, -static_cast<float>(std::string_view(c).size()), TokenType::kNormal);
    }
    add("<mask>", 0, TokenType::kUserDefined);
    v.bos_id = 0;
    v.eos_id = 2;
    v.unk_id = 3;
    return std::move(UnigramTokenizer::create(v)).value();
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto& t = tokenizer();
  for (bool special : {false, true}) {
    const auto ids = t.encode(text, sovra::tokenizer::EncodeOptions{.add_bos = true, .add_eos = true, .parse_special = special});
    TokenId prev = -1;
    for (TokenId id : ids) {
      if (id < 0 || static_cast<std::size_t>(id) >= t.vocab_size()) std::abort();
      // Unknown characters merge into one token; only a literal "<unk>" parsed as special may sit beside one.
      if (!special && id == t.unk_id() && prev == t.unk_id()) std::abort();
      prev = id;
    }
    (void)t.decode(ids);
  }
  // Text made only of covered characters round-trips through the token texts.
  if (text.find_first_not_of("abc ") == std::string_view::npos) {
    const auto ids = t.encode(text, false);
    std::string joined;
    for (TokenId id : ids) joined += t.token_text(id);
    if (joined != t.normalize(text)) std::abort();
  }
  return 0;
}
