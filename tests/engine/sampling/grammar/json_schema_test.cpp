#include "engine/sampling/grammar/json_schema.hpp"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>

#include <string>

#include "common/json.hpp"
#include "engine/sampling/grammar/matcher.hpp"

namespace sovra::sampling::grammar {
namespace {

std::shared_ptr<const Grammar> compile(std::string_view schema, bool strict = true) {
  auto v = parse_json(schema);
  EXPECT_TRUE(v) << v.error().message;
  auto g = compile_json_schema(*v, {.strict = strict});
  EXPECT_TRUE(g) << g.error().message;
  return g ? *g : nullptr;
}

std::string compile_error(std::string_view schema, bool strict = true) {
  auto v = parse_json(schema);
  EXPECT_TRUE(v) << v.error().message;
  auto g = compile_json_schema(*v, {.strict = strict});
  EXPECT_FALSE(g) << "compiled: " << schema;
  return g ? "" : g.error().message;
}

bool accepts(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  if (!g) return false;
  GrammarMatcher m(g);
  return m.accept_bytes(text) && m.is_complete();
}

TEST(JsonSchema, StrictObjectInDeclaredOrderWithMinimalWhitespace) {
  auto g = compile(R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},
                       "required":["name","age"],"additionalProperties":false})");
  EXPECT_TRUE(accepts(g, R"({"name":"Bob","age":42})"));
  EXPECT_TRUE(accepts(g, R"({"name": "Bob", "age": -7})"));
  EXPECT_FALSE(accepts(g, R"({"age":42,"name":"Bob"})"));  // declared order only
  EXPECT_FALSE(accepts(g, R"({"name":"Bob"})"));
  EXPECT_FALSE(accepts(g, R"({"name":"Bob","age":42,"x":1})"));
  EXPECT_FALSE(accepts(g, "{\"name\":\"Bob\",\n\"age\":42}"));
  EXPECT_FALSE(accepts(g, R"({"name":"Bob",  "age":42})"));
  EXPECT_FALSE(accepts(g, R"( {"name":"Bob","age":42})"));
  EXPECT_FALSE(accepts(g, R"({"name":"Bob","age":4.5})"));
}

TEST(JsonSchema, EnumsConstAndTypeLists) {
  auto g = compile(R"({"type":"object","properties":{
      "color":{"type":"string","enum":["red","green","blue \"b\""]},
      "mixed":{"enum":[1,"one",null,{"a":[true]}]},
      "fixed":{"const":"v1"},
      "maybe":{"type":["string","null"]}},
    "required":["color","mixed","fixed","maybe"],"additionalProperties":false})");
  EXPECT_TRUE(accepts(g, R"({"color":"red","mixed":1,"fixed":"v1","maybe":null})"));
  EXPECT_TRUE(accepts(g, R"({"color":"blue \"b\"","mixed":{"a":[true]},"fixed":"v1","maybe":"x"})"));
  EXPECT_TRUE(accepts(g, R"({"color":"green","mixed":"one","fixed":"v1","maybe":""})"));
  EXPECT_FALSE(accepts(g, R"({"color":"pink","mixed":1,"fixed":"v1","maybe":null})"));
  EXPECT_FALSE(accepts(g, R"({"color":"red","mixed":2,"fixed":"v1","maybe":null})"));
  EXPECT_FALSE(accepts(g, R"({"color":"red","mixed":1,"fixed":"v2","maybe":null})"));
  EXPECT_FALSE(accepts(g, R"({"color":"red","mixed":1,"fixed":"v1","maybe":3})"));
}

TEST(JsonSchema, NestedArraysWithBounds) {
  auto g = compile(R"({"type":"array","minItems":1,"maxItems":3,"items":{
      "type":"object","properties":{"tags":{"type":"array","items":{"type":"string"},"maxItems":2}},
      "required":["tags"],"additionalProperties":false}})");
  EXPECT_TRUE(accepts(g, R"([{"tags":[]}])"));
  EXPECT_TRUE(accepts(g, R"([{"tags":["a","b"]}, {"tags":[]},{"tags":["c"]}])"));
  EXPECT_FALSE(accepts(g, "[]"));
  EXPECT_FALSE(accepts(g, R"([{"tags":[]},{"tags":[]},{"tags":[]},{"tags":[]}])"));
  EXPECT_FALSE(accepts(g, R"([{"tags":["a","b","c"]}])"));
  EXPECT_FALSE(accepts(g, R"([{"tags":[]},])"));
}

