#include "tokenizer/sp_charsmap.hpp"

#include <cstring>

#include "tokenizer/unicode.hpp"

namespace sovra::tokenizer {
namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Darts-clone unit layout: bit 31 set marks a value unit (so its label never equals a byte), bit 8 "has leaf",
// bits 0-7 the label, bits 10-31 the offset to the children, scaled by 256 when bit 9 is set.
bool has_leaf(std::uint32_t unit) { return ((unit >> 8) & 1U) == 1U; }
std::uint32_t value_of(std::uint32_t unit) { return unit & ((1U << 31) - 1U); }
std::uint32_t label_of(std::uint32_t unit) { return unit & ((1U << 31) | 0xFFU); }
std::uint32_t offset_of(std::uint32_t unit) { return (unit >> 10) << ((unit & (1U << 9)) >> 6); }

std::uint32_t read_u32(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
         static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}

}  // namespace

Result<PrecompiledCharsmap> PrecompiledCharsmap::parse(std::span<const std::uint8_t> bytes) {
  PrecompiledCharsmap map;
  if (bytes.empty()) return map;
  if (bytes.size() < 4) {
    return Error::corrupt("the precompiled charsmap has " + std::to_string(bytes.size()) +
                          " bytes, fewer than its 4-byte trie size");
  }
  const std::uint64_t trie_size = read_u32(bytes, 0);
  const std::uint64_t rest = bytes.size() - 4;
  if (trie_size % 4 != 0) {
    return Error::corrupt("the precompiled charsmap's trie size " + std::to_string(trie_size) +
                          " is not a multiple of 4");
  }
  if (trie_size > rest) {
    return Error::corrupt("the precompiled charsmap's trie size " + std::to_string(trie_size) + " exceeds the " +
                          std::to_string(rest) + " bytes after it");
  }
  const auto blob = bytes.subspan(4 + static_cast<std::size_t>(trie_size));
  if (trie_size > 0 && (blob.empty() || blob.back() != 0)) {
    return Error::corrupt("the precompiled charsmap's replacement strings do not end with a NUL byte");
  }
  map.units_.resize(static_cast<std::size_t>(trie_size / 4));
  for (std::size_t i = 0; i < map.units_.size(); ++i) map.units_[i] = read_u32(bytes, 4 + 4 * i);
  if (!map.units_.empty()) map.strings_.assign(reinterpret_cast<const char*>(blob.data()), blob.size());
  return map;
}

PrecompiledCharsmap::Prefix PrecompiledCharsmap::longest_match(std::string_view input) const {
  Prefix best;
  if (units_.empty()) return best;
  const std::size_t n = units_.size();
  std::size_t id = offset_of(units_[0]);
  for (std::size_t i = 0; i < input.size(); ++i) {
    const auto c = static_cast<unsigned char>(input[i]);
    if (c == 0) break;
    id ^= c;
    if (id >= n) break;
    const std::uint32_t unit = units_[id];
    if (label_of(unit) != c) break;
    id ^= offset_of(unit);
    if (!has_leaf(unit)) continue;
    if (id >= n) break;
    const std::size_t value = value_of(units_[id]);
    if (value >= strings_.size()) continue;  // hostile: points outside the blob
    // strings_ ends with NUL, so strlen stays inside it.
    best = {.text = std::string_view(strings_.data() + value, std::strlen(strings_.data() + value)),
            .consumed = i + 1};
  }
  return best;
}

PrecompiledCharsmap::Prefix PrecompiledCharsmap::normalize_prefix(std::string_view input) const {
  if (input.empty()) return {};
  if (const Prefix match = longest_match(input); match.consumed > 0) return match;
  const unicode::Decoded d = unicode::next_code_point(input, 0);
  if (d.cp >= unicode::kInvalidBase) return {.text = kReplacementChar, .consumed = 1};
  return {.text = input.substr(0, d.length), .consumed = d.length};
}

}  // namespace sovra::tokenizer
