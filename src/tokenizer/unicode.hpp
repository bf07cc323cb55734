#pragma once
// Unicode facts the tokenizers need: UTF-8 decoding that never fails, general categories, White_Space,
// lowercase and canonical decomposition (tables generated from Python's unicodedata by
// scripts/gen_unicode_tables.py).
//
// Contract: next_code_point() decodes one character and reports its byte length; a byte that does not start a
// well-formed UTF-8 sequence (overlong, surrogate, truncated, > U+10FFFF) is one "code point" of its own,
// kInvalidBase + byte, which has category kCn and no other property. All functions are thread-safe.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sovra::tokenizer::unicode {

inline constexpr char32_t kInvalidBase = 0x110000;

// Order matches the generator's CATEGORIES list.
// clang-format off
enum class Category : std::uint8_t {
  kCn, kLu, kLl, kLt, kLm, kLo, kMn, kMc, kMe, kNd, kNl, kNo, kPc, kPd, kPs, kPe,
  kPi, kPf, kPo, kSm, kSc, kSk, kSo, kZs, kZl, kZp, kCc, kCf, kCs, kCo,
};
// clang-format on
inline constexpr int kCategoryCount = 30;

// A set of categories as a bit mask (bit i = Category i).
using CategoryMask = std::uint32_t;
constexpr CategoryMask mask_of(Category c) { return CategoryMask{1} << static_cast<unsigned>(c); }
// "L", "Lu", "N", "P", "S", "M", "Z", "C" ... → mask; 0 when the name is unknown.
CategoryMask mask_of(std::string_view name);

Category category(char32_t cp);
inline bool in(char32_t cp, CategoryMask mask) { return (mask_of(category(cp)) & mask) != 0; }
bool is_letter(char32_t cp);
bool is_number(char32_t cp);
bool is_punctuation(char32_t cp);
bool is_whitespace(char32_t cp);  // the White_Space property (what \s matches)

struct Decoded {
  char32_t cp;
  std::size_t length;  // bytes
};
Decoded next_code_point(std::string_view text, std::size_t at);

// Every code point of text with the byte offset where it starts; offsets has one extra entry (text.size()).
void decode(std::string_view text, std::vector<char32_t>& cps, std::vector<std::uint32_t>& offsets);
void append_utf8(std::string& out, char32_t cp);  // invalid pseudo code points append their byte

// Full (possibly multi-character) lowercase; canonical decomposition (NFD of one code point, Hangul included).
void append_lowercase(std::u32string& out, char32_t cp);
void append_decomposition(std::u32string& out, char32_t cp);

}  // namespace sovra::tokenizer::unicode
