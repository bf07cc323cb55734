#include "engine/sampling/grammar/constraint.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/json.hpp"
#include "engine/sampling/grammar/json_schema.hpp"
#include "engine/sampling/grammar/token_trie.hpp"
#include "test_vocab.hpp"

namespace sovra::sampling::grammar {
namespace {

using testing::json_test_vocab;
using testing::kTestControl;
using testing::kTestEos;

std::shared_ptr<const TokenTrie> make_trie(const std::vector<std::string>& vocab) {
  const std::vector<TokenId> excluded{kTestControl};
  auto trie = TokenTrie::create({.tokens = vocab, .eos = kTestEos, .excluded = excluded});
  EXPECT_TRUE(trie) << trie.error().message;
  return std::make_shared<const TokenTrie>(std::move(trie).value());
}

std::shared_ptr<const Grammar> schema_grammar(std::string_view schema) {
  auto v = parse_json(schema);
  EXPECT_TRUE(v);
  auto g = compile_json_schema(*v);
  EXPECT_TRUE(g) << g.error().message;
  return *g;
}

TEST(TokenTrie, PreOrderSubtreesAndTokenRanges) {
  const std::vector<std::string> vocab = {"", "ab", "a", "b", "abc", "ab", "ctl"};
  const std::vector<TokenId> excluded{6};
  auto trie = TokenTrie::create({.tokens = vocab, .eos = 0, .excluded = excluded});
  ASSERT_TRUE(trie) << trie.error().message;
  // root, a, ab, abc, b
  ASSERT_EQ(trie->nodes().size(), 5u);
  const auto& n = trie->nodes();
  EXPECT_EQ(n[0].subtree_end, 5u);
  EXPECT_EQ(n[1].byte, 'a');
  EXPECT_EQ(n[1].subtree_end, 4u);
  EXPECT_EQ(n[2].tokens_end - n[2].tokens_begin, 2u);  // "ab" twice: ids 1 and 5
  EXPECT_EQ(n[4].byte, 'b');
  EXPECT_EQ(n[4].depth, 1u);
  EXPECT_EQ(trie->max_depth(), 3u);
  EXPECT_TRUE(trie->is_excluded(6));
  EXPECT_TRUE(trie->is_excluded(0));  // EOS is handled apart
  EXPECT_EQ(trie->token_bytes(4), "abc");
}

TEST(GrammarConstraint, OtherEndTokensActLikeEos) {
  auto vocab = json_test_vocab();
  vocab.push_back("");  // a chat template's end-of-turn marker
  const auto im_end = static_cast<TokenId>(vocab.size() - 1);
  const std::vector<TokenId> ends{im_end};
  auto trie = TokenTrie::create({.tokens = vocab, .eos = kTestEos, .end_tokens = ends});
  ASSERT_TRUE(trie) << trie.error().message;
  const auto shared = std::make_shared<const TokenTrie>(std::move(trie).value());
  GrammarConstraint c(schema_grammar(R"({"type":"null"})"), shared);
  TokenMask mask;
  c.fill_mask(mask);
  EXPECT_FALSE(mask.allowed(im_end));
  EXPECT_FALSE(c.accept(im_end));
  ASSERT_TRUE(c.accept_text("null"));
  c.fill_mask(mask);
  EXPECT_EQ(mask.count(), 2u);
  EXPECT_TRUE(mask.allowed(im_end));
  EXPECT_TRUE(mask.allowed(kTestEos));
  ASSERT_TRUE(c.accept(im_end));
  EXPECT_TRUE(c.finished());
}

TEST(TokenTrie, RefusesBadIds) {
  const std::vector<std::string> vocab = {"a"};
  EXPECT_FALSE(TokenTrie::create({.tokens = vocab, .eos = 3}));
  const std::vector<TokenId> excluded{-1};
  EXPECT_FALSE(TokenTrie::create({.tokens = vocab, .excluded = excluded}));
  EXPECT_FALSE(TokenTrie::create({.tokens = {}}));
  const std::vector<TokenId> ends{5};
  EXPECT_FALSE(TokenTrie::create({.tokens = vocab, .end_tokens = ends}));
}

// The trie walk must allow exactly the tokens a brute-force check (clone the matcher, feed the token) allows.
void expect_mask_matches_brute_force(GrammarConstraint& c, const std::vector<std::string>& vocab) {
  TokenMask mask;
  c.fill_mask(mask);
  ASSERT_EQ(mask.size(), vocab.size());
  for (TokenId t = 0; t < static_cast<TokenId>(vocab.size()); ++t) {
    bool expected = false;
    if (t == kTestEos) {
      expected = c.is_complete();
    } else if (t != kTestControl && !vocab[static_cast<std::size_t>(t)].empty()) {
      GrammarMatcher m = c.matcher();
      expected = m.accept_bytes(vocab[static_cast<std::size_t>(t)]);
    }
    ASSERT_EQ(mask.allowed(t), expected) << "token " << t << " '" << vocab[static_cast<std::size_t>(t)] << "'";
  }
}

TEST(GrammarConstraint, MaskEqualsBruteForceAlongRandomWalks) {
  const auto vocab = json_test_vocab();
  const auto trie = make_trie(vocab);
  const auto grammar = schema_grammar(R"({"type":"object","properties":{
      "name":{"type":"string","maxLength":6},"tags":{"type":"array","items":{"enum":["red","green","blue"]}},
      "n":{"type":["number","null"]}},"required":["name","tags","n"],"additionalProperties":false})");
  std::mt19937 rng(7);
  for (int walk = 0; walk < 20; ++walk) {
    GrammarConstraint c(grammar, trie);
    TokenMask mask;
    for (int step = 0; step < 60 && !c.finished(); ++step) {
      expect_mask_matches_brute_force(c, vocab);
      c.fill_mask(mask);
      std::vector<TokenId> allowed;
      for (TokenId t = 0; t < static_cast<TokenId>(vocab.size()); ++t) {
        if (mask.allowed(t)) allowed.push_back(t);
      }
      ASSERT_FALSE(allowed.empty()) << "dead end at step " << step;
      const TokenId pick = allowed[rng() % allowed.size()];
      ASSERT_TRUE(c.accept(pick));
    }
  }
}

