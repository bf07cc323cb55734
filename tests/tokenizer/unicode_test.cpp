#include "tokenizer/unicode.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sovra::tokenizer::unicode {
namespace {

TEST(TokenizerUnicode, CategoriesFromTheGeneratedTables) {
  EXPECT_EQ(category('A'), Category::kLu);
  EXPECT_EQ(category(U'ß'), Category::kLl);
  EXPECT_EQ(category(U'ǅ'), Category::kLt);
  EXPECT_EQ(category(U'中'), Category::kLo);
  EXPECT_EQ(category(0x0301), Category::kMn);
  EXPECT_EQ(category(U'٣'), Category::kNd);
  EXPECT_EQ(category(U'€'), Category::kSc);
  EXPECT_EQ(category(0x1F389), Category::kSo);  // 🎉, beyond the BMP
  EXPECT_EQ(category(0x10FFFF), Category::kCn);
  EXPECT_TRUE(is_letter(0x1D400));  // MATHEMATICAL BOLD CAPITAL A
  EXPECT_TRUE(is_whitespace(0x3000));
  EXPECT_FALSE(is_whitespace(0x200B));  // zero width space is not White_Space
  EXPECT_EQ(mask_of("Nope"), 0u);
}

TEST(TokenizerUnicode, DecodingNeverFails) {
  struct Case {
    std::string bytes;
    char32_t cp;
    std::size_t length;
  };
  for (const Case& c : {Case{"\xC3\xA9", 0xE9, 2}, Case{"\xF0\x9F\x8E\x89", 0x1F389, 4},
                        Case{"\xC0\xAF", kInvalidBase + 0xC0, 1},      // overlong
                        Case{"\xED\xA0\x80", kInvalidBase + 0xED, 1},  // surrogate
                        Case{"\xF4\x90\x80\x80", kInvalidBase + 0xF4, 1}, Case{"\xE2\x82", kInvalidBase + 0xE2, 1},
                        Case{"\x80", kInvalidBase + 0x80, 1}}) {
    const Decoded d = next_code_point(c.bytes, 0);
    EXPECT_EQ(d.cp, c.cp) << c.bytes;
    EXPECT_EQ(d.length, c.length) << c.bytes;
    std::string back;
    append_utf8(back, d.cp);
    EXPECT_EQ(back, c.bytes.substr(0, d.length));
  }
}

TEST(TokenizerUnicode, LowercaseAndDecomposition) {
  std::u32string s;
  append_lowercase(s, U'Ä');
  append_lowercase(s, 0x130);  // İ → i + combining dot
  EXPECT_EQ(s, std::u32string({U'ä', U'i', 0x307}));
  s.clear();
  append_decomposition(s, U'é');
  append_decomposition(s, U'한');
  EXPECT_EQ(s, std::u32string({U'e', 0x301, 0x1112, 0x1161, 0x11AB}));
}

}  // namespace
}  // namespace sovra::tokenizer::unicode
