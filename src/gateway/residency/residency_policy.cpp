#include "gateway/residency/residency_policy.hpp"

#include <algorithm>

namespace sovra::gateway::residency {
namespace {

// Never a real region or jurisdiction: an intersection that came out empty must refuse, not allow everything.
constexpr const char* kNothing = "(none)";

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::vector<std::string> intersect(const std::vector<std::string>& org, const std::vector<std::string>& project) {
  if (org.empty()) return project;
  if (project.empty()) return org;
  std::vector<std::string> out;
  for (const auto& p : project)
    if (contains(org, p)) out.push_back(p);
  if (out.empty()) out.emplace_back(kNothing);
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

bool unconstrained(const routing::RoutingConstraints& c) {
  return c.allowed_regions.empty() && c.allowed_jurisdictions.empty();
}

bool allows(const routing::RoutingConstraints& c, const routing::DeploymentInfo& d) {
  if (!c.allowed_regions.empty() && (d.region.empty() || !contains(c.allowed_regions, d.region))) return false;
  if (!c.allowed_jurisdictions.empty()) {
    bool ok = !d.jurisdiction.empty() && contains(c.allowed_jurisdictions, d.jurisdiction);
    for (const auto& z : d.zones) ok = ok || contains(c.allowed_jurisdictions, z);
    if (!ok) return false;
  }
  return true;
}

routing::RoutingConstraints combine(const std::optional<ResidencyPolicy>& org,
                                    const std::optional<ResidencyPolicy>& project) {
  static const std::vector<std::string> kNone;
  routing::RoutingConstraints c;
  c.allowed_regions = intersect(org ? org->allowed_regions : kNone, project ? project->allowed_regions : kNone);
  c.allowed_jurisdictions =
      intersect(org ? org->allowed_jurisdictions : kNone, project ? project->allowed_jurisdictions : kNone);
  return c;
}

Status check_narrows(const ResidencyPolicy& project, const std::optional<ResidencyPolicy>& org) {
  if (!org) return {};
  for (const auto& r : project.allowed_regions) {
    if (!org->allowed_regions.empty() && !contains(org->allowed_regions, r)) {
      return Error::invalid("Region '" + r + "' is outside the organization's allowed regions (" +
                                join(org->allowed_regions) + "); a project can only narrow them.",
                            "allowed_regions");
    }
  }
  for (const auto& j : project.allowed_jurisdictions) {
    if (!org->allowed_jurisdictions.empty() && !contains(org->allowed_jurisdictions, j)) {
      return Error::invalid("Jurisdiction '" + j + "' is outside the organization's allowed jurisdictions (" +
                                join(org->allowed_jurisdictions) + "); a project can only narrow them.",
                            "allowed_jurisdictions");
    }
  }
  return {};
}

Error refusal(const std::string& model, const routing::RoutingConstraints& c) {
  std::string where;
  if (!c.allowed_regions.empty()) where += "regions [" + join(c.allowed_regions) + "]";
  if (!c.allowed_jurisdictions.empty()) {
    if (!where.empty()) where += " and ";
    where += "jurisdictions [" + join(c.allowed_jurisdictions) + "]";
  }
  Error e{ErrorCode::kPermissionDenied,
          "No deployment of model '" + model + "' is available inside this project's data-residency policy (" + where +
              "). The request was not sent anywhere else.",
          "model", 403};
  e.api_code = std::string(kResidencyErrorCode);
  return e;
}

Status check_deployments(const std::vector<routing::DeploymentInfo>& deployments, bool policies_exist) {
  if (!policies_exist) return {};
  for (const auto& d : deployments) {
    if (d.region.empty() || d.jurisdiction.empty()) {
      return Error::invalid("Deployment '" + d.name + "' (model '" + d.model +
                            "') has no region or jurisdiction, but data-residency policies exist: set both for every "
                            "deployment so that the policies can be enforced.");
    }
  }
  return {};
}

}  // namespace sovra::gateway::residency
