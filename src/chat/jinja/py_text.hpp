#pragma once
// Python's text forms of values, which templates print: str() for `{{ x }}` and `~`, repr() for containers,
// json.dumps() for `tojson`, and UTF-8 code-point helpers (Python strings index by code point, not byte).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "chat/jinja/value.hpp"

namespace sovra::chat::jinja {

// Python str(): "None", "True", "1.5", ['a', 1], {'k': 'v'}; Undefined prints as "".
std::string to_str(const Value& v);
void append_str(std::string& out, const Value& v);
// Python repr().
void append_repr(std::string& out, const Value& v);
std::string repr_string(std::string_view s);
// Python repr(float): shortest round-trip digits, "1.0", "1e-05", "inf".
std::string float_repr(double d);

struct JsonDumpOptions {
  bool has_indent = false;
  std::string indent;         // used when has_indent
  std::string item_separator;  // ", " without indent, "," with indent (Python's defaults)
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;  // Hugging Face's tojson default
};
// Python json.dumps(); throws a type error for values JSON cannot hold (Undefined, generators, functions).
std::string json_dumps(const Value& v, const JsonDumpOptions& options);

// UTF-8 helpers. Invalid bytes count as one code point each.
std::size_t utf8_length(std::string_view s);
// Byte offsets of each code point start, plus s.size() at the end.
std::vector<std::size_t> utf8_offsets(std::string_view s);

}  // namespace sovra::chat::jinja
