// Service accounts (/v1/organization/projects/{project_id}/service_accounts), users (/v1/organization/users) and
// invites (/v1/organization/invites).
#include <array>

#include "platform/admin/admin_json.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/admin/permissions.hpp"
#include "platform/ids.hpp"
#include "platform/invite_token.hpp"
#include "platform/key_issuer.hpp"

namespace sovra::platform::admin {
namespace {

constexpr std::array kRoles = {"owner", "admin", "member", "billing", "auditor"};

// Admins manage users and invites, but only owners make, change or remove owners.
Status may_touch(const AdminCall& c, std::string_view role) {
  if (role == "owner" && c.who.role != Role::kOwner) return insufficient_permissions(c.who.role, Permission::kOwner);
  return {};
}

// A user's admin keys keep their role while it grants nothing the user's new role lacks; otherwise they take the
// new role (a demoted user's keys are demoted with them).
Status narrow_keys(store::Store& s, const std::string& org_id, const std::string& user_id, Role role) {
  store::PageRequest page{.after = {}, .limit = 100};
  for (;;) {
    SOVRA_TRY(auto keys, s.list_keys(org_id, "", store::KeyKind::kAdmin, page));
    for (const auto& k : keys.items) {
      if (k.owner_type != "user" || k.owner_id != user_id) continue;
      if (role_within(parse_role(k.role).value_or(Role::kOwner), role)) continue;
      SOVRA_CHECK(s.set_key_role(org_id, k.id, std::string(role_name(role))));
    }
    if (!keys.has_more || keys.items.empty()) return {};
    page.after = keys.items.back().id;
  }
}

Result<std::string> role_field(const AdminCall& c, bool required, std::string fallback = "member") {
  SOVRA_TRY(auto role, string_field(c.body, "role", required, std::move(fallback)));
  for (const char* r : kRoles)
    if (role == r) return role;
  return Error::invalid("'role' must be one of owner, admin, member, billing, auditor.", "role");
}

Result<std::string> email_field(const AdminCall& c) {
  SOVRA_TRY(auto email, string_field(c.body, "email", true));
  if (email.size() > 320 || email.find('@') == std::string::npos) return Error::invalid("'email' is not an email address.", "email");
  return email;
}

Result<AdminReply> list_sas(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto project, s.get_project(c.who.org_id, c.param("project_id")));
  SOVRA_TRY(auto page, s.list_service_accounts(c.who.org_id, project.id, c.page()));
  return AdminReply{200, list_json<store::ServiceAccount>(page, service_account_json,
                                                          [](const store::ServiceAccount& a) { return a.id; })};
}

Result<AdminReply> create_sa(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto project, s.get_project(c.who.org_id, c.param("project_id")));
  if (project.archived_at != 0) return Error::invalid("The project is archived.");
  SOVRA_TRY(auto name, string_field(c.body, "name", true));
  if (name.empty() || name.size() > 256) return Error::invalid("'name' must have 1 to 256 characters.", "name");
  const store::ServiceAccount sa{new_id("svc_acct"), c.who.org_id, project.id, name, "member", now_seconds()};
  SOVRA_CHECK(s.create_service_account(sa));
  SOVRA_TRY(auto issued, issue_key(s, {.org_id = c.who.org_id,
                                       .project_id = project.id,
                                       .kind = store::KeyKind::kProject,
                                       .name = "Secret Key",
                                       .owner_type = "service_account",
                                       .owner_id = sa.id}));
  auto o = service_account_json(sa);
  o["api_key"] = {{"object", "organization.project.service_account.api_key"},
                  {"value", issued.plaintext},
                  {"name", issued.record.name},
                  {"created_at", issued.record.created_at},
                  {"id", public_key_id(issued.record.id)}};
  return AdminReply{201, to_string(o)};
}

Result<AdminReply> retrieve_sa(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto sa, s.get_service_account(c.who.org_id, c.param("project_id"), c.param("service_account_id")));
  return AdminReply{200, to_string(service_account_json(sa))};
}

Result<AdminReply> delete_sa(store::Store& s, const AdminCall& c) {
  SOVRA_CHECK(s.delete_service_account(c.who.org_id, c.param("project_id"), c.param("service_account_id")));
  return AdminReply{200, deleted_json("organization.project.service_account.deleted", c.param("service_account_id"))};
}

Result<AdminReply> list_users(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto page, s.list_users(c.who.org_id, c.page()));
  return AdminReply{200, list_json<store::User>(page, user_json, [](const store::User& u) { return u.id; })};
}

Result<AdminReply> create_user(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto email, email_field(c));
  SOVRA_TRY(auto name, string_field(c.body, "name", false, email));
  SOVRA_TRY(auto role, role_field(c, false));
  SOVRA_CHECK(may_touch(c, role));
  const store::User u{new_id("user"), c.who.org_id, email, name, role, now_seconds()};
  SOVRA_CHECK(s.create_user(u));
  return AdminReply{201, to_string(user_json(u))};
}