TEST(JsonSchema, RecursiveRefToRootAndDefs) {
  auto g = compile(R"({"$defs":{"node":{"type":"object","properties":{
      "value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},
      "required":["value","children"],"additionalProperties":false}},
    "$ref":"#/$defs/node"})");
  EXPECT_TRUE(accepts(g, R"({"value":1,"children":[]})"));
  EXPECT_TRUE(accepts(g, R"({"value":1,"children":[{"value":2,"children":[{"value":3,"children":[]}]}]})"));
  EXPECT_FALSE(accepts(g, R"({"value":1,"children":[{"value":2}]})"));

  auto root = compile(R"({"type":"object","properties":{"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},
                          "required":["next"],"additionalProperties":false})");
  EXPECT_TRUE(accepts(root, R"({"next":{"next":{"next":null}}})"));
  EXPECT_FALSE(accepts(root, R"({"next":{}})"));
}

TEST(JsonSchema, AnyOfChoosesAnyBranch) {
  auto g = compile(R"({"anyOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],
      "additionalProperties":false},{"type":"object","properties":{"b":{"type":"boolean"}},"required":["b"],
      "additionalProperties":false},{"type":"number"}]})");
  EXPECT_TRUE(accepts(g, R"({"a":"x"})"));
  EXPECT_TRUE(accepts(g, R"({"b":false})"));
  EXPECT_TRUE(accepts(g, "3.25"));
  EXPECT_FALSE(accepts(g, R"({"a":true})"));
}

TEST(JsonSchema, StringFormats) {
  auto date = compile(R"({"type":"string","format":"date"})");
  EXPECT_TRUE(accepts(date, R"("2024-02-29")"));
  EXPECT_FALSE(accepts(date, R"("2024-13-01")"));
  EXPECT_FALSE(accepts(date, R"("2024-1-01")"));
  auto dt = compile(R"({"type":"string","format":"date-time"})");
  EXPECT_TRUE(accepts(dt, R"("2024-02-29T23:59:01Z")"));
  EXPECT_TRUE(accepts(dt, R"("2024-02-29T23:59:01.123+02:00")"));
  EXPECT_FALSE(accepts(dt, R"("2024-02-29T24:00:00Z")"));
  auto uuid = compile(R"({"type":"string","format":"uuid"})");
  EXPECT_TRUE(accepts(uuid, R"("123e4567-e89b-12d3-a456-426614174000")"));
  EXPECT_FALSE(accepts(uuid, R"("123e4567-e89b-12d3-a456-42661417400")"));
  auto email = compile(R"({"type":"string","format":"email"})");
  EXPECT_TRUE(accepts(email, R"("first.last+tag@mail.example-host.org")"));
  EXPECT_FALSE(accepts(email, R"("nobody@localhost")"));
  EXPECT_FALSE(accepts(email, R"("a@@b.c")"));
  auto ip = compile(R"({"type":"string","format":"ipv4"})");
  EXPECT_TRUE(accepts(ip, R"("192.168.0.255")"));
  EXPECT_FALSE(accepts(ip, R"("192.168.0.256")"));
}

