#include "engine/sampling/grammar/grammar_builder.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "engine/sampling/grammar/matcher.hpp"

namespace sovra::sampling::grammar {
namespace {

bool matches(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  GrammarMatcher m(g);
  return m.accept_bytes(text) && m.is_complete();
}

std::shared_ptr<const Grammar> build(GrammarBuilder b, RuleId root) {
  auto g = std::move(b).build(root);
  EXPECT_TRUE(g) << g.error().message;
  return std::make_shared<const Grammar>(std::move(g).value());
}

TEST(GrammarBuilder, PrintsRulesAsGbnfLikeText) {
  GrammarBuilder b;
  const RuleId digit = b.add("digit", {{cls({{'0', '9'}})}});
  const RuleId root = b.add("root", {{lit("a"), ref(digit)}, {}});
  auto g = build(std::move(b), root);
  EXPECT_EQ(g->to_text(), "digit ::= [0-9]\nroot ::= \"a\" digit | \"\"\n");
}

TEST(GrammarBuilder, NegatedClassExcludesSurrogatesAndListedRanges) {
  const CharClass c = CharClass::from_ranges({{'"', '"'}, {0, 0x1F}}, true);
  EXPECT_FALSE(c.contains('"'));
  EXPECT_FALSE(c.contains(0x1F));
  EXPECT_TRUE(c.contains('a'));
  EXPECT_TRUE(c.contains(0x10FFFF));
  EXPECT_FALSE(c.contains(0xD800));
  EXPECT_FALSE(c.intersects(0xD800, 0xDFFF));
  EXPECT_TRUE(c.intersects(0xD7FF, 0xD800));
}

TEST(GrammarBuilder, RepeatHonoursBoundsAndSeparator) {
  GrammarBuilder b;
  const RuleId list = b.repeat("list", {cls({{'a', 'z'}})}, 2, 4, {lit(",")});
  auto g = build(std::move(b), list);
  EXPECT_FALSE(matches(g, ""));
  EXPECT_FALSE(matches(g, "a"));
  EXPECT_TRUE(matches(g, "a,b"));
  EXPECT_TRUE(matches(g, "a,b,c,d"));
  EXPECT_FALSE(matches(g, "a,b,c,d,e"));
  EXPECT_FALSE(matches(g, "ab"));
  EXPECT_FALSE(matches(g, "a,b,"));
}

TEST(GrammarBuilder, UnboundedRepeatWithZeroMinimum) {
  GrammarBuilder b;
  const RuleId star = b.repeat("star", {lit("ab")}, 0, kUnbounded);
  auto g = build(std::move(b), star);
  EXPECT_TRUE(matches(g, ""));
  EXPECT_TRUE(matches(g, "ababab"));
  EXPECT_FALSE(matches(g, "aba"));
}

TEST(GrammarBuilder, RefusesUndefinedRules) {
  GrammarBuilder b;
  const RuleId missing = b.declare("missing");
  const RuleId root = b.add("root", {{ref(missing)}});
  auto g = std::move(b).build(root);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("'missing' is never defined"), std::string::npos) << g.error().message;
}

TEST(GrammarBuilder, RefusesLeftRecursionThroughNullablePrefix) {
  GrammarBuilder b;
  const RuleId opt = b.add("opt", {{lit("x")}, {}});
  const RuleId root = b.declare("root");
  b.define(root, {{ref(opt), ref(root), lit("a")}, {lit("b")}});
  auto g = std::move(b).build(root);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("left-recursive"), std::string::npos) << g.error().message;
}

TEST(GrammarBuilder, RightRecursionIsFine) {
  GrammarBuilder b;
  const RuleId root = b.declare("root");
  b.define(root, {{lit("("), ref(root), lit(")")}, {}});
  auto g = build(std::move(b), root);
  EXPECT_TRUE(matches(g, "((()))"));
  EXPECT_FALSE(matches(g, "(()"));
}

TEST(GrammarBuilder, RefusesARootWithNoFiniteString) {
  GrammarBuilder b;
  const RuleId root = b.declare("root");
  b.define(root, {{lit("a"), ref(root)}});
  auto g = std::move(b).build(root);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("derives no finite string"), std::string::npos) << g.error().message;
}

TEST(GrammarBuilder, DropsAlternativesThatCannotFinish) {
  // `loop` never finishes; choosing it would trap the model, so its alternative is removed.
  GrammarBuilder b;
  const RuleId loop = b.declare("loop");
  b.define(loop, {{lit("x"), ref(loop)}});
  const RuleId root = b.add("root", {{ref(loop)}, {lit("y")}});
  auto g = build(std::move(b), root);
  GrammarMatcher m(g);
  EXPECT_FALSE(m.accept_bytes("x"));
  EXPECT_TRUE(m.accept_bytes("y"));
}

TEST(GrammarBuilder, RefusesInvalidUtf8Literals) {
  GrammarBuilder b;
  const RuleId root = b.add("root", {{lit("\xC3")}});
  auto g = std::move(b).build(root);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("not valid UTF-8"), std::string::npos);
}

TEST(GrammarBuilder, OversizedRepetitionIsAnError) {
  GrammarBuilder b;
  const RuleId root = b.repeat("big", {lit("a")}, 0, kMaxBoundedRepeat + 1);
  auto g = std::move(b).build(root);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("repetition-bound-above"), std::string::npos) << g.error().message;
}

}  // namespace
}  // namespace sovra::sampling::grammar
