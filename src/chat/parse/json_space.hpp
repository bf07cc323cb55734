#pragma once
// JSON's whitespace (RFC 8259: space, tab, LF, CR), which every output format skips around its markers.
#include <cstddef>
#include <string_view>

namespace sovra::chat {

inline bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Length of the whitespace run at the start of `s`.
inline std::size_t leading_space(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && is_space(s[n])) ++n;
  return n;
}

}  // namespace sovra::chat
