#include "tokenizer/sp_normalize.hpp"

namespace sovra::tokenizer {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // "▁"

}  // namespace

std::string sp_normalize(const PrecompiledCharsmap& charsmap, std::string_view input,
                         const SpNormalizeOptions& options) {
  std::string out;
  if (options.remove_extra_whitespaces) {
    // Leading characters that normalize to exactly one space are dropped.
    while (!input.empty()) {
      const PrecompiledCharsmap::Prefix p = charsmap.normalize_prefix(input);
      if (p.text != " ") break;
      input.remove_prefix(p.consumed);
    }
  }
  if (input.empty()) return out;
  const std::string_view space = options.escape_whitespaces ? kSpaceSymbol : std::string_view(" ");
  out.reserve(input.size() + input.size() / 2 + space.size());
  if (options.add_dummy_prefix) out += space;
  bool prev_space = options.remove_extra_whitespaces;
  while (!input.empty()) {
    const PrecompiledCharsmap::Prefix p = charsmap.normalize_prefix(input);
    std::string_view text = p.text;
    // A replacement's leading spaces are dropped after a space (and at the start: the dummy prefix is one).
    while (prev_space && text.starts_with(' ')) text.remove_prefix(1);
    if (!text.empty()) {
      for (char c : text) {
        if (c == ' ') {
          out += space;
        } else {
          out += c;
        }
      }
      prev_space = text.back() == ' ';
    }
    input.remove_prefix(p.consumed);
    if (!options.remove_extra_whitespaces) prev_space = false;
  }
  if (options.remove_extra_whitespaces) {
    while (out.ends_with(space)) out.resize(out.size() - space.size());
  }
  return out;
}

}  // namespace sovra::tokenizer
