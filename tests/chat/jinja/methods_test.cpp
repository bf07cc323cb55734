// Tests (`is ...`), methods of str/list/dict values, and the global functions.
#include <gtest/gtest.h>

#include "render_helper.hpp"

namespace sovra::chat::jinja {
namespace {

using testing::render;

TEST(JinjaTests, TypeTestsFollowPython) {
  const char* ctx = R"({"s": "x", "i": 1, "f": 1.5, "b": true, "n": null, "l": [], "d": {}})";
  EXPECT_EQ(render("{{ s is string }}{{ i is number }}{{ b is number }}{{ b is integer }}{{ i is integer }}"
                   "{{ f is float }}{{ b is boolean }}{{ n is none }}{{ l is sequence }}{{ d is mapping }}",
                   ctx),
            "TrueTrueTrueFalseTrueTrueTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ s is iterable }}{{ i is iterable }}{{ u is iterable }}{{ u is defined }}{{ u is undefined }}"
                   "{{ l is mapping }}{{ b is true }}{{ i is true }}{{ n is not none }}",
                   ctx),
            "TrueFalseTrueFalseTrueFalseTrueFalseFalse");
  EXPECT_EQ(render("{{ namespace() is mapping }}{{ range is callable }}{{ 's'.upper is callable }}"), "FalseTrueTrue");
}

TEST(JinjaTests, ValueTests) {
  EXPECT_EQ(render("{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(2) }}{{ 'a' is equalto 'a' }}"
                   "{{ 2 is eq 3 }}{{ 2 is in [1, 2] }}{{ 3 is gt 2 }}{{ 'abc' is lower }}"),
            "TrueTrueTrueFalseTrueFalseTrueTrueTrue");
  EXPECT_EQ(render("{{ x is nope }}"), "ERROR: TemplateRuntimeError: No test named 'nope'. (template line 1)");
}

TEST(JinjaMethods, StringMethods) {
  EXPECT_EQ(render("{{ '  a  '.strip() }}|{{ 'xxaxx'.lstrip('x') }}|{{ 'xxaxx'.rstrip('x') }}|{{ 'a,b,,c'.split(',') }}|"
                   "{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}"),
            "a|axx|xxa|['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|['a b', 'c']");
  EXPECT_EQ(render("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'abc'.find('c') }}{{ 'abc'.find('z') }}"
                   "{{ 'aXa'.count('a') }}{{ 'ab'.replace('a', 'c') }}{{ 'hello world'.title() }}{{ 'x'.upper() }}"),
            "TrueTrue2-12cbHello WorldX");
  EXPECT_EQ(render("{{ 'a\\nb\\r\\nc'.splitlines() }}|{{ '{} and {name}'.format(1, name='n') }}|{{ '-'.join(['a', 'b']) }}"),
            "['a', 'b', 'c']|1 and n|a-b");
}

TEST(JinjaMethods, DictAndListMethods) {
  const char* ctx = R"({"d": {"a": 1, "b": 2}})";
  EXPECT_EQ(render("{{ d.items()|list }}{{ d.keys()|list }}{{ d.values()|list }}{{ d.get('a') }}{{ d.get('z') }}"
                   "{{ d.get('z', 0) }}",
                   ctx),
            "[('a', 1), ('b', 2)]['a', 'b'][1, 2]1None0");
  EXPECT_EQ(render("{% set ns = namespace(l=[1]) %}{% set _ = ns.l.append(2) %}{{ ns.l.pop(0) }}{{ ns.l }}"), "1[2]");
  EXPECT_TRUE(testing::starts_with(render("{{ d.update({}) }}", ctx), "ERROR: TemplateRuntimeError: access to attribute 'update'"));
}

TEST(JinjaGlobals, RangeNamespaceDictRaiseAndTime) {
  EXPECT_EQ(render("{{ range(3)|list }}{{ range(1, 7, 2)|list }}{{ range(3, 0, -1)|list }}"), "[0, 1, 2][1, 3, 5][3, 2, 1]");
  EXPECT_EQ(render("{{ dict(a=1)|tojson }}{{ namespace(x=1).x }}"), R"({"a": 1}1)");
  EXPECT_EQ(render("line1\n{{ raise_exception('bad role') }}"), "ERROR: TemplateError: bad role (template line 2)");
  EXPECT_EQ(render("{{ strftime_now('%Y-%m-%d %H:%M %B %-d') }}", "{}", {.now_unix_seconds = 1795685400}),
            "2026-11-26 09:30 November 26");
}

}  // namespace
}  // namespace sovra::chat::jinja
