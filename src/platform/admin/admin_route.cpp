#include "platform/admin/admin_route.hpp"

#include <charconv>

#include "api/openai/error.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "gateway/auth/auth_filter.hpp"
#include "http/deferred.hpp"
#include "platform/admin/permissions.hpp"

namespace sovra::platform::admin {

std::string AdminCall::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return {};
}

std::string AdminCall::query_value(std::string_view key) const {
  std::string_view q = query;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const auto part = q.substr(0, amp);
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == key) return std::string(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return {};
}

store::PageRequest AdminCall::page() const {
  store::PageRequest p;
  p.after = query_value("after");
  const auto limit = query_value("limit");
  std::int64_t v = 0;
  if (!limit.empty() && std::from_chars(limit.data(), limit.data() + limit.size(), v).ec == std::errc()) p.limit = v;
  return p;
}

void add_admin_route(http::Router& router, const AdminDeps& deps, std::string method, std::string pattern, AdminFn fn,
                     std::string summary) {
  const bool has_body = method == "POST";
  const auto needs = required_permission(method, pattern);
  auto handler = [deps, fn = std::move(fn), method, pattern, needs](http::Request& req) -> http::Response {
    const auto* who = gateway::auth::principal_of(req);
    if (who == nullptr) return gateway::auth::invalid_api_key_response(true);
    if (!who->is_admin()) {
      return api::openai::error_response(
          Error{ErrorCode::kPermissionDenied, "This endpoint needs an admin API key.", {}, 403});
    }
    if (!role_has(who->role, needs)) return api::openai::error_response(insufficient_permissions(who->role, needs));
    AdminCall call{*who, req.path_params, req.query, nullptr};
    const bool observe = deps.on_change && method != "GET";
    std::string request_id = observe ? req.request_id : std::string();
    std::string request_body = observe ? req.body : std::string();
    if (!req.body.empty()) {
      auto v = parse_json(req.body);
      if (!v) return api::openai::error_response(v.error());
      if (!v->is_object()) return api::openai::error_response(Error::invalid("The request body must be a JSON object."));
      call.body = std::move(*v);
    }
    auto promise = std::make_shared<http::ResponsePromise>();
    deps.executor->post([promise, fn, store = deps.store, call = std::move(call), observe, on_change = deps.on_change,
                         method, pattern, request_id = std::move(request_id),
                         request_body = std::move(request_body)] {
      http::Response r;
      try {
        auto reply = fn(*store, call);
        if (observe && reply && reply->status < 400) {
          on_change(AdminEvent{.call = call,
                               .method = method,
                               .pattern = pattern,
                               .request_id = request_id,
                               .request_body = request_body,
                               .status = reply->status,
                               .before = reply->before,
                               .after = reply->body});
        }
        r = !reply ? api::openai::error_response(reply.error())
            : reply->content_type.empty()
                ? http::Response::json(reply->status, std::move(reply->body))
                : http::Response::text(reply->status, std::move(reply->body), reply->content_type);
        if (!reply && reply.error().status() >= 500) {
          static const Logger log("admin");
          log.error("admin request failed", {{"error", reply.error().message}});
          r = api::openai::error_response(Error::internal("The store failed; see the server log."));
        }
      } catch (const std::exception& e) {
        static const Logger log("admin");
        log.error("admin handler threw", {{"what", e.what()}});
        r = api::openai::error_response(Error::internal("Internal error while handling the request"));
      }
      promise->complete(std::move(r));
    });
    return http::Response::later(promise);
  };
  router.add(std::move(method), std::move(pattern), std::move(handler),
             {.json_body = has_body, .summary = std::move(summary)});
}

void add_admin_routes(http::Router& router, const AdminDeps& deps) {
  add_project_routes(router, deps);
  add_key_routes(router, deps);
  add_member_routes(router, deps);
  add_rate_limit_routes(router, deps);
  add_invite_accept_route(router, deps);
}

}  // namespace sovra::platform::admin
