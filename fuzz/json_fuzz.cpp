// Fuzzes JSON parsing of request bodies and the escaping used for every JSON Sovra writes (logs, errors).
#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "common/json_escape.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = sovra::parse_json(text);
  if (v) {
    // What we parsed must serialize to JSON we accept again. (Values may differ in the last bits of long
    // numbers: Boost.JSON 1.81 parses doubles with its fast, not exactly rounded, algorithm.)
    if (!sovra::parse_json(boost::json::serialize(*v))) std::abort();
  }
  std::string escaped = "\"";
  sovra::append_json_escaped(escaped, text);
  escaped += '"';
  // Escaped output is always a valid JSON string, whatever the bytes.
  if (!sovra::parse_json(escaped)) std::abort();
  if (sovra::is_valid_utf8(text)) {
    if (sovra::parse_json(escaped)->as_string() != text) std::abort();
  }
  return 0;
}
