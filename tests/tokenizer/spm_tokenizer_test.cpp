#include "tokenizer/spm_tokenizer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <thread>
#include <vector>

#include "spm_test_vocab.hpp"

namespace sovra::tokenizer {
namespace {

using testing::kByteBase;
using testing::small_vocab;

SpmTokenizer make(const SpmVocab& vocab) {
  auto t = SpmTokenizer::create(vocab);
  EXPECT_TRUE(t) << t.error().message;
  return std::move(t).value();
}

std::vector<std::string> texts(const SpmTokenizer& t, const std::vector<TokenId>& ids) {
  std::vector<std::string> out;
  for (TokenId id : ids) out.emplace_back(t.token_text(id));
  return out;
}

using Texts = std::vector<std::string>;

TEST(TokenizerSpm, MergesTheHighestScoringPairFirst) {
  const SpmTokenizer t = make(small_vocab());
  // "▁abc": "bc" (-0.5) beats "ab" (-1); "▁a" (-2) follows; "▁abc" is no token.
  EXPECT_EQ(texts(t, t.encode("abc", false)), (Texts{"▁a", "bc"}));
  EXPECT_EQ(texts(t, t.encode("ab", false)), (Texts{"▁ab"}));  // ab, then ▁ + ab = ▁ab (-0.1)
  EXPECT_EQ(texts(t, t.encode("hello world", false)), (Texts{"▁hello", "▁world"}));
}

TEST(TokenizerSpm, EqualScoresMergeLeftmostFirst) {
  const SpmTokenizer t = make(small_vocab());
  // "xx" (-3) everywhere: the leftmost pair merges first, leaving the third "x" alone.
  EXPECT_EQ(texts(t, t.encode("xxx", false)), (Texts{"▁", "xx", "x"}));
  EXPECT_EQ(texts(t, t.encode("xxxx", false)), (Texts{"▁", "xx", "xx"}));
  // "th" beats the tied "he" by position; the queued "he" is then stale and skipped, and "▁th", "▁the" follow.
  EXPECT_EQ(texts(t, t.encode("the end", false)), (Texts{"▁the", "▁", "en", "d"}));
}

TEST(TokenizerSpm, SpacesBecomeTheMetaSymbolWithAPrefix) {
  const SpmTokenizer t = make(small_vocab());
  EXPECT_EQ(texts(t, t.encode(" ", false)), (Texts{"▁▁"}));
  EXPECT_EQ(texts(t, t.encode("a  b", false)), (Texts{"▁a", "▁▁", "b"}));
  EXPECT_TRUE(t.encode("", false).empty());
  EXPECT_EQ(t.encode("", true), (std::vector<TokenId>{1}));
  EXPECT_EQ(t.encode("ab", true), (std::vector<TokenId>{1, t.find("▁ab")}));
  SpmVocab no_prefix = small_vocab();
  no_prefix.add_space_prefix = false;
  const SpmTokenizer np = make(no_prefix);
  EXPECT_EQ(texts(np, np.encode("ab c", false)), (Texts{"ab", "▁", "c"}));
  EXPECT_EQ(np.decode(np.encode(" ab", false)), " ab");  // nothing to strip either
}

TEST(TokenizerSpm, UnknownCharactersFallBackToBytes) {
  const SpmTokenizer t = make(small_vocab());
  // "é" is U+00E9 = C3 A9; "€" = E2 82 AC.
  const std::vector<TokenId> ids = t.encode("é€", false);
  EXPECT_EQ(ids, (std::vector<TokenId>{t.find("▁"), kByteBase + 0xC3, kByteBase + 0xA9, kByteBase + 0xE2,
                                       kByteBase + 0x82, kByteBase + 0xAC}));
  EXPECT_EQ(t.decode(ids), "é€");
  // Without byte tokens the unknown token stands in for each byte.
  SpmVocab no_bytes;
  no_bytes.tokens = {"<unk>", "<s>", "</s>", "▁", "a"};
  no_bytes.types = {TokenType::kUnknown, TokenType::kControl, TokenType::kControl, TokenType::kNormal,
                    TokenType::kNormal};
  no_bytes.unk_id = 0;
  no_bytes.bos_id = 1;
  no_bytes.eos_id = 2;
  const SpmTokenizer nb = make(no_bytes);
  EXPECT_EQ(nb.encode("aé", false), (std::vector<TokenId>{3, 4, 0, 0}));
  EXPECT_EQ(nb.decode(nb.encode("aé", false)), "a\xE2\x96\x85\xE2\x96\x85");  // "a▅▅", as llama.cpp prints it
}

TEST(TokenizerSpm, DecodeStripsThePrefixSkipsControlAndJoinsBytes) {
  const SpmTokenizer t = make(small_vocab());
  const TokenId hello = t.find("▁hello");
  const TokenId world = t.find("▁world");
  EXPECT_EQ(t.decode(std::vector<TokenId>{1, hello, world, 2}), "hello world");
  EXPECT_EQ(t.decode(std::vector<TokenId>{hello, world}), "hello world");
  EXPECT_EQ(t.decode(std::vector<TokenId>{1, 1, hello}), "hello");
  // Only the first piece of text loses its space; out-of-range ids are skipped.
  EXPECT_EQ(t.decode(std::vector<TokenId>{-5, world, 100000, hello}), "world hello");
  EXPECT_EQ(t.decode(std::vector<TokenId>{kByteBase + 'x', hello}), "x hello");
  EXPECT_EQ(t.token_to_piece(hello), " hello");
  EXPECT_EQ(t.token_to_piece(1), "");
  EXPECT_EQ(t.token_to_piece(kByteBase + 0x0A), "\n");
  EXPECT_EQ(t.token_to_piece(-1), "");
  EXPECT_EQ(t.token_to_piece(static_cast<TokenId>(t.vocab_size())), "");
}

TEST(TokenizerSpm, UserDefinedTokensAreCutOutControlTokensAreNot) {
  const SpmTokenizer t = make(small_vocab());
  const TokenId user = t.find("<|u|>");
  ASSERT_NE(user, kNoToken);
  // The fragment after a user-defined token gets the space prefix again, as in llama.cpp.
  EXPECT_EQ(texts(t, t.encode("ab<|u|>ab", false)), (Texts{"▁ab", "<|u|>", "▁ab"}));
  EXPECT_EQ(t.encode("<|u|>", false), (std::vector<TokenId>{user}));
  // The longest user-defined token wins where two overlap.
  EXPECT_EQ(texts(t, t.encode("<|u|>x|>", false)), (Texts{"<|u|>x|>"}));
  // "<s>" in text is characters, never BOS, even when merges lead to its text.
  SpmVocab v = small_vocab();
  for (const char* text : {"<", "s", ">", "<s", "<0", "<0x", "<0x4", "<0x41", "<u", "<un", "<unk"}) {
    v.tokens.emplace_back(text);
    v.scores.push_back(0.0f);
    v.types.push_back(TokenType::kNormal);
  }
  const SpmTokenizer merging = make(v);
  for (const char* text : {"<s>", "<0x41>", "<unk>"}) {
    const std::vector<TokenId> ids = merging.encode(text, false);
    EXPECT_EQ(ids.size(), 3u) << text;  // "▁", the longest normal prefix, ">"
    for (const TokenId id : ids) EXPECT_EQ(merging.token_type(id), TokenType::kNormal) << text;
    EXPECT_EQ(merging.decode(ids), text);
  }
}

TEST(TokenizerSpm, ParseSpecialTurnsControlTextIntoTokensAndEosIsAppended) {
  const SpmTokenizer t = make(small_vocab());
  const std::vector<TokenId> plain = t.encode("<s>ab</s>", false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), t.bos_id()), 0);
  const std::vector<TokenId> parsed = t.encode("<s>ab</s>", {.parse_special = true});
  EXPECT_EQ(texts(t, parsed), (Texts{"<s>", "▁ab", "</s>"}));
  const std::vector<TokenId> wrapped = t.encode("ab", {.add_bos = true, .add_eos = true});
  EXPECT_EQ(wrapped.front(), t.bos_id());
  EXPECT_EQ(wrapped.back(), t.eos_id());
  EXPECT_EQ(t.encode("", {.add_eos = true}), (std::vector<TokenId>{t.eos_id()}));
}

