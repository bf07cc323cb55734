#include "tokenizer/wordpiece_tokenizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sovra::tokenizer {
namespace {

const WordPieceTokenizer& tok() {
  static const WordPieceTokenizer t = [] {
    WordPieceVocab v;
    v.tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "▁hello", "▁world", "ing", "▁play",
                "▁,",    "▁!",    "▁中",   "▁文",   "▁cafe",  "s",      "▁a"};
    v.types.assign(v.tokens.size(), TokenType::kNormal);
    for (int i : {0, 2, 3}) v.types[static_cast<std::size_t>(i)] = TokenType::kControl;
    v.unk_id = 1;
    v.bos_id = 2;
    v.eos_id = 3;
    return std::move(WordPieceTokenizer::create(v)).value();
  }();
  return t;
}

using Ids = std::vector<TokenId>;

TEST(TokenizerWordPiece, GreedyLongestPrefixWithContinuations) {
  EXPECT_EQ(tok().encode("playing hello", false), Ids({7, 6, 4}));
  EXPECT_EQ(tok().encode("plays", false), Ids({7, 13}));
  EXPECT_EQ(tok().encode("playx", false), Ids({1}));  // an unmatched rest makes the whole word unknown
  EXPECT_EQ(tok().decode(Ids{7, 6, 4}), "playing hello");
}

TEST(TokenizerWordPiece, NormalizesLikeBert) {
  EXPECT_EQ(tok().encode("HELLO,World!", false), Ids({4, 8, 5, 9}));  // lowercase, punctuation split off
  EXPECT_EQ(tok().encode("Café", false), Ids({12}));                  // accents stripped (NFD, no Mn)
  EXPECT_EQ(tok().encode("中文", false), Ids({10, 11}));              // CJK ideographs are words
  EXPECT_EQ(tok().encode("hel\x01lo\xFF", false), Ids({4}));          // control characters and bad bytes dropped
  EXPECT_EQ(tok().encode(std::string(101, 'a'), false), Ids({1}));    // over 100 characters
}

TEST(TokenizerWordPiece, ClsSepAndParseSpecial) {
  EXPECT_EQ(tok().encode("hello", {.add_bos = true, .add_eos = true}), Ids({2, 4, 3}));
  EXPECT_EQ(tok().encode("[CLS]hello", {.parse_special = true}), Ids({2, 4}));
  EXPECT_NE(tok().encode("[CLS]hello", false).front(), 2);
}

TEST(TokenizerWordPiece, HostileInputNoCrash) {
  std::string junk;
  for (int i = 0; i < 200000; ++i) junk += static_cast<char>((i * 131) % 256);
  const Ids ids = tok().encode(junk, true);
  for (const TokenId id : ids) ASSERT_TRUE(id >= 0 && static_cast<std::size_t>(id) < tok().vocab_size());
}

}  // namespace
}  // namespace sovra::tokenizer
