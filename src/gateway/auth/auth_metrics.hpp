#pragma once
// Metrics of the auth filter: sovra_auth_requests_total{result} with result ok | missing | invalid | forbidden.
namespace sovra::gateway::auth {

enum class AuthOutcome { kOk, kMissing, kInvalid, kForbidden };

void count_auth(AuthOutcome outcome);

}  // namespace sovra::gateway::auth
