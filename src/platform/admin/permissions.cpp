#include "platform/admin/permissions.hpp"

#include <array>
#include <string>

namespace sovra::platform::admin {
namespace {

struct Rule {
  std::string_view method;  // "*": any
  std::string_view pattern;
  Permission permission;
};

using P = Permission;
constexpr std::string_view kProjects = "/v1/organization/projects";
constexpr std::string_view kProject = "/v1/organization/projects/{project_id}";

// Exact patterns. Everything under a project other than the project itself is managed (keys, service accounts,
// rate limits, residency, content retention).
constexpr std::array kRules = {
    Rule{"GET", kProjects, P::kReadProjects},
    Rule{"GET", kProject, P::kReadProjects},
    Rule{"*", kProjects, P::kManage},
    Rule{"*", kProject, P::kManage},
    Rule{"POST", "/v1/organization/projects/{project_id}/archive", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/api_keys", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/api_keys/{key_id}", P::kManage},
    Rule{"POST", "/v1/organization/projects/{project_id}/api_keys/{key_id}/revoke", P::kManage},
    Rule{"POST", "/v1/organization/projects/{project_id}/api_keys/{key_id}/rotate", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/api_keys/{key_id}/rate_limits", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/api_keys/{key_id}/rate_limits/{rate_limit_id}", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/service_accounts", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/service_accounts/{service_account_id}", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/rate_limits", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/rate_limits/{rate_limit_id}", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/residency", P::kManage},
    Rule{"*", "/v1/organization/projects/{project_id}/content_retention", P::kManage},
    Rule{"*", "/v1/organization/admin_api_keys", P::kOwner},
    Rule{"*", "/v1/organization/admin_api_keys/{key_id}", P::kOwner},
    Rule{"POST", "/v1/organization/admin_api_keys/{key_id}/revoke", P::kOwner},
    Rule{"POST", "/v1/organization/admin_api_keys/{key_id}/rotate", P::kOwner},
    // Users and invites: changes that touch an owner also need kOwner (checked in member_routes.cpp).
    Rule{"*", "/v1/organization/users", P::kManage},
    Rule{"*", "/v1/organization/users/{user_id}", P::kManage},
    Rule{"*", "/v1/organization/invites", P::kManage},
    Rule{"*", "/v1/organization/invites/{invite_id}", P::kManage},
    Rule{"*", "/v1/organization/rate_limits", P::kManage},
    Rule{"*", "/v1/organization/rate_limits/{rate_limit_id}", P::kManage},
    Rule{"*", "/v1/organization/residency", P::kManage},
    Rule{"GET", "/v1/organization/budgets", P::kReadBilling},
    Rule{"*", "/v1/organization/budgets", P::kManage},
    Rule{"*", "/v1/organization/budgets/{scope}", P::kManage},
    Rule{"GET", "/v1/organization/prices", P::kReadBilling},
    Rule{"*", "/v1/organization/prices", P::kManage},
    Rule{"GET", "/v1/organization/billing", P::kReadBilling},
    Rule{"*", "/v1/organization/billing", P::kManage},
    Rule{"GET", "/v1/organization/costs", P::kReadBilling},
    Rule{"GET", "/v1/organization/invoices/{month}", P::kReadBilling},
    Rule{"GET", "/v1/organization/usage/completions", P::kReadUsage},
    Rule{"GET", "/v1/organization/usage/embeddings", P::kReadUsage},
    Rule{"GET", "/v1/organization/usage/audio_transcriptions", P::kReadUsage},
    Rule{"GET", "/v1/organization/usage/ocr", P::kReadUsage},
    Rule{"GET", "/v1/organization/audit_logs", P::kReadAudit},
};

constexpr std::string_view holders(Permission p) {
  switch (p) {
    case P::kOwner: return "owner";
    case P::kManage: return "owner or admin";
    case P::kReadProjects: return "owner, admin or member";
    case P::kReadUsage: return "owner, admin, billing or auditor";
    case P::kReadBilling: return "owner, admin or billing";
    case P::kReadAudit: return "owner, admin or auditor";
  }
  return "owner";
}

}  // namespace

std::optional<Permission> permission_rule(std::string_view method, std::string_view pattern) {
  for (const auto& r : kRules)
    if (r.pattern == pattern && (r.method == "*" || r.method == method)) return r.permission;
  return std::nullopt;
}

Permission required_permission(std::string_view method, std::string_view pattern) {
  return permission_rule(method, pattern).value_or(Permission::kOwner);
}

bool role_has(Role role, Permission p) {
  switch (role) {
    case Role::kOwner: return true;
    case Role::kAdmin: return p != P::kOwner;
    case Role::kMember: return p == P::kReadProjects;
    case Role::kBilling: return p == P::kReadUsage || p == P::kReadBilling;
    case Role::kAuditor: return p == P::kReadUsage || p == P::kReadAudit;
  }
  return false;
}

bool role_within(Role inner, Role outer) {
  for (auto p : {P::kOwner, P::kManage, P::kReadProjects, P::kReadUsage, P::kReadBilling, P::kReadAudit})
    if (role_has(inner, p) && !role_has(outer, p)) return false;
  return true;
}

Error insufficient_permissions(Role role, Permission p) {
  Error e{ErrorCode::kPermissionDenied,
          "This admin key acts with the role '" + std::string(role_name(role)) + "'; this request needs the role " +
              std::string(holders(p)) + ".",
          {},
          403};
  e.api_code = "insufficient_permissions";
  return e;
}

}  // namespace sovra::platform::admin