TEST(JsonSchema, PatternsAnchoredAndSearched) {
  auto zip = compile(R"({"type":"string","pattern":"^[0-9]{5}(-[0-9]{4})?$"})");
  EXPECT_TRUE(accepts(zip, R"("12345")"));
  EXPECT_TRUE(accepts(zip, R"("12345-6789")"));
  EXPECT_FALSE(accepts(zip, R"("1234")"));
  EXPECT_FALSE(accepts(zip, R"("12345-")"));
  EXPECT_FALSE(accepts(zip, R"("x12345")"));
  // Unanchored: a search, anything may surround the match.
  auto search = compile(R"({"type":"string","pattern":"ab+c"})");
  EXPECT_TRUE(accepts(search, R"("xx abbbc \" yy")"));
  EXPECT_FALSE(accepts(search, R"("ac")"));
  // Characters JSON must escape are generated escaped.
  auto quote = compile(R"({"type":"string","pattern":"^\"[^\\\\]\\n$"})");
  EXPECT_TRUE(accepts(quote, R"("\"a\n")"));
  EXPECT_TRUE(accepts(quote, R"("\"\t\n")"));
  EXPECT_FALSE(accepts(quote, R"("\"\\\n")"));
  auto classes = compile(R"({"type":"string","pattern":"^\\w+@\\d{2,3}\\.(?:com|org)$"})");
  EXPECT_TRUE(accepts(classes, R"("a_b@123.org")"));
  EXPECT_FALSE(accepts(classes, R"("a-b@123.org")"));
  EXPECT_FALSE(accepts(classes, R"("ab@1.com")"));
  auto nested = compile(R"({"type":"string","pattern":"^(a*)*b$"})");
  EXPECT_TRUE(accepts(nested, R"("aaab")"));
  for (const char* bad : {R"(^(a)\1$)", "a$b", "[z-a]", "a**", "(a", "\\b", "a{2000}"}) {
    boost::json::object schema{{"type", "string"}, {"pattern", bad}};
    auto g = compile_json_schema(schema);
    EXPECT_FALSE(g) << bad;
    auto lenient = compile_json_schema(schema, {.strict = false});
    EXPECT_TRUE(lenient) << bad;  // not strict: the pattern is ignored
  }
}

TEST(JsonSchema, StringLengthCountsCodePointsAndEscapes) {
  auto g = compile(R"({"type":"string","minLength":2,"maxLength":3})");
  EXPECT_TRUE(accepts(g, R"("ab")"));
  EXPECT_TRUE(accepts(g, "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\""));  // three code points, nine bytes
  EXPECT_TRUE(accepts(g, R"("\n\u00e9")"));
  EXPECT_FALSE(accepts(g, R"("a")"));
  EXPECT_FALSE(accepts(g, R"("abcd")"));
}

TEST(JsonSchema, StringsAreAlwaysValidJsonAndUtf8) {
  auto g = compile(R"({"type":"string"})");
  EXPECT_TRUE(accepts(g, R"("tab\tquote\"slash\/\\ \uABCD")"));
  EXPECT_FALSE(accepts(g, "\"raw\x01control\""));
  EXPECT_FALSE(accepts(g, R"("\ud800")"));  // a lone surrogate escape
  EXPECT_FALSE(accepts(g, R"("\x")"));
  EXPECT_FALSE(accepts(g, "\"\xFF\""));
}

TEST(JsonSchema, NumbersAreBoundedValidJson) {
  auto n = compile(R"({"type":"number"})");
  EXPECT_TRUE(accepts(n, "-0.5e+10"));
  EXPECT_TRUE(accepts(n, "0"));
  EXPECT_FALSE(accepts(n, "01"));
  EXPECT_FALSE(accepts(n, "1."));
  EXPECT_FALSE(accepts(n, "+1"));
  EXPECT_FALSE(accepts(n, "1e999"));  // would overflow a double
  EXPECT_FALSE(accepts(n, "12345678901234567"));
  auto i = compile(R"({"type":"integer"})");
  EXPECT_TRUE(accepts(i, "-12"));
  EXPECT_FALSE(accepts(i, "1.0"));
}

TEST(JsonSchema, EnforceableNumericBounds) {
  auto small = compile(R"({"type":"integer","minimum":-3,"exclusiveMaximum":12})");
  EXPECT_TRUE(accepts(small, "-3"));
  EXPECT_TRUE(accepts(small, "11"));
  EXPECT_FALSE(accepts(small, "12"));
  EXPECT_FALSE(accepts(small, "-4"));
  auto unit = compile(R"({"type":"number","minimum":0,"maximum":1})");
  EXPECT_TRUE(accepts(unit, "0.75"));
  EXPECT_TRUE(accepts(unit, "1"));
  EXPECT_FALSE(accepts(unit, "1.5"));
  EXPECT_FALSE(accepts(unit, "-0.1"));
  auto nonneg = compile(R"({"type":"integer","minimum":0})");
  EXPECT_TRUE(accepts(nonneg, "123456"));
  EXPECT_FALSE(accepts(nonneg, "-1"));
  EXPECT_NE(compile_error(R"({"type":"integer","minimum":5})").find("'minimum'"), std::string::npos);
  EXPECT_NE(compile_error(R"({"type":"integer","minimum":5,"maximum":1})").find("admit no integer"), std::string::npos);
  EXPECT_TRUE(accepts(compile(R"({"type":"integer","minimum":5})", false), "-9"));  // not strict: ignored
}

TEST(JsonSchema, StrictModeNamesUnsupportedKeywordsAndPaths) {
  const std::string pattern =
      compile_error(R"({"type":"object","properties":{"zip":{"type":"string","pattern":"^(?=x)[0-9]+$"}},
                        "required":["zip"],"additionalProperties":false})");
  EXPECT_NE(pattern.find("'pattern'"), std::string::npos) << pattern;
  EXPECT_NE(pattern.find("lookaround"), std::string::npos) << pattern;
  EXPECT_NE(pattern.find("#/properties/zip"), std::string::npos) << pattern;
  EXPECT_NE(compile_error(R"({"oneOf":[{"type":"string"}]})").find("'oneOf'"), std::string::npos);
  EXPECT_NE(compile_error(R"({"type":"object","properties":{}})").find("additionalProperties"), std::string::npos);
  EXPECT_NE(compile_error(R"({"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false})")
                .find("#/properties/a"),
            std::string::npos);
  EXPECT_NE(compile_error(R"({"type":"string","format":"uri"})").find("'format'"), std::string::npos);
  EXPECT_NE(compile_error(R"({"type":"array"})").find("'items'"), std::string::npos);
  EXPECT_NE(compile_error(R"({"type":"array","items":{"type":"string"},"uniqueItems":true})").find("'uniqueItems'"),
            std::string::npos);
}

TEST(JsonSchema, BadSchemasAreClearErrors) {
  EXPECT_NE(compile_error("42").find("must be an object"), std::string::npos);
  EXPECT_NE(compile_error("false").find("admits no value"), std::string::npos);
  EXPECT_NE(compile_error(R"({"type":"strin"})").find("unknown type 'strin'"), std::string::npos);
  EXPECT_NE(compile_error(R"({"$ref":"#/$defs/nope"})").find("points to nothing"), std::string::npos);
  EXPECT_NE(compile_error(R"({"$ref":"https://example.com/s.json"})").find("must point into this schema"),
            std::string::npos);
  EXPECT_NE(compile_error(R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})")
                .find("no finite string"),
            std::string::npos);
  EXPECT_NE(compile_error(R"({"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/b"},{"type":"null"}]},"b":{"$ref":"#/$defs/a"}},
                              "$ref":"#/$defs/a"})")
                .find("left-recursive"),
            std::string::npos);
  // A node that always needs a child can never finish.
  EXPECT_NE(compile_error(R"({"type":"object","properties":{"child":{"$ref":"#"}},"required":["child"],
                              "additionalProperties":false})")
                .find("no finite string"),
            std::string::npos);
  EXPECT_NE(compile_error(R"({"type":"array","items":{"type":"string"},"minItems":3,"maxItems":2})").find("nothing"),
            std::string::npos);
}

TEST(JsonSchema, NonStrictModeAllowsOptionalPropertiesAndIgnoresWhatItCannotEnforce) {
  auto g = compile(R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string","pattern":"(?<=x)y"},
                       "c":{"type":"boolean"}},"required":["b"]})",
                   false);
  EXPECT_TRUE(accepts(g, R"({"b":"x"})"));
  EXPECT_TRUE(accepts(g, R"({"a":1,"b":"zz","c":true})"));
  EXPECT_TRUE(accepts(g, R"({"b":"","c":false})"));
  EXPECT_FALSE(accepts(g, R"({"a":1})"));
  EXPECT_FALSE(accepts(g, R"({"a":1,,"b":""})"));
  EXPECT_FALSE(accepts(g, R"({,"b":""})"));
  auto open = compile(R"({"type":"object"})", false);
  EXPECT_TRUE(accepts(open, R"({"anything":[1,{"x":null}]})"));
}

TEST(JsonSchema, JsonObjectModeAcceptsAnyObjectOnly) {
  auto g = json_object_grammar();
  ASSERT_TRUE(g);
  EXPECT_TRUE(accepts(*g, R"({})"));
  EXPECT_TRUE(accepts(*g, R"({"a": [1, 2.5, "x", true, null, {"b": {}}], "c":"d"})"));
  EXPECT_FALSE(accepts(*g, "[1]"));
  EXPECT_FALSE(accepts(*g, R"("x")"));
  EXPECT_FALSE(accepts(*g, R"({"a":1,})"));
}

TEST(JsonSchema, EmptySchemaMeansAnyValue) {
  auto g = compile("{}");
  EXPECT_TRUE(accepts(g, "[1,\"a\"]"));
  EXPECT_TRUE(accepts(g, "null"));
}

}  // namespace
}  // namespace sovra::sampling::grammar
