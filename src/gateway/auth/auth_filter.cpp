#include "gateway/auth/auth_filter.hpp"

#include <boost/json/monotonic_resource.hpp>

#include "api/anthropic/error.hpp"
#include "api/openai/error.hpp"
#include "common/json.hpp"
#include "gateway/auth/auth_metrics.hpp"
#include "platform/ids.hpp"
#include "platform/key_secret.hpp"

namespace sovra::gateway::auth {
namespace {

constexpr std::string_view kAdminPrefix = "/v1/organization/";

std::string_view presented_key(const http::Request& req) {
  auto value = req.header("authorization");
  if (!value.empty()) {
    if (value.size() > 7 && http::iequals(value.substr(0, 7), "bearer ")) {
      value.remove_prefix(7);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return value;
    }
    return "-";  // some other scheme: malformed, not missing
  }
  return req.header("x-api-key");
}

// The model a request names: the {model} path segment, or the top-level "model" of a JSON body.
std::string requested_model(const http::Request& req) {
  if (auto m = req.path_param("model"); !m.empty()) return std::string(m);
  if (req.body.empty() || req.body.front() != '{') return {};
  unsigned char arena[8192];
  boost::json::monotonic_resource mr(arena, sizeof arena);
  auto v = parse_json(req.body, {}, &mr);
  if (!v || !v->is_object()) return {};
  const auto* m = v->as_object().if_contains("model");
  if (m == nullptr || !m->is_string()) return {};
  return std::string(m->as_string());
}

std::string_view key_id_of(std::string_view presented) {
  auto parts = platform::parse_key(presented);
  return parts ? parts->id : std::string_view();
}

http::Response forbidden(bool anthropic, std::string message, std::string param = {}) {
  count_auth_failure(AuthFailureReason::kForbidden);
  const Error e{ErrorCode::kPermissionDenied, std::move(message), std::move(param), 403};
  return anthropic ? api::anthropic::error_response(e) : api::openai::error_response(e);
}

}  // namespace

http::Response invalid_api_key_response(bool missing, bool anthropic) {
  if (anthropic) {
    auto r = api::anthropic::error_response(Error{ErrorCode::kUnauthenticated,
                                                  missing ? "x-api-key header is required" : "invalid x-api-key",
                                                  {},
                                                  401,
                                                  "invalid_api_key"});
    r.headers.push_back({"www-authenticate", "Bearer"});
    return r;
  }
  auto r = http::Response::json(
      401, missing ? R"({"error":{"message":"You didn't provide an API key. Send it in an Authorization header: )"
                     R"(Authorization: Bearer sk-sovra-...","type":"invalid_request_error","param":null,)"
                     R"("code":"invalid_api_key"}})"
                   : R"({"error":{"message":"Incorrect API key provided. Check the key, or ask an administrator )"
                     R"(for a new one.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
  r.headers.push_back({"www-authenticate", "Bearer"});
  return r;
}

const platform::Principal* principal_of(const http::Request& request) {
  return static_cast<const platform::Principal*>(request.principal.get());
}

http::Filter make_auth_filter(AuthFilterOptions options) {
  return [o = std::move(options)](http::Request& req, const http::Route& route) -> std::optional<http::Response> {
    if (route.options.public_route) return std::nullopt;  // e.g. GET /v1/pricing: public by design
    const auto key = presented_key(req);
    if (key.empty() && o.allow_anonymous) return std::nullopt;
    // Anthropic clients (and Anthropic-only routes) get errors in Anthropic's shape.
    const auto anthropic = [&] { return api::anthropic::wants_anthropic_errors(req, route.pattern); };
    auto result = o.keys->authenticate(key, platform::now_seconds_coarse());
    if (!result.principal) {
      const bool missing = result.failure == platform::AuthFailure::kMissing;
      count_auth_failure(missing ? AuthFailureReason::kMissing : AuthFailureReason::kInvalid);
      if (o.on_failure) {
        o.on_failure({.request = req, .route = route, .status = 401, .reason = missing ? "missing" : "invalid",
                      .key_id = key_id_of(key)});
      }
      return invalid_api_key_response(missing, anthropic());
    }
    const auto& p = *result.principal;
    auto refuse = [&](http::Response r) {
      if (o.on_failure) {
        o.on_failure({.request = req, .route = route, .status = r.status, .reason = "forbidden",
                      .key_id = p.key_id, .principal = &p});
      }
      return r;
    };
    const bool admin_route = route.pattern.starts_with(kAdminPrefix);
    if (p.is_admin() != admin_route && !(admin_route && route.options.project_keys)) {
      return refuse(forbidden(anthropic(), p.is_admin()
                                               ? "Admin API keys can only call the administration API (/v1/organization/...)."
                                               : "This endpoint needs an admin API key; project API keys cannot call it."));
    }
    if (!p.may_use_endpoint(route.pattern)) {
      return refuse(forbidden(anthropic(), "This API key is not allowed to call " + req.method + " " + route.pattern + "."));
    }
    if (!p.allowed_models.empty()) {
      const auto model = requested_model(req);
      if (!model.empty() && !p.may_use_model(model)) {
        return refuse(forbidden(anthropic(), "This API key is not allowed to use model '" + model + "'.", "model"));
      }
    }
    // Moved, not copied: one reference-count update less per request.
    const auto* raw = result.principal.get();
    req.principal = std::shared_ptr<const void>(std::move(result.principal), raw);
    return std::nullopt;
  };
}

}  // namespace sovra::gateway::auth
