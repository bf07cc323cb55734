#pragma once
// OpenAI's error shape: {"error":{"message","type","param","code"}} with the matching HTTP status.
#include <string>

#include "common/error.hpp"
#include "http/message.hpp"

namespace sovra::api::openai {

// OpenAI `type` for an error: invalid_request_error, authentication_error, permission_error, not_found_error,
// rate_limit_error, server_error…
const char* error_type(const Error& e);
std::string error_json(const Error& e);
http::Response error_response(const Error& e);

}  // namespace sovra::api::openai
