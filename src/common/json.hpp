#pragma once
// Parsing JSON from outside (request bodies, upstream replies) with limits and errors a client can act on.
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <string_view>

#include "common/error.hpp"

namespace sovra {

struct JsonLimits {
  std::size_t max_depth = 64;
};

// Parses one JSON document. Errors name the byte offset and the problem: "Invalid JSON at byte 17: …".
// Strings must be valid UTF-8. Trailing non-whitespace is an error.
// `storage` lets hot paths parse into an arena (boost::json::monotonic_resource) instead of the heap.
Result<boost::json::value> parse_json(std::string_view text, const JsonLimits& limits = {},
                                      boost::json::storage_ptr storage = {});

}  // namespace sovra
