// PrecompiledCharsmap and sp_normalize on hand-built tries (sp_charsmap_builder.hpp): longest-prefix matches agree
// with a brute-force search over the rules, SentencePiece's whitespace rules, and broken or hostile tables give a
// clear error or harmless results, never an out-of-bounds read (the asan preset checks the latter).
#include "tokenizer/sp_charsmap.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/sp_charsmap_builder.hpp"
#include "tokenizer/sp_normalize.hpp"

namespace sovra::tokenizer {
namespace {

using testing::build_charsmap;
using testing::build_charsmap_parts;
using testing::serialize_charsmap;
using Rules = std::vector<std::pair<std::string, std::string>>;

const std::string kS = "\xE2\x96\x81";  // ▁

PrecompiledCharsmap parse_ok(const std::vector<std::uint8_t>& bytes) {
  auto map = PrecompiledCharsmap::parse(bytes);
  EXPECT_TRUE(map) << map.error().message;
  return map ? std::move(*map) : PrecompiledCharsmap();
}

const Rules kRules = {
    {"a", "A"},     {"ab", "X"},     {"abc", ""},          {"\xEF\xAC\x81", "fi"},  // ﬁ
    {"\xE2\x91\xA0", "1"},                                                          // ①
    {"\t", " "},    {"\n", " "},     {"\xC2\xA8", " \xCC\x88"},                     // ¨ -> space + U+0308
    {"\xEF\xBC\xA1", "A"},                                                          // Ａ
    {"e\xCC\x81", "\xC3\xA9"},                                                      // e + U+0301 -> é
};

TEST(SpCharsmap, LongestRuleWins) {
  const auto map = parse_ok(build_charsmap(kRules));
  ASSERT_FALSE(map.empty());
  auto m = map.longest_match("abcd");
  EXPECT_EQ(m.consumed, 3u);
  EXPECT_EQ(m.text, "");
  m = map.longest_match("abd");
  EXPECT_EQ(m.consumed, 2u);
  EXPECT_EQ(m.text, "X");
  m = map.longest_match("a");
  EXPECT_EQ(m.consumed, 1u);
  EXPECT_EQ(m.text, "A");
  EXPECT_EQ(map.longest_match("b").consumed, 0u);
  EXPECT_EQ(map.longest_match("").consumed, 0u);
  m = map.longest_match("\xEF\xAC\x81le");
  EXPECT_EQ(m.consumed, 3u);
  EXPECT_EQ(m.text, "fi");
  // A NUL byte ends the walk, as in llama.cpp.
  EXPECT_EQ(map.longest_match(std::string_view("\0a", 2)).consumed, 0u);
}

TEST(SpCharsmap, NormalizePrefixFallsBackToOneCharacterOrReplacement) {
  const auto map = parse_ok(build_charsmap(kRules));
  auto p = map.normalize_prefix("\xC3\xA9x");  // é, no rule
  EXPECT_EQ(p.consumed, 2u);
  EXPECT_EQ(p.text, "\xC3\xA9");
  for (const std::string bad : {"\xFF", "\xC3", "\xC3(", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80"}) {
    p = map.normalize_prefix(bad);
    EXPECT_EQ(p.consumed, 1u) << bad;
    EXPECT_EQ(p.text, "\xEF\xBF\xBD") << bad;
  }
  // Without a table only the UTF-8 check applies.
  const PrecompiledCharsmap none = parse_ok({});
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.normalize_prefix("\xEF\xAC\x81").text, "\xEF\xAC\x81");
  EXPECT_EQ(none.normalize_prefix("\xFF").text, "\xEF\xBF\xBD");
}

TEST(SpCharsmap, MatchesBruteForceOnRandomRules) {
  std::mt19937 rng(7);
  const std::string alphabet = "abc\xC3\xA9";
  auto random_text = [&](std::size_t max_len) {
    std::string s;
    const std::size_t n = rng() % (max_len + 1);
    for (std::size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int round = 0; round < 20; ++round) {
    std::map<std::string, std::string> unique;
    while (unique.size() < 40) {
      std::string key = random_text(5);
      if (!key.empty()) unique.emplace(key, "r" + std::to_string(unique.size()));
    }
    const Rules rules(unique.begin(), unique.end());
    const auto map = parse_ok(build_charsmap(rules));
    for (int i = 0; i < 300; ++i) {
      const std::string text = random_text(8);
      std::size_t want_len = 0;
      std::string want_text;
      for (const auto& [k, v] : rules) {
        if (text.starts_with(k) && k.size() > want_len) {
          want_len = k.size();
          want_text = v;
        }
      }
      const auto got = map.longest_match(text);
      EXPECT_EQ(got.consumed, want_len) << text;
      EXPECT_EQ(got.text, want_text) << text;
    }
  }
}

TEST(SpCharsmap, ParseRejectsBrokenFraming) {
  const auto good = build_charsmap(kRules);
  for (std::size_t n : {1u, 2u, 3u}) {
    const std::vector<std::uint8_t> bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(PrecompiledCharsmap::parse(bytes)) << n;
  }
  // Trie size larger than the data, not a multiple of 4, or no NUL at the end of the strings.
  auto huge = good;
  huge[0] = huge[1] = huge[2] = huge[3] = 0xFF;
  auto r = PrecompiledCharsmap::parse(huge);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorruptData);
  EXPECT_NE(r.error().message.find("trie size"), std::string::npos) << r.error().message;
  auto odd = good;
  odd[0] = static_cast<std::uint8_t>(odd[0] + 1);
  EXPECT_FALSE(PrecompiledCharsmap::parse(odd));
  auto no_nul = good;
  no_nul.back() = 'x';
  r = PrecompiledCharsmap::parse(no_nul);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("NUL"), std::string::npos) << r.error().message;
  const auto parts = build_charsmap_parts(kRules);
  std::vector<std::uint8_t> trie_only(good.begin(), good.begin() + 4 + static_cast<std::ptrdiff_t>(parts.units.size() * 4));
  EXPECT_FALSE(PrecompiledCharsmap::parse(trie_only));
  // An empty trie with nothing after it is an empty table.
  const auto empty = PrecompiledCharsmap::parse(std::vector<std::uint8_t>{0, 0, 0, 0});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(SpCharsmap, EveryTruncationParsesOrFailsCleanly) {
  const auto good = build_charsmap(kRules);
  int parsed = 0;
  for (std::size_t n = 0; n <= good.size(); ++n) {
    const std::vector<std::uint8_t> bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    auto map = PrecompiledCharsmap::parse(bytes);
    if (!map) continue;
    ++parsed;
    for (const char* text : {"abc", "\t\xEF\xAC\x81", "e\xCC\x81", "\xFF"}) (void)map->normalize_prefix(text);
  }
  EXPECT_GE(parsed, 2);  // the empty input and the whole table
}

TEST(SpCharsmap, HostileTriesNeverReadOutOfBounds) {
  // Values past the strings are ignored; offsets past the array end the walk.
  auto parts = build_charsmap_parts({{"a", "A"}, {"ab", "B"}});
  for (std::uint32_t& u : parts.units) {
    if ((u >> 31) != 0) u = (1U << 31) | 0x7FFFFFF0U;
  }
  auto map = parse_ok(serialize_charsmap(parts));
  EXPECT_EQ(map.longest_match("ab").consumed, 0u);
  parts = build_charsmap_parts({{"a", "A"}, {"ab", "B"}});
  parts.units[0] = (0x1FFFFFU << 10) | (1U << 9);  // root offset far outside the array
  map = parse_ok(serialize_charsmap(parts));
  EXPECT_EQ(map.longest_match("ab").consumed, 0u);
  EXPECT_EQ(map.normalize_prefix("ab").text, "a");
  // Random units: whatever the walk finds stays inside the table.
  std::mt19937 rng(11);
  for (int round = 0; round < 200; ++round) {
    testing::CharsmapParts random;
    random.units.resize(1 + rng() % 64);
    for (std::uint32_t& u : random.units) {
      u = static_cast<std::uint32_t>(rng());
      if (rng() % 2 == 0) u &= 0x3FF | (0x3F << 10);  // small offsets, so walks go somewhere
    }
    random.strings = std::string("xy\0z\0", 5);
    const auto m = parse_ok(serialize_charsmap(random));
    for (int i = 0; i < 50; ++i) {
      std::string text;
      for (int k = 0; k < 6; ++k) text += static_cast<char>(rng() % 4 == 0 ? rng() % 256 : 'a' + rng() % 3);
      const auto p = m.normalize_prefix(text);
      EXPECT_GE(p.consumed, 1u);
      EXPECT_LE(p.consumed, text.size());
    }
  }
}

TEST(SpNormalize, WhitespaceRulesFollowSentencePiece) {
  const auto map = parse_ok(build_charsmap(kRules));
  const SpNormalizeOptions standard{};
  EXPECT_EQ(sp_normalize(map, "  b\t\nc  ", standard), kS + "b" + kS + "c");
  EXPECT_EQ(sp_normalize(map, "\xEF\xAC\x81le \xE2\x91\xA0", standard), kS + "file" + kS + "1");
  EXPECT_EQ(sp_normalize(map, "de\xCC\x81j\xC3\xA0", standard), kS + "d\xC3\xA9j\xC3\xA0");
  EXPECT_EQ(sp_normalize(map, " \t ", standard), "");
  EXPECT_EQ(sp_normalize(map, "", standard), "");
  // A replacement that starts with a space loses it after a space (here: the dummy prefix).
  EXPECT_EQ(sp_normalize(map, "\xC2\xA8x", standard), kS + "\xCC\x88x");
  EXPECT_EQ(sp_normalize(map, "x \xC2\xA8", standard), kS + "x" + kS + "\xCC\x88");
  // Rules that delete everything leave nothing, not a lone dummy prefix.
  EXPECT_EQ(sp_normalize(map, "abc", standard), "");
  EXPECT_EQ(sp_normalize(map, "\xFF", standard), kS + "\xEF\xBF\xBD");
  const SpNormalizeOptions keep{.add_dummy_prefix = false, .remove_extra_whitespaces = false};
  EXPECT_EQ(sp_normalize(map, " b\t c ", keep), kS + "b" + kS + kS + "c" + kS);
  const SpNormalizeOptions plain{.escape_whitespaces = false};
  EXPECT_EQ(sp_normalize(map, "b   c", plain), " b c");
  // Without a table, only ' ' is whitespace.
  EXPECT_EQ(sp_normalize(PrecompiledCharsmap(), " b\tc ", standard), kS + "b\tc");
}

}  // namespace
}  // namespace sovra::tokenizer
