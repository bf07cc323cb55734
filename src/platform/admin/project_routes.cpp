// /v1/organization/projects: list, create, retrieve, modify, archive.
#include "platform/admin/admin_json.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/ids.hpp"

namespace sovra::platform::admin {
namespace {

Result<AdminReply> list(store::Store& s, const AdminCall& c) {
  const bool archived = c.query_value("include_archived") == "true";
  SOVRA_TRY(auto page, s.list_projects(c.who.org_id, c.page(), archived));
  return AdminReply{200, list_json<store::Project>(page, project_json, [](const store::Project& p) { return p.id; })};
}

Result<AdminReply> create(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto name, string_field(c.body, "name", true));
  if (name.empty() || name.size() > 256) return Error::invalid("'name' must have 1 to 256 characters.", "name");
  const store::Project p{new_id("proj"), c.who.org_id, name, now_seconds(), 0};
  SOVRA_CHECK(s.create_project(p));
  return AdminReply{201, to_string(project_json(p))};
}

Result<AdminReply> retrieve(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto p, s.get_project(c.who.org_id, c.param("project_id")));
  return AdminReply{200, to_string(project_json(p))};
}

Result<AdminReply> modify(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto name, string_field(c.body, "name", true));
  if (name.empty() || name.size() > 256) return Error::invalid("'name' must have 1 to 256 characters.", "name");
  SOVRA_TRY(auto existing, s.get_project(c.who.org_id, c.param("project_id")));
  if (existing.archived_at != 0) return Error::invalid("An archived project cannot be modified.");
  SOVRA_TRY(auto p, s.rename_project(c.who.org_id, existing.id, name));
  return AdminReply{200, to_string(project_json(p)), to_string(project_json(existing))};
}

Result<AdminReply> archive(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto before, s.get_project(c.who.org_id, c.param("project_id")));
  SOVRA_TRY(auto p, s.archive_project(c.who.org_id, before.id, now_seconds()));
  return AdminReply{200, to_string(project_json(p)), to_string(project_json(before))};
}

}  // namespace

void add_project_routes(http::Router& r, const AdminDeps& d) {
  add_admin_route(r, d, "GET", "/v1/organization/projects", list, "List projects");
  add_admin_route(r, d, "POST", "/v1/organization/projects", create, "Create a project");
  add_admin_route(r, d, "GET", "/v1/organization/projects/{project_id}", retrieve, "Retrieve a project");
  add_admin_route(r, d, "POST", "/v1/organization/projects/{project_id}", modify, "Modify a project");
  add_admin_route(r, d, "POST", "/v1/organization/projects/{project_id}/archive", archive,
                  "Archive a project (revokes its keys)");
}

}  // namespace sovra::platform::admin