TEST(TokenizerSpm, DuplicateTextsResolveToTheLastId) {
  SpmVocab v = small_vocab();
  v.tokens.push_back("▁hello");
  v.scores.push_back(-0.05f);
  v.types.push_back(TokenType::kNormal);
  const SpmTokenizer t = make(v);
  EXPECT_EQ(t.find("▁hello"), static_cast<TokenId>(v.tokens.size() - 1));
  EXPECT_EQ(t.encode("hello", false), (std::vector<TokenId>{static_cast<TokenId>(v.tokens.size() - 1)}));
}

TEST(TokenizerSpm, CreateRejectsInconsistentVocabularies) {
  EXPECT_EQ(SpmTokenizer::create(SpmVocab{}).error().code, ErrorCode::kCorruptData);
  SpmVocab scores = small_vocab();
  scores.scores.pop_back();
  EXPECT_EQ(SpmTokenizer::create(scores).error().code, ErrorCode::kCorruptData);
  SpmVocab types = small_vocab();
  types.types.push_back(TokenType::kNormal);
  EXPECT_EQ(SpmTokenizer::create(types).error().code, ErrorCode::kCorruptData);
  SpmVocab bos = small_vocab();
  bos.bos_id = static_cast<TokenId>(bos.tokens.size());
  auto r = SpmTokenizer::create(bos);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("BOS"), std::string::npos) << r.error().message;
  SpmVocab minimal;
  minimal.tokens = {"a"};
  auto m = SpmTokenizer::create(minimal);  // no scores, no types, no special tokens: all defaults
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->bos_id(), kNoToken);
  EXPECT_EQ(m->encode("a", true), (std::vector<TokenId>{0}));  // no BOS to add; "▁" and bytes unknown: dropped
}

TEST(TokenizerSpm, ConcurrentEncodesAgree) {
  const SpmTokenizer t = make(small_vocab());
  const std::string text = "hello world abc xxx é the end";
  const std::vector<TokenId> expected = t.encode(text, true);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 200; ++n) {
        if (t.encode(text, true) != expected || t.decode(expected) != text) ++mismatches[static_cast<std::size_t>(i)];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace sovra::tokenizer
