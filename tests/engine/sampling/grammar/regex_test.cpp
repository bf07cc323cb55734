#include "engine/sampling/grammar/regex.hpp"

#include <gtest/gtest.h>

#include "engine/sampling/grammar/matcher.hpp"

namespace sovra::sampling::grammar {
namespace {

// The grammar of a JSON string (quotes included) whose value matches `pattern`, or the error.
Result<std::shared_ptr<const Grammar>> quoted(std::string_view pattern) {
  GrammarBuilder b;
  JsonTerminals terms(b);
  SOVRA_TRY(const RuleId body, compile_pattern(b, terms, pattern));
  const RuleId root = b.add("root", {{lit("\""), ref(body), lit("\"")}});
  SOVRA_TRY(Grammar g, std::move(b).build(root));
  return std::make_shared<const Grammar>(std::move(g));
}

bool matches(std::string_view pattern, std::string_view json_string) {
  auto g = quoted(pattern);
  EXPECT_TRUE(g) << g.error().message;
  if (!g) return false;
  GrammarMatcher m(*g);
  return m.accept_bytes(json_string) && m.is_complete();
}

TEST(Regex, QuantifiersAndAlternation) {
  EXPECT_TRUE(matches("^a{2,3}(b|cd)*$", R"("aacdbcd")"));
  EXPECT_FALSE(matches("^a{2,3}(b|cd)*$", R"("acd")"));
  EXPECT_FALSE(matches("^a{2,3}(b|cd)*$", R"("aaaab")"));
  EXPECT_TRUE(matches("^x+?y??$", R"("xxx")"));
  EXPECT_TRUE(matches("^a{2,}$", R"("aaaaa")"));
  EXPECT_TRUE(matches("^a{,2}$", R"("a{,2}")"));  // not a quantifier: literal, as ECMAScript reads it
}

TEST(Regex, ClassesEscapesAndDot) {
  EXPECT_TRUE(matches(R"(^[\d\-]+\s\w$)", R"("12-3 _")"));
  EXPECT_TRUE(matches(R"(^[^a-c]$)", "\"\xC3\xA9\""));
  EXPECT_FALSE(matches(R"(^[^a-c]$)", R"("b")"));
  EXPECT_TRUE(matches(R"(^\u00e9\x41$)",
                      "\"\xC3\xA9"
                      "A\""));
  EXPECT_TRUE(matches("^.$", R"("\t")"));
  EXPECT_FALSE(matches("^.$", R"("\n")"));
  EXPECT_TRUE(matches(R"(^\.\*$)", R"(".*")"));
}

TEST(Regex, SearchSemanticsWithoutAnchors) {
  EXPECT_TRUE(matches("b", R"("abc")"));
  EXPECT_TRUE(matches("^a", R"("a and more \" \\ \u1234")"));
  EXPECT_FALSE(matches("^a", R"("ba")"));
  EXPECT_TRUE(matches("z$", R"("...z")"));
}

TEST(Regex, UnsupportedConstructsNameWhereTheyAre) {
  for (const auto& [pattern, what] : std::vector<std::pair<const char*, const char*>>{
           {"(?=a)", "lookaround"},
           {"(a)\\1", "escape \\1"},
           {"a\\b", "word boundaries"},
           {"a^b", "anchors"},
           {"[b-a]", "out of order"},
           {"(ab", "missing ')'"},
           {"ab)", "unmatched ')'"},
           {"[ab", "missing ']'"},
           {"+a", "nothing to repeat"},
           {"a{1001}", "above 1000"},
           {"a\\", "ends with a backslash"},
           {"\\ud800", "surrogate"},
       }) {
    auto g = quoted(pattern);
    ASSERT_FALSE(g) << pattern;
    EXPECT_NE(g.error().message.find(what), std::string::npos) << pattern << ": " << g.error().message;
    EXPECT_NE(g.error().message.find("at character"), std::string::npos) << g.error().message;
  }
  EXPECT_FALSE(quoted("\xFF"));
}

}  // namespace
}  // namespace sovra::sampling::grammar
