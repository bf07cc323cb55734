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

// The escaper one byte at a time, as it was written first: the reference for the word-at-a-time one.
std::string escaped_bytewise(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;  // what the lead byte announces
      const std::size_t n = i + len <= s.size() && is_valid_utf8(s.substr(i, len)) ? len : 0;
      out += n == 0 ? std::string_view("\xEF\xBF\xBD") : s.substr(i, n);
      i += n == 0 ? 1 : n;
      continue;
    }
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  return out;
}

TEST(JsonEscape, MatchesTheBytewiseEscaperOnRandomText) {
  // Bytes around every boundary the word-at-a-time scan tests, at every offset and length.
  const std::string alphabet = std::string("aZ09 ~\x7f\"\\/\n\r\t\x01\x1f\x20\x21\x5b\x5d", 20) +
                               "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x80\xbf\xc0\xed\xa0\xf4\x90\xff";
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  for (int round = 0; round < 20000; ++round) {
    std::string text(next() % 40, ' ');
    for (auto& ch : text) ch = alphabet[next() % alphabet.size()];
    std::string out = "prefix";
    append_json_escaped(out, text);
    ASSERT_EQ(out, "prefix" + escaped_bytewise(text)) << round;
    ASSERT_TRUE(is_valid_utf8(out));
  }
  std::string long_ascii(1000, 'x');
  long_ascii[997] = '"';
  std::string out;
  append_json_escaped(out, long_ascii);
  EXPECT_EQ(out, std::string(997, 'x') + "\\\"xx");
}

}  // namespace
}  // namespace sovra
