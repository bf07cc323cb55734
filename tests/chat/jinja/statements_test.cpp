// Statements: if/elif/else, for with loop.* and else, loop controls, set scoping, namespace, macros, call
// blocks, filter blocks, block set and the generation block.
#include <gtest/gtest.h>

#include "render_helper.hpp"

namespace sovra::chat::jinja {
namespace {

using testing::render;

TEST(JinjaStatements, IfElifElse) {
  const char* t = "{% if x > 2 %}big{% elif x > 0 %}small{% else %}none{% endif %}";
  EXPECT_EQ(render(t, R"({"x": 3})"), "big");
  EXPECT_EQ(render(t, R"({"x": 1})"), "small");
  EXPECT_EQ(render(t, R"({"x": 0})"), "none");
}

TEST(JinjaStatements, ForLoopVariables) {
  EXPECT_EQ(render("{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
                   "{{ loop.first|int }}{{ loop.last|int }}{{ loop.length }}{{ loop.previtem|default('-') }}"
                   "{{ loop.nextitem|default('-') }}{{ loop.cycle('x', 'y') }} {% endfor %}"),
            "103103-bx 212003acy 321013b-x ");
}

TEST(JinjaStatements, ForElseFilterAndUnpacking) {
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.length }}{% endfor %}"), "2242");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"), "a=1;b=2;");
  EXPECT_EQ(render("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}{% for c in 'hé' %}[{{ c }}]{% endfor %}"),
            "ab[h][é]");
  EXPECT_EQ(render("{% for x in undef %}x{% endfor %}ok"), "ok");
}

TEST(JinjaStatements, BreakAndContinue) {
  EXPECT_EQ(render("{% for x in range(10) %}{% if x == 5 %}{% break %}{% endif %}{% if x is odd %}{% continue %}"
                   "{% endif %}{{ x }}{% endfor %}"),
            "024");
}

TEST(JinjaStatements, SetInsideALoopDoesNotLeakButNamespaceDoes) {
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set ns = namespace(x=1, items=[]) %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}"
                   "{% endfor %}{{ ns.x }}"),
            "4");
  EXPECT_EQ(render("{% if true %}{% set y = 2 %}{% endif %}{{ y }}"), "2");
  EXPECT_EQ(render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(render("{% set x = 1 %}{% set x.y = 2 %}").rfind("ERROR: TemplateRuntimeError: cannot assign attribute", 0), 0u);
}

TEST(JinjaStatements, EachIterationStartsFromTheEnclosingScope) {
  // jinja2 does not carry a `set` from one iteration to the next.
  EXPECT_EQ(render("{% set a = 1 %}{% for i in [3, 1, 2] %}{% set a = a + i %}{{ a }}{% endfor %}{{ a }}"), "4231");
  EXPECT_EQ(render("{% for i in [1, 2] %}{% if loop.first %}{% set y = 5 %}{% endif %}[{{ y }}]{% endfor %}"), "[5][]");
}

TEST(JinjaStatements, BlockSetWithFilter) {
  EXPECT_EQ(render("{% set s %}\n  Hello {{ 'W' }}  \n{% endset %}[{{ s }}]"), "[  Hello W  \n]");
  EXPECT_EQ(render("{% set s | trim | upper %} hi {% endset %}[{{ s }}]"), "[HI]");
}

TEST(JinjaStatements, MacrosWithDefaultsKeywordsAndVarargs) {
  EXPECT_EQ(render("{% macro greet(name, greeting='Hi') %}{{ greeting }} {{ name }}{{ varargs }}{{ kwargs }}{% endmacro %}"
                   "{{ greet('A') }}|{{ greet('B', greeting='Yo') }}|{{ greet('C', 'Hey', 1, extra=2) }}"),
            "Hi A(){}|Yo B(){}|Hey C(1,){'extra': 2}");
  // Macros see top-level variables at call time; their own sets stay inside.
  EXPECT_EQ(render("{% macro m() %}{{ g }}{% set g = 'inner' %}{% endmacro %}{% set g = 'outer' %}{{ m() }}{{ g }}"),
            "outerouter");
  EXPECT_EQ(render("{% macro r(n) %}{{ n }}{% if n > 0 %}{{ r(n - 1) }}{% endif %}{% endmacro %}{{ r(3) }}"), "3210");
}

TEST(JinjaStatements, MacrosRefuseArgumentsTheirBodyDoesNotName) {
  // As jinja2: extra positional/keyword arguments and `caller` need varargs/kwargs/caller in the body.
  EXPECT_TRUE(testing::starts_with(render("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}"),
                                   "ERROR: TypeError: macro 'm' takes not more than 1 argument(s)"));
  EXPECT_TRUE(testing::starts_with(render("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, b=2) }}"),
                                   "ERROR: TypeError: macro 'm' was invoked with an unexpected keyword argument 'b'"));
  EXPECT_TRUE(testing::starts_with(render("{% macro m() %}x{% endmacro %}{% call m() %}y{% endcall %}"),
                                   "ERROR: TypeError"));
}

TEST(JinjaStatements, CallBlocks) {
  EXPECT_EQ(render("{% macro wrap(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro %}"
                   "{% call wrap('b') %}inside{% endcall %}"),
            "<b>inside</b>");
  EXPECT_EQ(render("{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}"
                   "{% call(item) each([1, 2]) %}({{ item }}){% endcall %}"),
            "(1)(2)");
}

TEST(JinjaStatements, FilterBlockDoAndGeneration) {
  EXPECT_EQ(render("{% filter upper %}abc{% endfilter %}"), "ABC");
  EXPECT_EQ(render("{% set ns = namespace(l=[]) %}{% do ns.l.append(1) %}{{ ns.l }}"), "[1]");
  EXPECT_EQ(render("{% generation %}text{% endgeneration %}"), "text");
}

TEST(JinjaStatements, UnknownTagsAndUnclosedBlocksAreSyntaxErrors) {
  EXPECT_EQ(render("a\n{% foo %}"), "ERROR: TemplateSyntaxError: Encountered unknown tag 'foo'. (template line 2)");
  EXPECT_TRUE(testing::starts_with(render("{% if x %}"), "ERROR: TemplateSyntaxError: unexpected end of template"));
  EXPECT_TRUE(testing::starts_with(render("{% for %}{% endfor %}"), "ERROR: TemplateSyntaxError"));
  EXPECT_TRUE(testing::starts_with(render("{% break %}"), "ERROR: TemplateSyntaxError"));
}

}  // namespace
}  // namespace sovra::chat::jinja
