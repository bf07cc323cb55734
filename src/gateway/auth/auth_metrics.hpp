#pragma once
// Metrics of the auth filter: sovra_auth_failures_total{reason} with reason missing | invalid | forbidden.
// Successes are not counted here (the HTTP request metrics have them), which keeps the hot path free of it.
namespace sovra::gateway::auth {

enum class AuthFailureReason { kMissing, kInvalid, kForbidden };

void count_auth_failure(AuthFailureReason reason);

}  // namespace sovra::gateway::auth
