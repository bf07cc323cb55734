// UnigramTokenizer: normalization, the best-scoring segmentation (checked against an exhaustive search over all
// segmentations of short texts), unknown characters, special tokens and decode.
#include "tokenizer/unigram_tokenizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "tokenizer/sp_charsmap_builder.hpp"

namespace sovra::tokenizer {
namespace {

const std::string kS = "\xE2\x96\x81";  // ▁

UnigramVocab vocab() {
  UnigramVocab v;
  auto add = [&](std::string t, float score, TokenType type = TokenType::kNormal) {
    v.tokens.push_back(std::move(t));
    v.scores.push_back(score);
    v.types.push_back(type);
  };
  add("<s>", 0, TokenType::kControl);     // 0
  add("<pad>", 0, TokenType::kControl);   // 1
  add("</s>", 0, TokenType::kControl);    // 2
  add("<unk>", 0, TokenType::kUnknown);   // 3
  add(kS, -2.0f);                         // 4
  add(kS + "hello", -5.0f);               // 5
  add(kS + "he", -3.0f);                  // 6
  add("llo", -3.5f);                      // 7
  add("l", -4.0f);                        // 8
  add("o", -4.0f);                        // 9
  add("h", -4.5f);                        // 10
  add("e", -4.5f);                        // 11
  add(kS + "world", -6.0f);               // 12
  add("wor", -4.0f);                      // 13
  add("ld", -3.0f);                       // 14
  add("w", -5.0f);                        // 15
  add("r", -5.0f);                        // 16
  add("d", -5.0f);                        // 17
  add(kS + "w", -3.0f);                   // 18
  add("<mask>", 0, TokenType::kUserDefined);  // 19
  add("\xC3\xA4", -4.0f);                 // 20 "ä"
  add(kS + "\xC3\xA4r", -4.0f);           // 21 "▁är"
  v.bos_id = 0;
  v.eos_id = 2;
  v.unk_id = 3;
  v.add_bos = true;
  v.add_eos = true;
  return v;
}

// Best total score over all segmentations of `s` into candidate tokens (no unknowns), by exhaustive recursion.
double brute_best(const UnigramVocab& v, std::string_view s) {
  if (s.empty()) return 0.0;
  double best = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < v.tokens.size(); ++i) {
    if (v.types[i] != TokenType::kNormal && v.types[i] != TokenType::kUserDefined) continue;
    if (s.starts_with(v.tokens[i])) {
      const double sc = v.types[i] == TokenType::kUserDefined ? 0.0 : v.scores[i];
      best = std::max(best, sc + brute_best(v, s.substr(v.tokens[i].size())));
    }
  }
  return best;
}

TEST(UnigramTokenizer, BestSegmentationAndSpecials) {
  const auto v = vocab();
  auto t = UnigramTokenizer::create(v);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->encode("hello world", false), (std::vector<TokenId>{5, 12}));
  EXPECT_EQ(t->encode("hello", EncodeOptions{.add_bos = true, .add_eos = true}), (std::vector<TokenId>{0, 5, 2}));
  EXPECT_EQ(t->encode("  hello    world  ", false), t->encode("hello world", false));
  // Without a precompiled charsmap only ' ' is whitespace (as in SentencePiece); tabs stay and are unknown here.
  EXPECT_EQ(t->encode("hello\tworld", false), (std::vector<TokenId>{5, 3, 13, 14}));
  EXPECT_EQ(t->normalize("  a  b "), kS + "a" + kS + "b");
  EXPECT_EQ(t->encode("hello<mask>world", false), (std::vector<TokenId>{5, 19, 12}));
  // Control text is plain text unless parse_special.
  EXPECT_EQ(t->encode("</s>", EncodeOptions{.parse_special = true}), (std::vector<TokenId>{2}));
  EXPECT_NE(t->encode("</s>", false), (std::vector<TokenId>{2}));
  EXPECT_EQ(t->encode("är", false), (std::vector<TokenId>{21}));
  EXPECT_EQ(t->decode(t->encode("hello world", true)), "hello world");
  EXPECT_EQ(t->decode(std::vector<TokenId>{5, 12}), "hello world");
}

TEST(UnigramTokenizer, MatchesExhaustiveSearchOnEveryShortText) {
  const auto v = vocab();
  auto t = UnigramTokenizer::create(v);
  ASSERT_TRUE(t);
  const std::string alphabet = "helowrd";
  // Every text of up to 5 letters from the alphabet (those the vocabulary covers without unknowns).
  std::function<void(std::string)> walk = [&](std::string s) {
    if (!s.empty()) {
      const std::string norm = t->normalize(s);
      const double want = brute_best(v, norm);
      if (std::isfinite(want)) {
        const auto ids = t->encode(s, false);
        double got = 0;
        std::string joined;
        for (auto id : ids) {
          got += t->score(id);
          joined += v.tokens[static_cast<std::size_t>(id)];
        }
        EXPECT_EQ(joined, norm) << s;
        EXPECT_NEAR(got, want, 1e-9) << s;
      }
    }
    if (s.size() == 5) return;
    for (char c : alphabet) walk(s + c);
  };
  walk("");
}

TEST(UnigramTokenizer, UnknownCharactersMergeIntoOneUnknownToken) {
  auto t = UnigramTokenizer::create(vocab());
  ASSERT_TRUE(t);
  // "▁" then "xyz" (no token starts with x, y or z): one <unk>.
  EXPECT_EQ(t->encode("xyz", false), (std::vector<TokenId>{4, 3}));
  EXPECT_EQ(t->encode("hello xyz", false), (std::vector<TokenId>{5, 4, 3}));
  // Invalid UTF-8 never crashes and is covered by unknowns.
  const auto ids = t->encode(std::string("\xFF\xFE hello \xC3"), false);
  EXPECT_FALSE(ids.empty());
  EXPECT_TRUE(t->encode("", false).empty());
  EXPECT_TRUE(t->encode("   ", false).empty());
}

TEST(UnigramTokenizer, AppliesThePrecompiledCharsmap) {
  auto v = vocab();
  // ﬁ -> "fi" is not in the vocabulary, so use rules that land on it: Ｈ -> h, \t and \n -> ' ', ä (decomposed) -> ä.
  v.precompiled_charsmap = testing::build_charsmap({{"\xEF\xBC\xA8", "h"}, {"\t", " "}, {"\n", " "},
                                                    {"a\xCC\x88", "\xC3\xA4"}});
  auto t = UnigramTokenizer::create(v);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->encode("\xEF\xBC\xA8\x65llo\t\n world", false), t->encode("hello world", false));
  EXPECT_EQ(t->encode("a\xCC\x88r", false), (std::vector<TokenId>{21}));
  EXPECT_EQ(t->normalize("\t\xEF\xBC\xA8\xFF"), kS + "h\xEF\xBF\xBD");
  // A broken table is refused when the tokenizer is built.
  v.precompiled_charsmap = {8, 0, 0, 0, 1};
  const auto broken = UnigramTokenizer::create(v);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("charsmap"), std::string::npos) << broken.error().message;
}

TEST(UnigramTokenizer, CreateChecksTheVocabulary) {
  auto v = vocab();
  v.scores.pop_back();
  EXPECT_FALSE(UnigramTokenizer::create(v));
  v = vocab();
  v.unk_id = 1000;
  EXPECT_FALSE(UnigramTokenizer::create(v));
}

}  // namespace
}  // namespace sovra::tokenizer
