#pragma once
// A small synthetic vocabulary of JSON-ish byte tokens for grammar tests: every printable ASCII byte, multi-char
// tokens that cross JSON's structure ("{\"", "\":", "\",\"", "},{", digits, words), UTF-8 characters whole and
// split across two tokens, and two special tokens (EOS, a control token) that have no bytes.
#include <string>
#include <vector>

#include "engine/sampling/types.hpp"

namespace sovra::sampling::grammar::testing {

inline constexpr TokenId kTestEos = 0;
inline constexpr TokenId kTestControl = 1;

inline std::vector<std::string> json_test_vocab() {
  std::vector<std::string> v = {"", "<|ctrl|>"};
  for (int c = 0x20; c < 0x7F; ++c) v.emplace_back(1, static_cast<char>(c));
  for (const char* t : {"{\"",          "\":",          "\": ",     "\",\"",
                        "\", \"",       "\"}",          "},{",      "}]",
                        "[{",           "[]",           "{}",       "\\\"",
                        "\\n",          "\\u00e9",      "\\ud83d",  "true",
                        "false",        "null",         "nu",       "ll",
                        "12",           "345",          "0.",       ".5",
                        "e+",           "-1",           "00",       "name",
                        "age",          "tags",         "red",      "green",
                        "blue",         "value",        "children", "next",
                        ", ",           "2024-",        "-01",      "T12:",
                        ":00Z",         "@example.com", "abc",      " the",
                        "\n",           "\t",           "\x01",     "\xC3\xA9",
                        "\xE2\x82\xAC", "\xE2\x82",     "\xAC",     "\xF0\x9F\x98\x80",
                        "\xF0\x9F",     "\x98\x80",     "\xFF",     "\xC0\xAF",
                        "\xED\xA0\x80"}) {
    v.emplace_back(t);
  }
  return v;
}

}  // namespace sovra::sampling::grammar::testing
