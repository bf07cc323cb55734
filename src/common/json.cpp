#include "common/json.hpp"

#include <boost/json/stream_parser.hpp>

namespace sovra {

Result<boost::json::value> parse_json(std::string_view text, const JsonLimits& limits) {
  if (text.empty()) return Error::invalid("Request body is empty; expected a JSON document");
  boost::json::parse_options opts;
  opts.max_depth = limits.max_depth;
  boost::json::stream_parser parser({}, opts);
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
    return parser.release();
  }
  return Error::invalid("Invalid JSON at byte " + std::to_string(used) + ": " + ec.message());
}

}  // namespace sovra