Result<AdminReply> retrieve_user(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto u, s.get_user(c.who.org_id, c.param("user_id")));
  return AdminReply{200, to_string(user_json(u))};
}

Result<AdminReply> modify_user(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto role, role_field(c, true));
  SOVRA_TRY(auto existing, s.get_user(c.who.org_id, c.param("user_id")));
  SOVRA_CHECK(may_touch(c, existing.role));
  SOVRA_CHECK(may_touch(c, role));
  SOVRA_TRY(auto u, s.set_user_role(c.who.org_id, existing.id, role));
  SOVRA_CHECK(narrow_keys(s, c.who.org_id, existing.id, parse_role(role).value_or(Role::kMember)));
  return AdminReply{200, to_string(user_json(u)), to_string(user_json(existing))};
}

Result<AdminReply> delete_user(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto existing, s.get_user(c.who.org_id, c.param("user_id")));
  SOVRA_CHECK(may_touch(c, existing.role));
  SOVRA_CHECK(s.delete_user(c.who.org_id, existing.id));
  return AdminReply{200, deleted_json("organization.user.deleted", c.param("user_id"))};
}

Result<AdminReply> list_invites(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto page, s.list_invites(c.who.org_id, c.page()));
  return AdminReply{200, list_json<store::Invite>(page, invite_json, [](const store::Invite& i) { return i.id; })};
}

// The reply carries the one-time acceptance token (`token`); only its hash is kept.
Result<AdminReply> create_invite(store::Store& s, const AdminCall& c, std::int64_t lifetime_s) {
  SOVRA_TRY(auto email, email_field(c));
  SOVRA_TRY(auto role, role_field(c, true));
  SOVRA_CHECK(may_touch(c, role));
  const auto now = now_seconds();
  store::Invite inv{new_id("invite"), c.who.org_id, email, role, "pending", now, now + lifetime_s};
  auto token = make_invite_token(inv.id);
  inv.token_salt = token.stored.salt;
  inv.token_hash = token.stored.hash;
  SOVRA_CHECK(s.create_invite(inv));
  auto o = invite_json(inv);
  o["token"] = token.plaintext;
  return AdminReply{201, to_string(o)};
}

Result<AdminReply> retrieve_invite(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto inv, s.get_invite(c.who.org_id, c.param("invite_id")));
  return AdminReply{200, to_string(invite_json(inv))};
}

Result<AdminReply> delete_invite(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto existing, s.get_invite(c.who.org_id, c.param("invite_id")));
  SOVRA_CHECK(may_touch(c, existing.role));
  SOVRA_CHECK(s.delete_invite(c.who.org_id, existing.id));
  return AdminReply{200, deleted_json("organization.invite.deleted", c.param("invite_id"))};
}

}  // namespace

void add_member_routes(http::Router& r, const AdminDeps& d) {
  const std::string sa = "/v1/organization/projects/{project_id}/service_accounts";
  add_admin_route(r, d, "GET", sa, list_sas, "List a project's service accounts");
  add_admin_route(r, d, "POST", sa, create_sa, "Create a service account (returns its API key once)");
  add_admin_route(r, d, "GET", sa + "/{service_account_id}", retrieve_sa, "Retrieve a service account");
  add_admin_route(r, d, "DELETE", sa + "/{service_account_id}", delete_sa, "Delete a service account and its keys");

  add_admin_route(r, d, "GET", "/v1/organization/users", list_users, "List users");
  add_admin_route(r, d, "POST", "/v1/organization/users", create_user, "Add a user (Sovra extension)");
  add_admin_route(r, d, "GET", "/v1/organization/users/{user_id}", retrieve_user, "Retrieve a user");
  add_admin_route(r, d, "POST", "/v1/organization/users/{user_id}", modify_user, "Change a user's role");
  add_admin_route(r, d, "DELETE", "/v1/organization/users/{user_id}", delete_user, "Remove a user and their keys");

  add_admin_route(r, d, "GET", "/v1/organization/invites", list_invites, "List invites");
  const auto lifetime = d.invite_lifetime_s;
  add_admin_route(
      r, d, "POST", "/v1/organization/invites",
      [lifetime](store::Store& s, const AdminCall& c) { return create_invite(s, c, lifetime); },
      "Invite a user (the reply holds the one-time acceptance token)");
  add_admin_route(r, d, "GET", "/v1/organization/invites/{invite_id}", retrieve_invite, "Retrieve an invite");
  add_admin_route(r, d, "DELETE", "/v1/organization/invites/{invite_id}", delete_invite, "Delete an invite");
}

}  // namespace sovra::platform::admin
