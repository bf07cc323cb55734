// Project API keys (/v1/organization/projects/{project_id}/api_keys) and admin keys
// (/v1/organization/admin_api_keys). Creating project keys and rotating or revoking keys are Sovra extensions.
#include "platform/admin/admin_json.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/admin/permissions.hpp"
#include "platform/ids.hpp"
#include "platform/key_issuer.hpp"

namespace sovra::platform::admin {
namespace {

std::string key_id_of(const store::ApiKeyRecord& k) { return public_key_id(k.id); }

// The key named in the path, if it belongs to the caller's organisation and to the path's project (or, for
// project_id empty, is an admin key). Anything else is the same not-found.
Result<store::ApiKeyRecord> scoped_key(store::Store& s, const AdminCall& c, const std::string& project_id) {
  const auto id = internal_key_id(c.param("key_id"));
  auto k = s.get_key(id);
  const auto want = project_id.empty() ? store::KeyKind::kAdmin : store::KeyKind::kProject;
  if (!k || k->org_id != c.who.org_id || k->project_id != project_id || k->kind != want) {
    if (k || k.error().code == ErrorCode::kNotFound) {
      return Error::not_found("No API key found with id '" + c.param("key_id") + "'.");
    }
    return k.error();
  }
  return *k;
}

Result<KeySpec> spec_from(const AdminCall& c, std::string project_id, store::KeyKind kind) {
  KeySpec spec;
  spec.org_id = c.who.org_id;
  spec.project_id = std::move(project_id);
  spec.kind = kind;
  SOVRA_TRY(spec.name, string_field(c.body, "name", false, kind == store::KeyKind::kAdmin ? "admin key" : "API key"));
  if (spec.name.size() > 256) return Error::invalid("'name' must have at most 256 characters.", "name");
  SOVRA_TRY(auto expires_in, int_field(c.body, "expires_in", 0));
  SOVRA_TRY(auto expires_at, int_field(c.body, "expires_at", 0));
  if (expires_in < 0 || expires_at < 0) return Error::invalid("Expiry must not be negative.", "expires_in");
  spec.expires_at = expires_at != 0 ? expires_at : (expires_in != 0 ? now_seconds() + expires_in : 0);
  SOVRA_TRY(spec.allowed_models, string_list_field(c.body, "allowed_models"));
  SOVRA_TRY(spec.allowed_endpoints, string_list_field(c.body, "allowed_endpoints"));
  spec.owner_type = c.who.owner_type.empty() ? "user" : c.who.owner_type;
  spec.owner_id = c.who.owner_id;
  if (kind == store::KeyKind::kAdmin) {
    // An admin key acts for its creator: with the creator's role or a narrower one (Sovra: `role`).
    SOVRA_TRY(auto role_text, string_field(c.body, "role", false, std::string(role_name(c.who.role))));
    const auto role = parse_role(role_text);
    if (!role) return Error::invalid("'role' must be one of owner, admin, member, billing, auditor.", "role");
    if (!role_within(*role, c.who.role)) return insufficient_permissions(c.who.role, Permission::kOwner);
    spec.role = *role;
  }
  return spec;
}

Result<AdminReply> list_project_keys(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto project, s.get_project(c.who.org_id, c.param("project_id")));
  SOVRA_TRY(auto page, s.list_keys(c.who.org_id, project.id, store::KeyKind::kProject, c.page()));
  return AdminReply{200, list_json<store::ApiKeyRecord>(page, [](const auto& k) { return key_json(k); }, key_id_of)};
}

Result<AdminReply> create_project_key(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto project, s.get_project(c.who.org_id, c.param("project_id")));
  if (project.archived_at != 0) return Error::invalid("The project is archived; it cannot get new keys.");
  SOVRA_TRY(auto spec, spec_from(c, project.id, store::KeyKind::kProject));
  SOVRA_TRY(auto issued, issue_key(s, spec));
  return AdminReply{201, to_string(key_json(issued.record, issued.plaintext))};
}

Result<AdminReply> retrieve_project_key(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto k, scoped_key(s, c, c.param("project_id")));
  return AdminReply{200, to_string(key_json(k))};
}

Result<AdminReply> delete_project_key(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto k, scoped_key(s, c, c.param("project_id")));
  SOVRA_CHECK(s.delete_key(c.who.org_id, k.id));
  return AdminReply{200, deleted_json("organization.project.api_key.deleted", public_key_id(k.id)), to_string(key_json(k))};
}

