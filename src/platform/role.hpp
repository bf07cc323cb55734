#pragma once
// A user's role in an organisation, which admin keys inherit: what the administration API lets the key do.
//   owner    everything, including owners and admin keys
//   admin    projects, keys, service accounts, users and invites (except owners), limits, pricing
//   member   reads projects
//   billing  usage, costs, invoices; reads prices and the billing account
//   auditor  audit logs and usage, read-only
#include <optional>
#include <string_view>

namespace sovra::platform {

enum class Role { kOwner, kAdmin, kMember, kBilling, kAuditor };

std::optional<Role> parse_role(std::string_view name);
std::string_view role_name(Role r);

}  // namespace sovra::platform
