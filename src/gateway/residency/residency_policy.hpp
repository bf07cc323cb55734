#pragma once
// Data residency: which regions and jurisdictions an organisation's or a project's calls may run in.
//
// A policy has two lists; an empty list allows everything in that dimension. A deployment satisfies constraints
// when its region is in allowed_regions (if non-empty) AND its jurisdiction or one of its zones is in
// allowed_jurisdictions (if non-empty) — routing::RoutingConstraints' rule. A project's policy may only narrow its
// organisation's (enforced when it is written, and again by intersection when constraints are computed, so a later
// change of the organisation's policy can never widen a project's).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "routing/model_router.hpp"

namespace sovra::gateway::residency {

inline constexpr std::string_view kResidencyErrorCode = "residency_violation";

struct ResidencyPolicy {
  std::string scope_id;  // the organisation id or the project id it applies to
  std::string org_id;
  std::vector<std::string> allowed_regions;
  std::vector<std::string> allowed_jurisdictions;
  std::int64_t updated_at = 0;
  bool operator==(const ResidencyPolicy&) const = default;
  bool empty() const { return allowed_regions.empty() && allowed_jurisdictions.empty(); }
};

// Whether `d` satisfies `c`.
bool allows(const routing::RoutingConstraints& c, const routing::DeploymentInfo& d);
bool unconstrained(const routing::RoutingConstraints& c);

// The constraints of a project under its organisation (either may be absent).
routing::RoutingConstraints combine(const std::optional<ResidencyPolicy>& org,
                                    const std::optional<ResidencyPolicy>& project);

// A project policy must stay inside its organisation's: a 400 naming the first entry that does not.
Status check_narrows(const ResidencyPolicy& project, const std::optional<ResidencyPolicy>& org);

// The 403 for a call that no deployment inside `c` can serve.
Error refusal(const std::string& model, const routing::RoutingConstraints& c);

// Start-up check: when any residency policy exists, every deployment must say where it runs (region and
// jurisdiction); otherwise a policy could not be enforced. Names the first deployment without them.
Status check_deployments(const std::vector<routing::DeploymentInfo>& deployments, bool policies_exist);

}  // namespace sovra::gateway::residency
