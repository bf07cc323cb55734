#include "common/json.hpp"

#include <gtest/gtest.h>

#include "common/json_escape.hpp"

namespace sovra {
namespace {

TEST(Json, ParsesDocuments) {
  auto v = parse_json(R"( {"a": [1, 2.5, "x", null, true]} )");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->as_object().at("a").as_array().size(), 5u);
}

TEST(Json, ErrorsNameTheByteOffset) {
  auto v = parse_json(R"({"a": tru})");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("at byte 6"), std::string::npos) << v.error().message;
  EXPECT_EQ(v.error().status(), 400);
  v = parse_json(R"({"a": 1)");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("at byte 7"), std::string::npos) << v.error().message;
  v = parse_json(R"({"a": 1} x)");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("at byte 9"), std::string::npos) << v.error().message;
  EXPECT_FALSE(parse_json(""));
}

TEST(Json, RejectsInvalidUtf8AndDeepNesting) {
  EXPECT_FALSE(parse_json("{\"a\": \"\xC3\x28\"}"));
  EXPECT_FALSE(parse_json(std::string(1000, '[') + std::string(1000, ']')));
  EXPECT_TRUE(parse_json(std::string(10, '[') + std::string(10, ']')));
  EXPECT_FALSE(parse_json(R"({"a":[1e400]})"));
  EXPECT_FALSE(parse_json("-33333e333333"));
  EXPECT_TRUE(parse_json("1e300"));
}

TEST(JsonEscape, EscapesControlAndReplacesInvalidUtf8) {
  std::string out;
  append_json_escaped(out, "a\"b\\c\n\x01\xFFé");
  EXPECT_EQ(out, "a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBDé");
  EXPECT_TRUE(is_valid_utf8("héllo €𝄞"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
}

}  // namespace
}  // namespace sovra
