// Filters, including tojson with the arguments Hugging Face's override accepts.
#include <gtest/gtest.h>

#include "render_helper.hpp"

namespace sovra::chat::jinja {
namespace {

using testing::render;

constexpr const char* kTool = R"({"t": {"name": "f", "desc": "Ünïcode \"q\"\n", "n": [1, 2.5, null, true]}})";

TEST(JinjaFilters, TojsonMatchesPythonJsonDumps) {
  EXPECT_EQ(render("{{ t|tojson }}", kTool), R"({"name": "f", "desc": "Ünïcode \"q\"\n", "n": [1, 2.5, null, true]})");
  EXPECT_EQ(render("{{ t|tojson(ensure_ascii=true) }}", kTool),
            R"({"name": "f", "desc": "\u00dcn\u00efcode \"q\"\n", "n": [1, 2.5, null, true]})");
  EXPECT_EQ(render("{{ t.n|tojson(indent=2) }}", kTool), "[\n  1,\n  2.5,\n  null,\n  true\n]");
  EXPECT_EQ(render("{{ {'b': 1, 'a': {}}|tojson(sort_keys=true, separators=(',', ':')) }}"), R"({"a":{},"b":1})");
  EXPECT_EQ(render("{{ {'a': []}|tojson(indent='\t') }}"), "{\n\t\"a\": []\n}");
  EXPECT_TRUE(testing::starts_with(render("{{ undef|tojson }}"), "ERROR: TypeError: Object of type Undefined"));
  EXPECT_TRUE(testing::starts_with(render("{{ [1]|map('string')|tojson }}"), "ERROR: TypeError: Object of type generator"));
}

TEST(JinjaFilters, StringFilters) {
  EXPECT_EQ(render("{{ '  a b  '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ 'hello world'|title }}|{{ 'hELLO'|capitalize }}"),
            "a b|a|Hello World|Hello");
  EXPECT_EQ(render("{{ 'aaa'|replace('a', 'b', 2) }}|{{ 'ab'|upper }}{{ 'AB'|lower }}|{{ 'a b  c'|wordcount }}"),
            "bba|ABab|3");
  EXPECT_EQ(render("{{ 'a\nb\n\nc'|indent(2) }}|{{ 'a\nb'|indent(2, first=true) }}"), "a\n  b\n\n  c|  a\n  b");
  EXPECT_EQ(render("{{ '<a href=\"x\">'|e }}"), "&lt;a href=&#34;x&#34;&gt;");
  EXPECT_EQ(render("{{ 42|string ~ '' }}|{{ '%s=%s'|format('a', 1) }}"), "42|a=1");
}

TEST(JinjaFilters, NumbersAndDefaults) {
  EXPECT_EQ(render("{{ '42'|int + 1 }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ '3.9'|int }}|{{ 3.9|int }}|{{ '2.5'|float }}"),
            "43|0|7|3|3|2.5");
  EXPECT_EQ(render("{{ -3|abs }}|{{ 2.5|round }}|{{ 3.14159|round(2) }}|{{ 2.1|round(0, 'ceil') }}"), "3|2.0|3.14|3.0");
  EXPECT_EQ(render("{{ undef|default('d') }}|{{ ''|default('d') }}|{{ ''|default('d', true) }}|{{ none|d('x') }}"),
            "d||d|None");
}

TEST(JinjaFilters, Sequences) {
  const char* ctx = R"({"l": [{"n": "b", "v": 2}, {"n": "a", "v": 1}, {"n": "c"}]})";
  EXPECT_EQ(render("{{ l|length }}{{ l|first|tojson }}{{ (l|last).n }}{{ [3, 1, 2]|sort }}{{ [3,1]|sort(reverse=true) }}", ctx),
            R"(3{"n": "b", "v": 2}c[1, 2, 3][3, 1])");
  EXPECT_EQ(render("{{ l|map(attribute='n')|join(',') }}|{{ l|selectattr('v')|map(attribute='n')|list }}|"
                   "{{ l|rejectattr('v', 'defined')|map(attribute='n')|first }}|{{ l|sort(attribute='n')|map(attribute='n')|join }}", ctx),
            "b,a,c|['b', 'a']|c|abc");
  EXPECT_EQ(render("{{ [1, 2, 3, 4]|select('even')|list }}{{ [1, 2, 3]|reject('equalto', 2)|list }}{{ ['a', 'A', 'b']|unique|list }}"),
            "[2, 4][1, 3]['a', 'b']");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2}|dictsort }}{{ {'b': 1, 'a': 2}|items|list }}{{ 'ab'|list }}"),
            "[('a', 2), ('b', 1)][('b', 1), ('a', 2)]['a', 'b']");
  EXPECT_EQ(render("{{ [1, 2, 3]|sum }}{{ [3, 1]|min }}{{ [3, 1]|max }}{{ [1, 2, 3]|batch(2)|list }}{{ [1, 2]|reverse|list }}"),
            "613[[1, 2], [3]][2, 1]");
  EXPECT_EQ(render("{{ ['x', 1]|map('string')|join('-') }}|{{ none|selectattr('a')|list }}"), "x-1|[]");
}

TEST(JinjaFilters, UnknownFilterFailsWhenUsed) {
  EXPECT_EQ(render("{% if false %}{{ x|nope }}{% endif %}ok"), "ok");
  EXPECT_EQ(render("{{ x|nope }}"), "ERROR: TemplateRuntimeError: No filter named 'nope'. (template line 1)");
}

TEST(JinjaFilters, LengthOfNonSizedValuesIsATypeError) {
  EXPECT_TRUE(testing::starts_with(render("{{ 5|length }}"), "ERROR: TypeError: object of type 'int' has no len()"));
  EXPECT_EQ(render("{{ undef|length }}"), "0");
}

}  // namespace
}  // namespace sovra::chat::jinja
