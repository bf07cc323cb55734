#pragma once
// Who a request acts as, once its API key was verified: the key, its organisation and project, and what the key
// may reach. Immutable; shared between the key cache and the requests using it.
#include <string>
#include <vector>

#include "platform/role.hpp"
#include "store/records.hpp"

namespace sovra::platform {

struct Principal {
  std::string key_id;
  std::string org_id;
  std::string project_id;  // empty for admin keys
  store::KeyKind kind = store::KeyKind::kProject;
  std::string owner_type;
  std::string owner_id;
  // Admin keys: what the administration API lets them do (platform/admin/permissions.hpp). The key cache always
  // sets it from the stored key; the default is for principals built by hand (tests, tools).
  Role role = Role::kOwner;
  std::vector<std::string> allowed_models;     // empty: all
  std::vector<std::string> allowed_endpoints;  // route patterns; empty: all

  bool is_admin() const { return kind == store::KeyKind::kAdmin; }
  bool may_use_model(std::string_view model) const;
  bool may_use_endpoint(std::string_view route_pattern) const;
};

}  // namespace sovra::platform
