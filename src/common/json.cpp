#include "common/json.hpp"

#include <boost/json/stream_parser.hpp>

#include <cmath>
#include <vector>

namespace sovra {
namespace {

// Boost.JSON turns numbers beyond double's range (1e400) into infinity, which JSON cannot express: reject them
// so that nothing downstream ever serializes an infinity.
bool has_non_finite_number(const boost::json::value& root) {
  std::vector<const boost::json::value*> stack = {&root};
  while (!stack.empty()) {
    const auto* v = stack.back();
    stack.pop_back();
    if (v->is_double()) {
      if (!std::isfinite(v->get_double())) return true;
    } else if (v->is_array()) {
      for (const auto& x : v->get_array()) stack.push_back(&x);
    } else if (v->is_object()) {
      for (const auto& kv : v->get_object()) stack.push_back(&kv.value());
    }
  }
  return false;
}

}  // namespace

Result<boost::json::value> parse_json(std::string_view text, const JsonLimits& limits,
                                      boost::json::storage_ptr storage) {
  if (text.empty()) return Error::invalid("Request body is empty; expected a JSON document");
  boost::json::parse_options opts;
  opts.max_depth = limits.max_depth;
  boost::json::stream_parser parser({}, opts);
  parser.reset(std::move(storage));
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(text.data(), text.size(), ec);
  if (!ec) {
    // write_some stops after one complete value; anything but whitespace after it is an error.
    std::size_t i = used;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    if (i < text.size()) {
      return Error::invalid("Invalid JSON at byte " + std::to_string(i) + ": unexpected data after the document");
    }
    parser.finish(ec);
    if (ec) return Error::invalid("Invalid JSON at byte " + std::to_string(text.size()) + ": " + ec.message());
    auto value = parser.release();
    if (has_non_finite_number(value)) return Error::invalid("Invalid JSON: a number is too large to represent");
    return value;
  }
  return Error::invalid("Invalid JSON at byte " + std::to_string(used) + ": " + ec.message());
}

}  // namespace sovra
