// The role table: which role holds which permission, role narrowing, deny-by-default for unknown routes, and the
// 403 a refused key gets.
#include "platform/admin/permissions.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "api/openai/error.hpp"

namespace sovra::platform::admin {
namespace {

using P = Permission;
constexpr Role kAll[] = {Role::kOwner, Role::kAdmin, Role::kMember, Role::kBilling, Role::kAuditor};

TEST(Permissions, EachRoleHoldsExactlyItsPermissions) {
  struct Row {
    Permission p;
    std::vector<Role> holders;
  };
  const std::vector<Row> rows = {
      {P::kOwner, {Role::kOwner}},
      {P::kManage, {Role::kOwner, Role::kAdmin}},
      {P::kReadProjects, {Role::kOwner, Role::kAdmin, Role::kMember}},
      {P::kReadUsage, {Role::kOwner, Role::kAdmin, Role::kBilling, Role::kAuditor}},
      {P::kReadBilling, {Role::kOwner, Role::kAdmin, Role::kBilling}},
      {P::kReadAudit, {Role::kOwner, Role::kAdmin, Role::kAuditor}},
  };
  for (const auto& row : rows) {
    for (auto r : kAll) {
      const bool want = std::find(row.holders.begin(), row.holders.end(), r) != row.holders.end();
      EXPECT_EQ(role_has(r, row.p), want) << role_name(r) << " / " << static_cast<int>(row.p);
    }
  }
}

TEST(Permissions, RoutesMapToPermissionsAndUnknownRoutesNeedAnOwner) {
  EXPECT_EQ(required_permission("GET", "/v1/organization/projects"), P::kReadProjects);
  EXPECT_EQ(required_permission("POST", "/v1/organization/projects"), P::kManage);
  EXPECT_EQ(required_permission("GET", "/v1/organization/projects/{project_id}"), P::kReadProjects);
  EXPECT_EQ(required_permission("POST", "/v1/organization/projects/{project_id}/archive"), P::kManage);
  EXPECT_EQ(required_permission("GET", "/v1/organization/admin_api_keys"), P::kOwner);
  EXPECT_EQ(required_permission("GET", "/v1/organization/audit_logs"), P::kReadAudit);
  EXPECT_EQ(required_permission("GET", "/v1/organization/costs"), P::kReadBilling);
  EXPECT_EQ(required_permission("GET", "/v1/organization/usage/completions"), P::kReadUsage);
  EXPECT_EQ(required_permission("GET", "/v1/organization/prices"), P::kReadBilling);
  EXPECT_EQ(required_permission("POST", "/v1/organization/prices"), P::kManage);
  EXPECT_FALSE(permission_rule("GET", "/v1/organization/something_new"));
  EXPECT_EQ(required_permission("GET", "/v1/organization/something_new"), P::kOwner);
  EXPECT_FALSE(permission_rule("POST", "/v1/organization/costs"));  // a rule for GET says nothing about POST
}

TEST(Permissions, NarrowerRolesAreWithinWiderOnesOnly) {
  for (auto r : kAll) {
    EXPECT_TRUE(role_within(r, Role::kOwner));
    EXPECT_TRUE(role_within(r, r));
  }
  EXPECT_TRUE(role_within(Role::kMember, Role::kAdmin));
  EXPECT_TRUE(role_within(Role::kBilling, Role::kAdmin));
  EXPECT_FALSE(role_within(Role::kAdmin, Role::kBilling));
  EXPECT_FALSE(role_within(Role::kBilling, Role::kAuditor));  // billing reads costs, auditors do not
  EXPECT_FALSE(role_within(Role::kAuditor, Role::kBilling));  // auditors read audit logs, billing does not
  EXPECT_FALSE(role_within(Role::kOwner, Role::kAdmin));
}

TEST(Permissions, RefusalIsA403InOpenAIsShapeNamingTheNeededRole) {
  const auto e = insufficient_permissions(Role::kMember, P::kManage);
  EXPECT_EQ(e.status(), 403);
  const auto body = api::openai::error_json(e);
  EXPECT_NE(body.find(R"("code":"insufficient_permissions")"), std::string::npos) << body;
  EXPECT_NE(body.find("owner or admin"), std::string::npos) << body;
  EXPECT_NE(body.find("'member'"), std::string::npos) << body;
}

TEST(Roles, NamesRoundTrip) {
  for (auto r : kAll) EXPECT_EQ(parse_role(role_name(r)), r);
  EXPECT_FALSE(parse_role("root"));
  EXPECT_FALSE(parse_role(""));
}

}  // namespace
}  // namespace sovra::platform::admin
