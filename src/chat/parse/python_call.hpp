#pragma once
// Llama 3.1's built-in tool calls, written as a Python call after <|python_tag|>:
//   brave_search.call(query="weather in Paris")   →  name "brave_search", arguments {"query":"weather in Paris"}
// Only keyword arguments with literal values (strings, numbers, True/False/None) are understood.
#include <optional>
#include <string>
#include <string_view>

namespace sovra::chat {

struct PythonCall {
  std::string name;
  std::string arguments;  // a JSON object
};

std::optional<PythonCall> parse_python_call(std::string_view text);

}  // namespace sovra::chat
