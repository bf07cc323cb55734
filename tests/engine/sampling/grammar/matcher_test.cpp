#include "engine/sampling/grammar/matcher.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "engine/sampling/grammar/grammar_builder.hpp"

namespace sovra::sampling::grammar {
namespace {

// root ::= "say " word ("," word)* "!"      word ::= [a-zé€😀]+
std::shared_ptr<const Grammar> words_grammar() {
  GrammarBuilder b;
  const RuleId letters = b.repeat("word", {cls({{'a', 'z'}, {U'é', U'é'}, {U'€', U'€'}, {U'😀', U'😀'}})}, 1, kUnbounded);
  const RuleId list = b.repeat("list", {ref(letters)}, 1, kUnbounded, {lit(",")});
  const RuleId root = b.add("root", {{lit("say "), ref(list), lit("!")}});
  auto g = std::move(b).build(root);
  EXPECT_TRUE(g) << g.error().message;
  return std::make_shared<const Grammar>(std::move(g).value());
}

TEST(GrammarMatcher, AcceptsSentencesAndDetectsCompletion) {
  GrammarMatcher m(words_grammar());
  EXPECT_FALSE(m.is_complete());
  EXPECT_TRUE(m.can_continue());
  ASSERT_TRUE(m.accept_bytes("say ab,c"));
  EXPECT_FALSE(m.is_complete());
  ASSERT_TRUE(m.accept_bytes("!"));
  EXPECT_TRUE(m.is_complete());
  EXPECT_FALSE(m.can_continue());
  EXPECT_FALSE(m.accept_bytes("x"));
}

TEST(GrammarMatcher, RejectsWithoutChangingState) {
  GrammarMatcher m(words_grammar());
  ASSERT_TRUE(m.accept_bytes("say a"));
  EXPECT_FALSE(m.accept_bytes("bc,,"));  // fails on the second comma: nothing of it sticks
  EXPECT_FALSE(m.accept_bytes("A"));
  EXPECT_TRUE(m.accept_bytes("b!"));
  EXPECT_TRUE(m.is_complete());
}

TEST(GrammarMatcher, MultiByteCharactersMaySplitAcrossCalls) {
  GrammarMatcher m(words_grammar());
  ASSERT_TRUE(m.accept_bytes("say "));
  const std::string euro = "\xE2\x82\xAC";       // €
  const std::string smile = "\xF0\x9F\x98\x80";  // 😀
  ASSERT_TRUE(m.accept_bytes(euro.substr(0, 1)));
  ASSERT_TRUE(m.accept_bytes(euro.substr(1, 1)));
  EXPECT_FALSE(m.accept_bytes("!"));  // mid-character: '!' cannot come now
  ASSERT_TRUE(m.accept_bytes(euro.substr(2)));
  ASSERT_TRUE(m.accept_bytes(smile.substr(0, 3)));
  ASSERT_TRUE(m.accept_bytes(smile.substr(3) + "\xC3\xA9!"));
  EXPECT_TRUE(m.is_complete());
}

TEST(GrammarMatcher, RejectsPrefixesOfCharactersOutsideTheClass) {
  GrammarMatcher m(words_grammar());
  ASSERT_TRUE(m.accept_bytes("say "));
  ASSERT_TRUE(m.accept_bytes("\xC3"));   // the lead byte of é (C3 A9)
  EXPECT_FALSE(m.accept_bytes("\xA8"));  // è (C3 A8) is not a member
  EXPECT_TRUE(m.accept_bytes("\xA9"));
  GrammarMatcher n(words_grammar());
  ASSERT_TRUE(n.accept_bytes("say "));
  EXPECT_FALSE(n.accept_bytes("\xC4"));          // no member starts with C4
  EXPECT_FALSE(n.accept_bytes("\xE2\x82\xAD"));  // U+20AD is not a member
  EXPECT_FALSE(n.accept_bytes("\xC0\x80"));      // overlong
  EXPECT_FALSE(n.accept_bytes("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(n.accept_bytes("\x80"));          // stray continuation byte
  EXPECT_TRUE(n.accept_bytes("\xC3\xA9"));
}

TEST(GrammarMatcher, CopiesAreIndependentSnapshots) {
  GrammarMatcher a(words_grammar());
  ASSERT_TRUE(a.accept_bytes("say x"));
  GrammarMatcher b = a;
  ASSERT_TRUE(a.accept_bytes("!"));
  ASSERT_TRUE(b.accept_bytes(",y"));
  EXPECT_TRUE(a.is_complete());
  EXPECT_FALSE(b.is_complete());
  ASSERT_TRUE(b.accept_bytes("!"));
  EXPECT_TRUE(b.is_complete());
}

TEST(GrammarMatcher, LongRepetitionKeepsTheArenaSmall) {
  GrammarMatcher m(words_grammar());
  ASSERT_TRUE(m.accept_bytes("say "));
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(m.accept_bytes(i % 7 == 6 ? "," : "q"));
  // Tail calls keep the stack flat: the live nodes do not grow with the output.
  EXPECT_LT(m.nodes().size(), 16u);
  ASSERT_TRUE(m.accept_bytes("q!"));
  EXPECT_TRUE(m.is_complete());
}

TEST(GrammarMatcher, AmbiguousAlternativesRunInParallel) {
  GrammarBuilder b;
  const RuleId root = b.add("root", {{lit("ab"), lit("c")}, {lit("a"), lit("bd")}, {lit("abc"), lit("e")}});
  auto g = std::move(b).build(root);
  ASSERT_TRUE(g);
  auto shared = std::make_shared<const Grammar>(std::move(g).value());
  GrammarMatcher m(shared);
  ASSERT_TRUE(m.accept_bytes("ab"));
  EXPECT_EQ(m.heads().size(), 3u);  // at the "c" of two alternatives and at the "d" of the third
  GrammarMatcher c = m;
  ASSERT_TRUE(c.accept_bytes("c"));
  EXPECT_TRUE(c.is_complete());
  EXPECT_TRUE(c.can_continue());  // "abce" is still possible
  ASSERT_TRUE(m.accept_bytes("d"));
  EXPECT_TRUE(m.is_complete());
  EXPECT_FALSE(m.can_continue());
}

}  // namespace
}  // namespace sovra::sampling::grammar
