#pragma once
// Administration API for residency policies (Sovra extension, admin keys, the caller's organisation only):
//   GET|POST|DELETE /v1/organization/residency                          — the organisation's policy
//   GET|POST|DELETE /v1/organization/projects/{project_id}/residency    — a project's (must narrow the org's)
// Body of POST: {"allowed_regions": ["se-sto-1", …], "allowed_jurisdictions": ["SE", "EU", …]} (empty or absent
// list: no restriction in that dimension). Reply: an `organization.residency_policy` object.
#include <memory>

#include "gateway/residency/policy_store.hpp"
#include "platform/admin/admin_route.hpp"

namespace sovra::gateway::residency {

void add_residency_routes(http::Router& router, const platform::admin::AdminDeps& deps,
                          std::shared_ptr<PolicyCache> policies);

}  // namespace sovra::gateway::residency
