#include "api/openai/error.hpp"

#include "common/json_escape.hpp"

namespace sovra::api::openai {

const char* error_type(const Error& e) {
  // OpenAI answers an exhausted quota or budget with type and code both "insufficient_quota" (HTTP 429).
  if (e.api_code == "insufficient_quota") return "insufficient_quota";
  switch (e.code) {
    case ErrorCode::kUnauthenticated:
      return "authentication_error";
    case ErrorCode::kPermissionDenied:
      return "permission_error";
    case ErrorCode::kNotFound:
      return "not_found_error";
    case ErrorCode::kRateLimited:
      return "rate_limit_error";
    case ErrorCode::kUnavailable:
      return "service_unavailable_error";
    case ErrorCode::kIo:
    case ErrorCode::kCorruptData:
    case ErrorCode::kInternal:
      return "server_error";
    default:
      return "invalid_request_error";
  }
}

std::string error_json(const Error& e) {
  std::string out = R"({"error":{"message":")";
  append_json_escaped(out, e.message);
  out += R"(","type":")";
  out += error_type(e);
  out += R"(","param":)";
  if (e.param.empty()) {
    out += "null";
  } else {
    out += '"';
    append_json_escaped(out, e.param);
    out += '"';
  }
  out += R"(,"code":")";
  if (e.api_code.empty()) {
    out += error_code_name(e.code);
  } else {
    append_json_escaped(out, e.api_code);
  }
  out += "\"}}";
  return out;
}

http::Response error_response(const Error& e) { return http::Response::json(e.status(), error_json(e)); }

}  // namespace sovra::api::openai
