#pragma once
// The generated Unicode tables (unicode_categories.cpp, unicode_lowercase.cpp, unicode_decomposition.cpp, written by
// scripts/gen_unicode_tables.py). Use unicode.hpp.
#include <cstddef>
#include <cstdint>

namespace sovra::tokenizer::unicode_data {

// An inclusive run of code points sharing one general category (an index into unicode.hpp's Category).
struct CategoryRange {
  std::uint32_t first;
  std::uint32_t last;
  std::uint8_t category;
};

// cp maps to data[offset, offset + length).
struct CodePointMapping {
  std::uint32_t cp;
  std::uint32_t offset;
  std::uint8_t length;
};

extern const CategoryRange kCategoryRanges[];
extern const std::size_t kCategoryRangeCount;
extern const CodePointMapping kLowercase[];  // sorted by cp
extern const std::size_t kLowercaseCount;
extern const char32_t kLowercaseData[];
extern const CodePointMapping kDecomposition[];  // sorted by cp; full canonical decomposition, Hangul excluded
extern const std::size_t kDecompositionCount;
extern const char32_t kDecompositionData[];

}  // namespace sovra::tokenizer::unicode_data
