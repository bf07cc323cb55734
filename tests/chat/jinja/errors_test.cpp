// Undefined semantics as jinja2's default Undefined, error messages with template lines, and the limits that
// stop hostile templates.
#include <gtest/gtest.h>

#include "render_helper.hpp"

namespace sovra::chat::jinja {
namespace {

using testing::render;
using testing::starts_with;

TEST(JinjaUndefined, PrintsEmptyIsFalsyButFailsOnUse) {
  EXPECT_EQ(render("[{{ u }}]{{ u|length }}{% if not u %}f{% endif %}{{ u ~ 'x' }}{{ d.missing }}", R"({"d": {}})"), "[]0fx");
  EXPECT_EQ(render("{{ u.attr }}"), "ERROR: UndefinedError: 'u' is undefined (template line 1)");
  EXPECT_EQ(render("\n\n{{ d.k.x }}", R"({"d": {}})"), "ERROR: UndefinedError: 'dict object' has no attribute 'k' (template line 3)");
  EXPECT_TRUE(starts_with(render("{{ u + 1 }}"), "ERROR: UndefinedError"));
  EXPECT_TRUE(starts_with(render("{{ u() }}"), "ERROR: UndefinedError"));
  EXPECT_TRUE(starts_with(render("{{ u < 1 }}"), "ERROR: UndefinedError"));
}

TEST(JinjaUndefined, NoneAttributesAreUndefinedNotErrors) {
  EXPECT_EQ(render("{{ n.x is defined }}{{ (5).real is defined }}", R"({"n": null})"), "FalseFalse");
}

TEST(JinjaErrors, TypeErrorsNameTheLine) {
  EXPECT_EQ(render("a\nb\n{% for x in 5 %}{% endfor %}"), "ERROR: TypeError: 'int' object is not iterable (template line 3)");
  EXPECT_EQ(render("{{ 'a' - 1 }}"), "ERROR: TypeError: unsupported operand type(s) for -: 'str' and 'int' (template line 1)");
}

TEST(JinjaLimits, InfiniteWorkIsStopped) {
  RenderOptions small{.limits = {.max_steps = 20000}};
  EXPECT_TRUE(starts_with(render("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}", "{}", small),
                          "ERROR: LimitError: template exceeded its step limit"));
  EXPECT_TRUE(starts_with(render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"), "ERROR: LimitError: macro calls nested too deeply"));
  EXPECT_TRUE(starts_with(render("{{ range(100000000) }}"), "ERROR: LimitError"));
}

TEST(JinjaLimits, HugeOutputIsStopped) {
  RenderOptions small{.limits = {.max_output_bytes = 1000}};
  EXPECT_TRUE(starts_with(render("{{ 'x' * 100000 }}", "{}", small), "ERROR: LimitError"));
  EXPECT_TRUE(starts_with(render("{% set ns = namespace(s='xx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "{}", small),
                          "ERROR: LimitError"));
  EXPECT_TRUE(starts_with(render("{% for i in range(2000) %}x{% endfor %}", "{}", small), "ERROR: LimitError"));
}

TEST(JinjaLimits, DeepNestingIsASyntaxErrorNotACrash) {
  std::string deep(5000, '(');
  EXPECT_TRUE(starts_with(render("{{ " + deep + " }}"), "ERROR: TemplateSyntaxError"));
  std::string ifs;
  for (int i = 0; i < 500; ++i) ifs += "{% if true %}";
  EXPECT_TRUE(starts_with(render(ifs), "ERROR: TemplateSyntaxError"));
}

TEST(JinjaLimits, SelfReferenceIsRefused) {
  EXPECT_TRUE(starts_with(render("{% set ns = namespace() %}{% set ns.me = ns %}"), "ERROR: TemplateRuntimeError: a value cannot contain itself"));
  EXPECT_TRUE(starts_with(render("{% set ns = namespace(l=[]) %}{% do ns.l.append(ns.l) %}"), "ERROR: TemplateRuntimeError"));
  EXPECT_TRUE(starts_with(render("{% set ns = namespace(l=[]) %}{% do ns.l.append([ns]) %}"), "ERROR: TemplateRuntimeError"));
}

TEST(JinjaLimits, DeeplyNestedValuesFailCleanly) {
  // Each namespace store walks the stored value for cycles, so a quadratic build runs into the step limit.
  RenderOptions small{.limits = {.max_steps = 200000}};
  EXPECT_TRUE(starts_with(render("{% set ns = namespace(v=[]) %}{% for i in range(200000) %}{% set ns.v = [ns.v] %}{% endfor %}ok",
                                 "{}", small),
                          "ERROR: LimitError"));
}

TEST(JinjaValue, DeeplyNestedValuesAreFreedWithoutRecursion) {
  // 100k nested lists: freeing them recursively would take about 10 MB of stack and overflow it.
  Value v = Value::list();
  for (int i = 0; i < 100000; ++i) v = Value::list({v});
  v = Value(None{});
  Value d = Value::dict();
  for (int i = 0; i < 100000; ++i) {
    Value outer = Value::dict();
    outer.as_dict().set("k", d);
    d = outer;
  }
  d = Value(None{});
  SUCCEED();
}

}  // namespace
}  // namespace sovra::chat::jinja
