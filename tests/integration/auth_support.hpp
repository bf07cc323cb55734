#pragma once
// Helpers for the authentication and administration integration tests.
#include <boost/json/value.hpp>

#include <string>

#include "support/raw_http.hpp"

namespace sovra::test {

// One request with `Authorization: Bearer <key>` (no header when key is empty).
HttpReply call(int port, std::string_view method, std::string_view path, const std::string& key,
               std::string_view body = {});
// The body parsed as JSON (null when it is not JSON).
boost::json::value json_of(const HttpReply& reply);
std::string str(const boost::json::value& v, std::string_view field);
std::string read_file(const std::string& path);  // whole file, trailing newline removed

}  // namespace sovra::test
