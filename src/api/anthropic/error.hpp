#pragma once
// Anthropic's error shape: {"type":"error","error":{"type":…,"message":…},"request_id":…} with Anthropic's status
// codes. The type follows the status: 400 invalid_request_error, 401 authentication_error, 402 billing_error,
// 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error, 500 api_error,
// 503/529 overloaded_error (sent as 529, as Anthropic does), 504 timeout_error.
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "http/message.hpp"

namespace sovra::api::anthropic {

// The HTTP status Anthropic uses for `e` (529 where Sovra says 503 / kUnavailable).
int error_status(const Error& e);
const char* error_type(const Error& e);

// The error object alone, for the `error` event of a stream: {"type":"error","error":{…},"request_id":…}.
std::string error_json(const Error& e, std::string_view request_id);
http::Response error_response(const Error& e, std::string_view request_id = {});

// True when the request comes from an Anthropic client (it sends `anthropic-version`, as every Anthropic SDK
// does) or targets an Anthropic-only route (/v1/messages…): its errors must have Anthropic's shape.
bool wants_anthropic_errors(const http::Request& request, std::string_view route_pattern);

}  // namespace sovra::api::anthropic