TEST(GrammarConstraint, EosOnlyWhenCompleteAndRefusedTokensLeaveStateAlone) {
  const auto vocab = json_test_vocab();
  const auto trie = make_trie(vocab);
  GrammarConstraint c(schema_grammar(R"({"type":"boolean"})"), trie);
  EXPECT_FALSE(c.accept(kTestEos));
  EXPECT_FALSE(c.accept(kTestControl));
  const auto id = [&](std::string_view s) {
    return static_cast<TokenId>(std::find(vocab.begin(), vocab.end(), s) - vocab.begin());
  };
  EXPECT_FALSE(c.accept(id("null")));
  ASSERT_TRUE(c.accept(id("t")));
  ASSERT_TRUE(c.accept(id("r")));
  EXPECT_FALSE(c.accept(id("true")));
  ASSERT_TRUE(c.accept_text("ue"));
  EXPECT_TRUE(c.only_eos());
  TokenMask mask;
  c.fill_mask(mask);
  EXPECT_EQ(mask.count(), 1u);
  EXPECT_TRUE(mask.allowed(kTestEos));
  ASSERT_TRUE(c.accept(kTestEos));
  EXPECT_TRUE(c.finished());
  c.fill_mask(mask);
  EXPECT_EQ(mask.count(), 0u);
  EXPECT_FALSE(c.accept(id("t")));
}

TEST(GrammarConstraint, CopiesForkIndependently) {
  const auto vocab = json_test_vocab();
  const auto trie = make_trie(vocab);
  GrammarConstraint a(schema_grammar(R"({"type":"array","items":{"type":"integer"}})"), trie);
  ASSERT_TRUE(a.accept_text("[1"));
  GrammarConstraint b = a;
  ASSERT_TRUE(a.accept_text("]"));
  EXPECT_TRUE(a.only_eos());
  EXPECT_FALSE(b.is_complete());
  ASSERT_TRUE(b.accept_text(",2]"));
  EXPECT_TRUE(b.is_complete());
}

}  // namespace
}  // namespace sovra::sampling::grammar
