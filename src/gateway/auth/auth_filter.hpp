#pragma once
// The authentication filter of the gateway chain, applied to every /v1/* route (router.use("/v1/", …)):
//
// - takes the key from `Authorization: Bearer <key>` (or `x-api-key`, as Anthropic clients send it);
// - errors have OpenAI's shape, or Anthropic's for Anthropic clients (anthropic-version header) and /v1/messages*;
// - missing, malformed, unknown, wrong, expired or revoked keys → 401 with code
//   `invalid_api_key` and one message for all of the latter (nothing tells which);
// - a key limited to some endpoints or models used elsewhere → 403;
// - admin keys reach only the administration API (/v1/organization/…), project keys everything else;
// - on success sets Request::principal (platform::Principal) for the handler.
//
// Cost on the hot path: one hash-map lookup under a shared lock and one SHA-256 of ~80 bytes; no I/O.
#include <functional>
#include <memory>
#include <string_view>

#include "http/router.hpp"
#include "platform/key_cache.hpp"

namespace sovra::gateway::auth {

// A request the filter turned away (for the audit trail). Called on the I/O thread: must not block.
struct AuthFailureEvent {
  const http::Request& request;
  const http::Route& route;
  int status = 401;            // 401: no valid key; 403: a valid key not allowed here
  std::string_view reason;     // "missing" | "invalid" | "forbidden"
  std::string_view key_id;     // the key id part of a presented key in Sovra's format (never the secret), else empty
  const platform::Principal* principal = nullptr;  // set for 403
};

struct AuthFilterOptions {
  std::shared_ptr<const platform::KeyCache> keys;
  // --insecure-no-auth: requests without a key pass unauthenticated (a presented key is still checked).
  bool allow_anonymous = false;
  std::function<void(const AuthFailureEvent&)> on_failure;  // optional
};

http::Filter make_auth_filter(AuthFilterOptions options);

// The principal the filter attached, or null.
const platform::Principal* principal_of(const http::Request& request);

// The 401 response (exposed for tests and for handlers that authenticate by other means).
http::Response invalid_api_key_response(bool missing, bool anthropic = false);

}  // namespace sovra::gateway::auth
