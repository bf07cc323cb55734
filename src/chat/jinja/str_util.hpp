#pragma once
// Python str methods over UTF-8 strings, shared by the string methods and filters. Case mapping is ASCII-only
// (non-ASCII letters pass through unchanged).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sovra::chat::jinja {

// str.strip/lstrip/rstrip; `chars` nullopt strips whitespace.
std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// str.split(sep=None, maxsplit=-1) and str.rsplit.
std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, long maxsplit,
                                  bool from_right = false);
// str.splitlines(keepends=False).
std::vector<std::string> py_splitlines(std::string_view s, bool keepends = false);
std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_capitalize(std::string_view s);
// str.title(): first letter of each run of letters upper, the rest lower.
std::string py_title(std::string_view s);
// jinja2's `title` filter: words split at whitespace, '-', and opening brackets.
std::string jinja_title(std::string_view s);
std::string py_replace(std::string_view s, std::string_view old, std::string_view repl, long count);
std::string html_escape(std::string_view s);
bool is_py_space(char c);

}  // namespace sovra::chat::jinja
