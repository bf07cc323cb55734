#include "api/anthropic/error.hpp"

#include "common/json_escape.hpp"

namespace sovra::api::anthropic {

int error_status(const Error& e) {
  const int status = e.status();
  if (status == 503 || e.code == ErrorCode::kUnavailable) return 529;
  return status;
}

const char* error_type(const Error& e) {
  switch (error_status(e)) {
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      break;
  }
  return error_status(e) >= 500 ? "api_error" : "invalid_request_error";
}

std::string error_json(const Error& e, std::string_view request_id) {
  std::string out = R"({"type":"error","error":{"type":")";
  out += error_type(e);
  out += R"(","message":")";
  append_json_escaped(out, e.message);
  out += R"("},"request_id":)";
  if (request_id.empty()) {
    out += "null";
  } else {
    out += '"';
    append_json_escaped(out, request_id);
    out += '"';
  }
  out += '}';
  return out;
}

http::Response error_response(const Error& e, std::string_view request_id) {
  auto r = http::Response::json(error_status(e), error_json(e, request_id));
  if (!request_id.empty()) r.headers.push_back({"request-id", std::string(request_id)});
  return r;
}

bool wants_anthropic_errors(const http::Request& request, std::string_view route_pattern) {
  return route_pattern.starts_with("/v1/messages") || !request.header("anthropic-version").empty();
}

}  // namespace sovra::api::anthropic
