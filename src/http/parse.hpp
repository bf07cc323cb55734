#pragma once
// Parsing of one request from raw bytes with the server's own parser settings. The server uses the same
// conversion; the fuzz target and unit tests drive it directly without sockets.
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "http/message.hpp"

namespace sovra::http {

struct ParseLimits {
  std::uint64_t max_header_bytes = 16 * 1024;
  std::uint64_t max_body_bytes = 16 * 1024 * 1024;
};

// Parses exactly one complete request at the start of `raw`. Errors carry the status the server answers with
// (400 malformed, 431 head too large, 413 body too large); an incomplete request is a 400.
Result<Request> parse_request(std::string_view raw, const ParseLimits& limits);

// "x-request-id" values we accept and echo: 1–128 characters of [A-Za-z0-9._:-]. Others are replaced.
bool is_acceptable_request_id(std::string_view id);
std::string new_request_id();

// Splits target into path and query.
void split_target(std::string_view target, std::string& path, std::string& query);

}  // namespace sovra::http
