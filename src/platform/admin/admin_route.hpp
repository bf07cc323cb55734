#pragma once
// How administration API handlers are written: a function from a parsed call to a JSON reply that runs on the
// store executor (it may block on the database), wrapped into an HTTP handler that returns at once with a
// deferred response. The wrapper checks that the caller authenticated with an admin key whose role holds the route's
// permission (permissions.hpp: one table for every route) and parses the body.
//
// Tenant isolation: handlers see the caller's organisation only through `AdminCall::who.org_id` and pass it to
// every Store call, which answers not-found for other organisations' objects.
#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <string>

#include "http/router.hpp"
#include "platform/principal.hpp"
#include "store/executor.hpp"
#include "store/store.hpp"

namespace sovra::platform::admin {

struct AdminCall;

// What an observer (the audit trail) learns about each administration call that changed something (any method
// but GET, status < 400). Called on the store executor thread, after the change committed.
struct AdminEvent {
  const AdminCall& call;
  std::string_view method;
  std::string_view pattern;
  std::string_view request_id;
  std::string_view request_body;  // as sent (may hold no secrets: admin bodies never carry key plaintext)
  int status = 200;
  std::string_view before;  // JSON of the object before the change when the handler knew it, else empty
  std::string_view after;   // the reply body (may hold a new key's plaintext: observers must redact `value`)
};
using AdminObserver = std::function<void(const AdminEvent&)>;

struct AdminDeps {
  std::shared_ptr<store::Store> store;
  std::shared_ptr<store::Executor> executor;
  std::int64_t default_rotation_grace_s = 86400;
  std::int64_t invite_lifetime_s = 7 * 86400;
  AdminObserver on_change;  // optional
};

struct AdminCall {
  Principal who;
  std::vector<std::pair<std::string, std::string>> params;
  std::string query;
  boost::json::value body;  // null when the request had none

  std::string param(std::string_view name) const;
  store::PageRequest page() const;  // ?after=…&limit=… (limit 1…100, default 20)
  std::string query_value(std::string_view key) const;
};

struct AdminReply {
  int status = 200;
  std::string body;
  std::string before;  // optional: the changed object's JSON before the change, for the audit trail
  std::string content_type;  // empty: application/json (invoices also answer text/csv and text/html)
};

using AdminFn = std::function<Result<AdminReply>(store::Store&, const AdminCall&)>;

// The route's permission comes from permissions.hpp (by method and pattern), not from the caller.
void add_admin_route(http::Router& router, const AdminDeps& deps, std::string method, std::string pattern,
                     AdminFn fn, std::string summary);

// Every /v1/organization/… route.
void add_admin_routes(http::Router& router, const AdminDeps& deps);
void add_project_routes(http::Router& router, const AdminDeps& deps);
void add_key_routes(http::Router& router, const AdminDeps& deps);
void add_member_routes(http::Router& router, const AdminDeps& deps);
void add_rate_limit_routes(http::Router& router, const AdminDeps& deps);
// POST /v1/organization/invites/accept: public (the body's one-time token is the credential).
void add_invite_accept_route(http::Router& router, const AdminDeps& deps);

}  // namespace sovra::platform::admin
