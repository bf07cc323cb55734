// Whitespace handling as jinja2 does it with trim_blocks=True, lstrip_blocks=True (Hugging Face's settings).
#include "chat/jinja/lexer.hpp"

#include <gtest/gtest.h>

#include "render_helper.hpp"

namespace sovra::chat::jinja {
namespace {

using testing::render;

TEST(JinjaLexer, TrimBlocksDropsTheNewlineAfterABlockTag) {
  EXPECT_EQ(render("{% if true %}\nyes\n{% endif %}\nafter"), "yes\nafter");
  EXPECT_EQ(render("{# comment #}\nx"), "x");
}

TEST(JinjaLexer, TrimBlocksLeavesExpressionsAlone) { EXPECT_EQ(render("{{ 'a' }}\nb"), "a\nb"); }

TEST(JinjaLexer, LstripBlocksDropsIndentBeforeBlockTags) {
  EXPECT_EQ(render("x\n    {% if true %}\n    y\n    {% endif %}\nz"), "x\n    y\nz");
  EXPECT_EQ(render("  {% if true %}a{% endif %}"), "a");
  // Not at a line start: text before the tag on the same line keeps its spaces.
  EXPECT_EQ(render("a  {% if true %}b{% endif %}"), "a  b");
  // Expressions are not lstripped.
  EXPECT_EQ(render("x\n  {{ 'v' }}"), "x\n  v");
}

TEST(JinjaLexer, PlusDisablesLstrip) { EXPECT_EQ(render("x\n  {%+ if true %}y{% endif %}"), "x\n  y"); }

TEST(JinjaLexer, MinusStripsAllWhitespaceOnThatSide) {
  EXPECT_EQ(render("a  \n\n  {{- 'b' -}}  \n\n  c"), "abc");
  EXPECT_EQ(render("a\n{%- if true -%}\n\n b {%- endif %}"), "ab");
}

TEST(JinjaLexer, OneTrailingNewlineOfTheSourceIsDropped) {
  EXPECT_EQ(render("a\n"), "a");
  EXPECT_EQ(render("a\n\n"), "a\n");
}

TEST(JinjaLexer, CrlfBecomesLf) { EXPECT_EQ(render("a\r\nb\rc"), "a\nb\nc"); }

TEST(JinjaLexer, RawBlocksAreLiteral) {
  EXPECT_EQ(render("{% raw %}{{ x }}{% endraw %}"), "{{ x }}");
  // trim_blocks does not apply after `{% raw %}`; `-` does.
  EXPECT_EQ(render("{% raw %}\n {{ x }}\n{% endraw %}"), "\n {{ x }}\n");
  EXPECT_EQ(render("{% raw -%}\n {{ x }}\n{%- endraw %}"), "{{ x }}");
}

TEST(JinjaLexer, StringEscapesAndAdjacentLiterals) {
  EXPECT_EQ(render(R"({{ "a\nb\t\u00e5\x41" 'c' }})"), "a\nb\tåAc");
}

TEST(JinjaLexer, BracesInsideExpressionsDoNotEndTheTag) { EXPECT_EQ(render("{{ {'a': {'b': 1}}['a']['b'] }}"), "1"); }

TEST(JinjaLexer, TokensCarryLineNumbers) {
  const auto tokens = tokenize("a\n{{ x }}\n\n{% if y %}");
  ASSERT_GE(tokens.size(), 4u);
  EXPECT_EQ(tokens[1].type, TokenType::kVarBegin);
  EXPECT_EQ(tokens[1].line, 2);
  int if_line = 0;
  for (const auto& t : tokens) {
    if (t.type == TokenType::kName && t.text == "if") if_line = t.line;
  }
  EXPECT_EQ(if_line, 4);
}

TEST(JinjaLexer, UnterminatedConstructsAreSyntaxErrors) {
  EXPECT_TRUE(testing::starts_with(render("{{ x "), "ERROR: TemplateSyntaxError"));
  EXPECT_TRUE(testing::starts_with(render("{# x "), "ERROR: TemplateSyntaxError"));
  EXPECT_TRUE(testing::starts_with(render("{{ 'abc }}"), "ERROR: TemplateSyntaxError"));
  EXPECT_TRUE(testing::starts_with(render("{{ a ? b }}"), "ERROR: TemplateSyntaxError"));
}

}  // namespace
}  // namespace sovra::chat::jinja
