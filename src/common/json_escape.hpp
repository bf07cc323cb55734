#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sovra {
// Appends `s` to `out` escaped for use inside a JSON string literal. Invalid UTF-8 bytes become U+FFFD so that
// the output is always valid JSON, whatever a client sent.
void append_json_escaped(std::string& out, std::string_view s);
// Length of the leading run of `s` that a JSON string holds as it is: printable ASCII but '"' and '\\' (eight
// bytes at a time). Encoders copy such runs whole; decoders stop at what follows them.
std::size_t json_plain_prefix(std::string_view s);
// Appends `v` as a JSON number.
void append_json_int(std::string& out, std::int64_t v);
// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);
}  // namespace sovra
