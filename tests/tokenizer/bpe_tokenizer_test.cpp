#include "tokenizer/bpe_tokenizer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tokenizer/byte_level.hpp"

namespace sovra::tokenizer {
namespace {

// All 256 bytes (ids 0-255, byte-level text), then merges, then added tokens.
BpeVocab small_vocab(std::string pre = "gpt-2") {
  BpeVocab v;
  for (int b = 0; b < 256; ++b) v.tokens.push_back(to_byte_level(std::string(1, static_cast<char>(b))));
  v.types.assign(256, TokenType::kNormal);
  const auto add = [&v](std::string_view raw, TokenType type = TokenType::kNormal) {
    v.tokens.push_back(type == TokenType::kNormal ? to_byte_level(raw) : std::string(raw));
    v.types.push_back(type);
    return static_cast<TokenId>(v.tokens.size() - 1);
  };
  // Merge order (rank): "l l", "h e", "he ll", "hell o", " h", " hello".
  for (const auto& [l, r] : std::vector<std::pair<std::string, std::string>>{
           {"l", "l"}, {"h", "e"}, {"he", "ll"}, {"hell", "o"}, {" ", "h"}, {" h", "ello"}}) {
    v.merges.push_back(to_byte_level(l) + " " + to_byte_level(r));
  }
  add("ll");                               // 256
  add("he");                               // 257
  add("hell");                             // 258
  add("hello");                            // 259
  add(" h");                               // 260
  add(" hello");                           // 261 (unreachable: " h" + "ello" is no pair of tokens)
  add("<|bos|>", TokenType::kControl);     // 262
  add("<|eos|>", TokenType::kControl);     // 263
  add("<tool>", TokenType::kUserDefined);  // 264
  add("hellohello");                       // 265: a whole word, for ignore_merges
  v.bos_id = 262;
  v.eos_id = 263;
  v.pre = std::move(pre);
  return v;
}

const BpeTokenizer& tok() {
  static const BpeTokenizer t = std::move(BpeTokenizer::create(small_vocab())).value();
  return t;
}

using Ids = std::vector<TokenId>;

TEST(TokenizerBpe, MergesByRank) {
  EXPECT_EQ(tok().encode("hello", false), Ids({259}));
  // "h e" outranks " h", so " hello" keeps its space apart; " hi" has no better merge than " h".
  EXPECT_EQ(tok().encode("hello hello", false), Ids({259, ' ', 259}));
  EXPECT_EQ(tok().encode(" hi", false), Ids({260, 'i'}));
  EXPECT_EQ(tok().decode(tok().encode("hello hello", false)), "hello hello");
}

TEST(TokenizerBpe, SpecialTokensOnlyWhenAsked) {
  const std::string text = "<|bos|>hello<tool>";
  const Ids plain = tok().encode(text, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 262), 0);  // control token text stays text
  EXPECT_EQ(plain.back(), 264);                               // user-defined tokens are always matched
  EXPECT_EQ(tok().decode(plain), text);
  EXPECT_EQ(tok().encode(text, {.parse_special = true}), Ids({262, 259, 264}));
  EXPECT_EQ(tok().encode("hello", {.add_bos = true, .add_eos = true}), Ids({262, 259, 263}));
  EXPECT_EQ(tok().decode(Ids{262, 259, 263}), "hello");  // control tokens decode to nothing
  EXPECT_EQ(tok().token_text(262), "<|bos|>");
}

TEST(TokenizerBpe, IgnoreMergesEmitsWholeWords) {
  const auto llama = BpeTokenizer::create(small_vocab("llama-bpe"));
  ASSERT_TRUE(llama) << llama.error().message;
  EXPECT_EQ(llama->encode("hellohello", false), Ids({265}));
  EXPECT_EQ(tok().encode("hellohello", false), Ids({259, 259}));  // gpt-2 merges it
}

TEST(TokenizerBpe, InvalidUtf8AndAllBytesRoundTrip) {
  std::mt19937 rng(7);
  std::string junk;
  for (int i = 0; i < 20000; ++i) junk += static_cast<char>(rng() & 0xFF);
  const Ids ids = tok().encode(junk, false);
  for (const TokenId id : ids) ASSERT_TRUE(id >= 0 && static_cast<std::size_t>(id) < tok().vocab_size());
  EXPECT_EQ(tok().decode(ids), junk);
}

TEST(TokenizerBpe, LongPreTokensStayFast) {
  // One pre-token of 1 MB ("l" run): the merge queue is O(n log n); a quadratic loop would not finish.
  const std::string run(1 << 20, 'l');
  const Ids ids = tok().encode(run, false);
  EXPECT_EQ(ids.size(), run.size() / 2);
  EXPECT_EQ(tok().decode(ids), run);
}

TEST(TokenizerBpe, BadVocabulariesAreErrors) {
  BpeVocab empty;
  EXPECT_FALSE(BpeTokenizer::create(empty));
  auto bad_pre = small_vocab("no-such-pre");
  EXPECT_EQ(BpeTokenizer::create(bad_pre).error().code, ErrorCode::kInvalidArgument);
  auto bad_bos = small_vocab();
  bad_bos.bos_id = 100000;
  EXPECT_EQ(BpeTokenizer::create(bad_bos).error().code, ErrorCode::kCorruptData);
  auto bad_merge = small_vocab();
  bad_merge.merges.push_back("nospace");
  EXPECT_EQ(BpeTokenizer::create(bad_merge).error().code, ErrorCode::kCorruptData);
  auto unknown_merge = small_vocab();
  unknown_merge.merges.push_back("zz qq");  // parts that are no tokens: ignored
  EXPECT_TRUE(BpeTokenizer::create(unknown_merge));
}

}  // namespace
}  // namespace sovra::tokenizer
