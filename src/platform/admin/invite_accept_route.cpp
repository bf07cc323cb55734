// POST /v1/organization/invites/accept {token, name?}: public, since the one-time token is the credential. Answers
// the new user with an admin key (its value shown once) acting with the invited role.
#include "api/openai/error.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "http/deferred.hpp"
#include "platform/admin/admin_json.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/ids.hpp"
#include "platform/invite_accept.hpp"

namespace sovra::platform::admin {
namespace {

Result<std::string> accept(store::Store& s, const boost::json::value& body) {
  SOVRA_TRY(auto token, string_field(body, "token", true));
  SOVRA_TRY(auto name, string_field(body, "name", false));
  if (name.size() > 256) return Error::invalid("'name' must have at most 256 characters.", "name");
  SOVRA_TRY(auto done, accept_invite(s, token, std::move(name), now_seconds()));
  auto o = user_json(done.user);
  o["invite_id"] = done.invite.id;
  o["admin_api_key"] = key_json(done.admin_key.record, done.admin_key.plaintext);
  return to_string(o);
}

}  // namespace

void add_invite_accept_route(http::Router& router, const AdminDeps& deps) {
  auto handler = [store = deps.store, executor = deps.executor](http::Request& req) -> http::Response {
    auto body = parse_json(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
    if (!body) return api::openai::error_response(body.error());
    if (!body->is_object()) return api::openai::error_response(Error::invalid("The request body must be a JSON object."));
    auto promise = std::make_shared<http::ResponsePromise>();
    executor->post([promise, store, body = std::move(*body)] {
      http::Response r;
      try {
        auto reply = accept(*store, body);
        if (!reply && reply.error().status() >= 500) {
          static const Logger log("admin");
          log.error("invite acceptance failed", {{"error", reply.error().message}});
          r = api::openai::error_response(Error::internal("The store failed; see the server log."));
        } else {
          r = reply ? http::Response::json(201, std::move(*reply)) : api::openai::error_response(reply.error());
        }
      } catch (const std::exception& e) {
        static const Logger log("admin");
        log.error("invite acceptance threw", {{"what", e.what()}});
        r = api::openai::error_response(Error::internal("Internal error while handling the request"));
      }
      promise->complete(std::move(r));
    });
    return http::Response::later(promise);
  };
  router.add("POST", "/v1/organization/invites/accept", std::move(handler),
             {.json_body = true,
              .summary = "Accept an invite with its one-time token; creates the user and an admin key (Sovra extension)",
              .public_route = true});
}

}  // namespace sovra::platform::admin
