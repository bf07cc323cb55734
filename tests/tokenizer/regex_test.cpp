#include "tokenizer/regex.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sovra::tokenizer {
namespace {

std::vector<char32_t> cps(std::string_view s) {
  std::vector<char32_t> out;
  std::vector<std::uint32_t> offsets;
  unicode::decode(s, out, offsets);
  return out;
}

// All matches, as UTF-8 strings, the way the pre-tokenizer walks them.
std::vector<std::string> matches(std::string_view pattern, std::string_view text) {
  auto re = Regex::compile(pattern);
  EXPECT_TRUE(re) << re.error().message;
  if (!re) return {};
  const auto t = cps(text);
  Regex::Scratch scratch;
  std::vector<std::string> out;
  for (std::size_t at = 0; at < t.size();) {
    const auto m = re->find(t, at, scratch);
    if (!m || m->end == m->begin) break;
    std::string s;
    for (std::size_t i = m->begin; i < m->end; ++i) unicode::append_utf8(s, t[i]);
    out.push_back(s);
    at = m->end;
  }
  return out;
}

using V = std::vector<std::string>;

TEST(TokenizerRegex, LeftmostFirstAlternationAndGreedyRepeats) {
  EXPECT_EQ(matches("a|ab", "ab"), V({"a"}));  // first alternative wins, not the longest
  EXPECT_EQ(matches("ab|a", "ab"), V({"ab"}));
  EXPECT_EQ(matches("a{1,3}", "aaaaa"), V({"aaa", "aa"}));
  EXPECT_EQ(matches("x?y+", "xyyy yy"), V({"xyyy", "yy"}));
  EXPECT_EQ(matches("(?:ab)*c", "ababc c"), V({"ababc", "c"}));
}

TEST(TokenizerRegex, UnicodeCategoriesAndWhitespace) {
  EXPECT_EQ(matches(R"(\p{L}+)", "héllo wörld 日本語"), V({"héllo", "wörld", "日本語"}));
  EXPECT_EQ(matches(R"(\p{N})", "a1٣"), V({"1", "٣"}));  // Arabic-Indic digit three
  EXPECT_EQ(matches(R"([^\s\p{L}\p{N}]+)", "a+=b  ¿?"), V({"+=", "¿?"}));
  EXPECT_EQ(matches(R"(\s+)", "a\u00A0\u3000b"), V({"\u00A0\u3000"}));
  EXPECT_EQ(matches(R"([\p{Lu}]+)", "abCDeF"), V({"CD", "F"}));
}

TEST(TokenizerRegex, LookaheadCaseInsensitiveAnchorsAndEscapes) {
  EXPECT_EQ(matches(R"(\s+(?!\S)|\s+)", "a   b"), V({"  ", " "}));  // leaves one space for " b"
  EXPECT_EQ(matches(R"((?i:'s|'ll))", "'S 'Ll 'x"), V({"'S", "'Ll"}));
  EXPECT_EQ(matches(R"(\s+$)", "  x  "), V({"  "}));
  EXPECT_EQ(matches(R"([\x{41}-\x{43}]+)", "ABCD"), V({"ABC"}));
  EXPECT_EQ(matches(R"(\$\+)", "a$+b"), V({"$+"}));
}

TEST(TokenizerRegex, BadPatternsAreErrors) {
  for (const char* bad : {"(", "a)", "[a", "*a", "a{2,1}", R"(\p{Nope})", "(?<x>a)", "a+?", R"(\q)", "(?=ab)"}) {
    auto re = Regex::compile(bad);
    ASSERT_FALSE(re) << bad;
    EXPECT_EQ(re.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(TokenizerRegex, BacktrackingStaysLinearOnHostileInput) {
  // Without the visited set, \s+$ on n spaces then a letter costs O(n^2) per search and (a|a)* is exponential.
  const std::string spaces(200000, ' ');
  EXPECT_TRUE(matches(R"(\s+$)", spaces + "x").empty());
  EXPECT_EQ(matches("(a|a)*b", std::string(5000, 'a') + "b").size(), 1u);
}

TEST(TokenizerRegex, InvalidUtf8BytesAreCharactersOfNoCategory) {
  const auto t = cps("a\xFF\xC3");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(unicode::category(t[1]), unicode::Category::kCn);
  EXPECT_EQ(matches(R"([^\s\p{L}\p{N}]+)", "a\xFF\xC3"), V({"\xFF\xC3"}));
}

}  // namespace
}  // namespace sovra::tokenizer
