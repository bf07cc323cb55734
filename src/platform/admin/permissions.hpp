#pragma once
// Who may call which administration route: one table from (method, route pattern) to a permission, and from
// permission to the roles holding it (platform/role.hpp). add_admin_route looks the route up once at registration
// and refuses callers whose admin key's role lacks the permission with 403 `insufficient_permissions`.
// A route missing from the table needs kOwner (deny by default); tests check that every route has a row.
#include <optional>
#include <string_view>

#include "common/error.hpp"
#include "platform/role.hpp"

namespace sovra::platform::admin {

enum class Permission {
  kOwner,         // admin keys, anything not in the table
  kManage,        // projects, keys, service accounts, users and invites, limits, budgets, residency, prices
  kReadProjects,  // list and retrieve projects
  kReadUsage,     // usage buckets
  kReadBilling,   // costs, invoices, prices, billing account, budgets
  kReadAudit,     // audit logs
};

// The table row for a route, if it has one.
std::optional<Permission> permission_rule(std::string_view method, std::string_view pattern);
Permission required_permission(std::string_view method, std::string_view pattern);

bool role_has(Role role, Permission p);
// Whether `inner` grants nothing that `outer` lacks.
bool role_within(Role inner, Role outer);
// 403, OpenAI shape, code insufficient_permissions, naming the roles that hold `p`.
Error insufficient_permissions(Role role, Permission p);

}  // namespace sovra::platform::admin
