#include "platform/role.hpp"

#include <array>
#include <utility>

namespace sovra::platform {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 5> kNames = {{{Role::kOwner, "owner"},
                                                                       {Role::kAdmin, "admin"},
                                                                       {Role::kMember, "member"},
                                                                       {Role::kBilling, "billing"},
                                                                       {Role::kAuditor, "auditor"}}};

}  // namespace

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& [r, n] : kNames)
    if (n == name) return r;
  return std::nullopt;
}

std::string_view role_name(Role r) {
  for (const auto& [role, n] : kNames)
    if (role == r) return n;
  return "owner";
}

}  // namespace sovra::platform
