// Expressions: operators with Python semantics and jinja2's precedence, literals, subscripts and slices, and
// the way values print (Python str()).
#include <gtest/gtest.h>

#include "render_helper.hpp"

namespace sovra::chat::jinja {
namespace {

using testing::render;

TEST(JinjaExpressions, Arithmetic) {
  EXPECT_EQ(render("{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}"),
            "7|9|3|-4|1|2");
  EXPECT_EQ(render("{{ 7 / 2 }}|{{ 4 / 2 }}|{{ 2 ** 10 }}|{{ 2 ** -1 }}|{{ 1.5 + 1 }}|{{ -3 }}"),
            "3.5|2.0|1024|0.5|2.5|-3");
  EXPECT_EQ(render("{{ 1 / 0 }}").rfind("ERROR: TypeError: division by zero", 0), 0u);
}

TEST(JinjaExpressions, StringOperators) {
  EXPECT_EQ(render("{{ 'a' + 'b' }}|{{ 'a' ~ 1 ~ none ~ true }}|{{ 'ab' * 3 }}|{{ '%s-%d' % ('x', 5) }}"),
            "ab|a1NoneTrue|ababab|x-5");
  EXPECT_EQ(render("{{ 'a' + {} }}"), "ERROR: TypeError: can only concatenate str (not \"dict\") to str (template line 1)");
}

TEST(JinjaExpressions, ComparisonsAndMembership) {
  EXPECT_EQ(render("{{ 1 == 1.0 }}{{ true == 1 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}{{ 2 >= 3 }}"),
            "TrueTrueTrueTrueFalse");
  EXPECT_EQ(render("{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 'z' not in 'abc' }}{{ 'x' in undef }}"),
            "TrueTrueTrueTrueFalse");
}

TEST(JinjaExpressions, ChainedComparisons) {
  EXPECT_EQ(render("{{ 1 < 2 < 3 }}{{ 3 > 2 > 1 }}{{ 1 < 3 < 2 }}{{ 1 == 1 == 1 }}"), "TrueTrueFalseTrue");
}

TEST(JinjaExpressions, LogicReturnsOperandsAndTernary) {
  EXPECT_EQ(render("{{ 0 or 'x' }}|{{ 'a' and 'b' }}|{{ not none }}|{{ 'y' if 1 > 2 else 'n' }}|{{ 'y' if false }}|"),
            "x|b|True|n||");
  // `not` binds looser than comparisons and tests.
  EXPECT_EQ(render("{{ not x is defined }}{{ not 1 == 2 }}"), "TrueTrue");
}

TEST(JinjaExpressions, FiltersApplyAfterUnaryMinusButBeforeConcat) {
  // jinja2 parses `-x|abs` as `(-x)|abs`.
  EXPECT_EQ(render("{{ -x|abs }}|{{ 'a' ~ ' b '|trim }}|{{ [1,2,3]|length > 2 }}", R"({"x": 3})"), "3|ab|True");
}

TEST(JinjaExpressions, SubscriptsAndSlices) {
  const char* ctx = R"({"l": [1, 2, 3, 4, 5], "s": "häj!", "d": {"k": "v", "items": 3}})";
  EXPECT_EQ(render("{{ l[0] }}{{ l[-1] }}{{ l[1:3] }}{{ l[::-1] }}{{ l[::2] }}{{ l[10] is undefined }}", ctx),
            "15[2, 3][5, 4, 3, 2, 1][1, 3, 5]True");
  EXPECT_EQ(render("{{ s[1] }}|{{ s[-1] }}|{{ s[:2] }}|{{ s[::-1] }}|{{ s|length }}", ctx), "ä|!|hä|!jäh|4");
  EXPECT_EQ(render("{{ d.k }}{{ d['k'] }}{{ d.missing is defined }}{{ d['items'] }}", ctx), "vvFalse3");
  EXPECT_EQ(render("{{ l.0 }}", ctx), "1");
}

TEST(JinjaExpressions, LiteralsPrintAsPython) {
  EXPECT_EQ(render("{{ [1, 'a', none, true, 1.5, {'k': [2]}] }}"), "[1, 'a', None, True, 1.5, {'k': [2]}]");
  EXPECT_EQ(render("{{ (1, 2) }}|{{ \"it's\" }}|{{ [\"it's\"] }}|{{ ['a\\nb'] }}"), "(1, 2)|it's|[\"it's\"]|['a\\nb']");
  EXPECT_EQ(render("{{ 1e-05 }}|{{ 1e16 }}|{{ 0.1 + 0.2 }}|{{ 100.0 }}"), "1e-05|1e+16|0.30000000000000004|100.0");
}

TEST(JinjaExpressions, DictWithIntegerKeys) {
  EXPECT_EQ(render("{% set d = {1: 'a', 2: 'b'} %}{{ d[2] }}{{ d }}{{ d|tojson }}"), "b{1: 'a', 2: 'b'}{\"1\": \"a\", \"2\": \"b\"}");
}

TEST(JinjaExpressions, MarkupAdditionEscapesThePlainOperand) {
  EXPECT_EQ(render("{{ 'a\"'|safe + '<b>' }}|{{ '<b>' ~ ('x'|safe) }}"), "a\"&lt;b&gt;|<b>x");
}

}  // namespace
}  // namespace sovra::chat::jinja