Result<AdminReply> revoke(store::Store& s, const AdminCall& c, const std::string& project_id) {
  SOVRA_TRY(auto k, scoped_key(s, c, project_id));
  SOVRA_CHECK(s.revoke_key(c.who.org_id, k.id, now_seconds()));
  SOVRA_TRY(auto after, s.get_key(k.id));
  return AdminReply{200, to_string(key_json(after)), to_string(key_json(k))};
}

Result<AdminReply> rotate(store::Store& s, const AdminCall& c, const std::string& project_id, std::int64_t grace) {
  SOVRA_TRY(auto k, scoped_key(s, c, project_id));
  SOVRA_TRY(auto grace_s, int_field(c.body, "grace_period_seconds", grace));
  if (grace_s < 0) return Error::invalid("'grace_period_seconds' must not be negative.", "grace_period_seconds");
  SOVRA_TRY(auto issued, rotate_key(s, c.who.org_id, k.id, grace_s));
  return AdminReply{200, to_string(key_json(issued.record, issued.plaintext)), to_string(key_json(k))};
}

Result<AdminReply> list_admin_keys(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto page, s.list_keys(c.who.org_id, "", store::KeyKind::kAdmin, c.page()));
  return AdminReply{200, list_json<store::ApiKeyRecord>(page, [](const auto& k) { return key_json(k); }, key_id_of)};
}

Result<AdminReply> create_admin_key(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto spec, spec_from(c, "", store::KeyKind::kAdmin));
  SOVRA_TRY(auto issued, issue_key(s, spec));
  return AdminReply{201, to_string(key_json(issued.record, issued.plaintext))};
}

Result<AdminReply> retrieve_admin_key(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto k, scoped_key(s, c, ""));
  return AdminReply{200, to_string(key_json(k))};
}

Result<AdminReply> delete_admin_key(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto k, scoped_key(s, c, ""));
  SOVRA_CHECK(s.delete_key(c.who.org_id, k.id));
  return AdminReply{200, deleted_json("organization.admin_api_key.deleted", public_key_id(k.id)), to_string(key_json(k))};
}

}  // namespace

void add_key_routes(http::Router& r, const AdminDeps& d) {
  const std::string p = "/v1/organization/projects/{project_id}/api_keys";
  const auto grace = d.default_rotation_grace_s;
  add_admin_route(r, d, "GET", p, list_project_keys, "List a project's API keys");
  add_admin_route(r, d, "POST", p, create_project_key, "Create a project API key (Sovra extension)");
  add_admin_route(r, d, "GET", p + "/{key_id}", retrieve_project_key, "Retrieve a project API key");
  add_admin_route(r, d, "DELETE", p + "/{key_id}", delete_project_key, "Delete a project API key");
  add_admin_route(
      r, d, "POST", p + "/{key_id}/revoke",
      [](store::Store& s, const AdminCall& c) { return revoke(s, c, c.param("project_id")); },
      "Revoke a project API key (Sovra extension)");
  add_admin_route(
      r, d, "POST", p + "/{key_id}/rotate",
      [grace](store::Store& s, const AdminCall& c) { return rotate(s, c, c.param("project_id"), grace); },
      "Rotate a project API key; the old secret stays valid for a grace period (Sovra extension)");

  const std::string a = "/v1/organization/admin_api_keys";
  add_admin_route(r, d, "GET", a, list_admin_keys, "List admin API keys");
  add_admin_route(r, d, "POST", a, create_admin_key, "Create an admin API key");
  add_admin_route(r, d, "GET", a + "/{key_id}", retrieve_admin_key, "Retrieve an admin API key");
  add_admin_route(r, d, "DELETE", a + "/{key_id}", delete_admin_key, "Delete an admin API key");
  add_admin_route(
      r, d, "POST", a + "/{key_id}/revoke", [](store::Store& s, const AdminCall& c) { return revoke(s, c, ""); },
      "Revoke an admin API key (Sovra extension)");
  add_admin_route(
      r, d, "POST", a + "/{key_id}/rotate",
      [grace](store::Store& s, const AdminCall& c) { return rotate(s, c, "", grace); },
      "Rotate an admin API key (Sovra extension)");
}

}  // namespace sovra::platform::admin
