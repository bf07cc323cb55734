#include "tokenizer/unicode.hpp"

#include <algorithm>
#include <array>
#include <memory>

#include "tokenizer/unicode_tables.hpp"

namespace sovra::tokenizer::unicode {

namespace {

using unicode_data::CategoryRange;
using unicode_data::CodePointMapping;

constexpr std::size_t kDirect = 0x10000;  // the BMP is looked up directly, the rest by binary search

const std::array<std::uint8_t, kDirect>& bmp_table() {
  static const auto table = [] {
    auto t = std::make_unique<std::array<std::uint8_t, kDirect>>();
    for (std::size_t i = 0; i < unicode_data::kCategoryRangeCount; ++i) {
      const CategoryRange& r = unicode_data::kCategoryRanges[i];
      if (r.first >= kDirect) break;
      const std::uint32_t last = std::min<std::uint32_t>(r.last, kDirect - 1);
      for (std::uint32_t cp = r.first; cp <= last; ++cp) (*t)[cp] = r.category;
    }
    return t;
  }();
  return *table;
}

const CodePointMapping* find_mapping(const CodePointMapping* table, std::size_t count, char32_t cp) {
  const CodePointMapping* end = table + count;
  const CodePointMapping* it =
      std::lower_bound(table, end, cp, [](const CodePointMapping& m, char32_t c) { return m.cp < c; });
  return it != end && it->cp == cp ? it : nullptr;
}

constexpr CategoryMask kLetters = mask_of(Category::kLu) | mask_of(Category::kLl) | mask_of(Category::kLt) |
                                  mask_of(Category::kLm) | mask_of(Category::kLo);
constexpr CategoryMask kNumbers = mask_of(Category::kNd) | mask_of(Category::kNl) | mask_of(Category::kNo);
constexpr CategoryMask kPunctuation = mask_of(Category::kPc) | mask_of(Category::kPd) | mask_of(Category::kPs) |
                                      mask_of(Category::kPe) | mask_of(Category::kPi) | mask_of(Category::kPf) |
                                      mask_of(Category::kPo);
constexpr CategoryMask kSymbols =
    mask_of(Category::kSm) | mask_of(Category::kSc) | mask_of(Category::kSk) | mask_of(Category::kSo);
constexpr CategoryMask kMarks = mask_of(Category::kMn) | mask_of(Category::kMc) | mask_of(Category::kMe);
constexpr CategoryMask kSeparators = mask_of(Category::kZs) | mask_of(Category::kZl) | mask_of(Category::kZp);
constexpr CategoryMask kOthers = mask_of(Category::kCc) | mask_of(Category::kCf) | mask_of(Category::kCs) |
                                 mask_of(Category::kCo) | mask_of(Category::kCn);

constexpr std::array<std::string_view, kCategoryCount> kNames = {
    "Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps",
    "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co"};

constexpr char32_t kHangulBase = 0xAC00;
constexpr char32_t kHangulCount = 11172;

}  // namespace

CategoryMask mask_of(std::string_view name) {
  if (name == "L") return kLetters;
  if (name == "N") return kNumbers;
  if (name == "P") return kPunctuation;
  if (name == "S") return kSymbols;
  if (name == "M") return kMarks;
  if (name == "Z") return kSeparators;
  if (name == "C") return kOthers;
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return CategoryMask{1} << i;
  }
  return 0;
}

Category category(char32_t cp) {
  if (cp < kDirect) return static_cast<Category>(bmp_table()[cp]);
  if (cp >= kInvalidBase) return Category::kCn;
  const CategoryRange* begin = unicode_data::kCategoryRanges;
  const CategoryRange* end = begin + unicode_data::kCategoryRangeCount;
  const CategoryRange* it =
      std::upper_bound(begin, end, cp, [](char32_t c, const CategoryRange& r) { return c < r.first; });
  return static_cast<Category>((it - 1)->category);
}

bool is_letter(char32_t cp) { return in(cp, kLetters); }
bool is_number(char32_t cp) { return in(cp, kNumbers); }
bool is_punctuation(char32_t cp) { return in(cp, kPunctuation); }

bool is_whitespace(char32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  if (cp < 0x85) return false;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

Decoded next_code_point(std::string_view text, std::size_t at) {
  const auto b0 = static_cast<unsigned char>(text[at]);
  if (b0 < 0x80) return {b0, 1};
  const auto invalid = Decoded{kInvalidBase + b0, 1};
  std::size_t length = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return invalid;
  }
  if (length > text.size() - at) return invalid;
  for (std::size_t i = 1; i < length; ++i) {
    const auto b = static_cast<unsigned char>(text[at + i]);
    if ((b & 0xC0) != 0x80) return invalid;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return invalid;
  return {cp, length};
}

void decode(std::string_view text, std::vector<char32_t>& cps, std::vector<std::uint32_t>& offsets) {
  cps.clear();
  offsets.clear();
  for (std::size_t at = 0; at < text.size();) {
    const Decoded d = next_code_point(text, at);
    cps.push_back(d.cp);
    offsets.push_back(static_cast<std::uint32_t>(at));
    at += d.length;
  }
  offsets.push_back(static_cast<std::uint32_t>(text.size()));
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp >= kInvalidBase) {
    out += static_cast<char>(cp - kInvalidBase);
  } else if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

void append_lowercase(std::u32string& out, char32_t cp) {
  if (cp < 0x80) {
    out += (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    return;
  }
  const CodePointMapping* m = find_mapping(unicode_data::kLowercase, unicode_data::kLowercaseCount, cp);
  if (m == nullptr) {
    out += cp;
    return;
  }
  out.append(unicode_data::kLowercaseData + m->offset, m->length);
}

void append_decomposition(std::u32string& out, char32_t cp) {
  if (cp >= kHangulBase && cp < kHangulBase + kHangulCount) {
    const char32_t s = cp - kHangulBase;
    out += 0x1100 + s / 588;
    out += 0x1161 + (s % 588) / 28;
    if (s % 28 != 0) out += 0x11A7 + s % 28;
    return;
  }
  const CodePointMapping* m =
      cp < 0xC0 ? nullptr : find_mapping(unicode_data::kDecomposition, unicode_data::kDecompositionCount, cp);
  if (m == nullptr) {
    out += cp;
    return;
  }
  out.append(unicode_data::kDecompositionData + m->offset, m->length);
}

}  // namespace sovra::tokenizer::unicode
