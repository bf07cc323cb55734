#pragma once
#include <string>
#include <string_view>

namespace sovra {
// Appends `s` to `out` escaped for use inside a JSON string literal. Invalid UTF-8 bytes become U+FFFD so that
// the output is always valid JSON, whatever a client sent.
void append_json_escaped(std::string& out, std::string_view s);
// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);
}  // namespace sovra
