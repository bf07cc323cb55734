#include "gateway/residency/residency_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "platform/admin/admin_json.hpp"
#include "platform/ids.hpp"

namespace sovra::gateway::residency {
namespace {

using platform::admin::AdminCall;
using platform::admin::AdminReply;

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string policy_json(const std::string& scope, const std::string& scope_id, const std::optional<ResidencyPolicy>& p) {
  boost::json::object o;
  o["object"] = "organization.residency_policy";
  o["scope"] = scope;
  o["id"] = scope_id;
  o["allowed_regions"] = strings(p ? p->allowed_regions : std::vector<std::string>{});
  o["allowed_jurisdictions"] = strings(p ? p->allowed_jurisdictions : std::vector<std::string>{});
  o["updated_at"] = p ? boost::json::value(p->updated_at) : boost::json::value(nullptr);
  return boost::json::serialize(o);
}

Status check_labels(const std::vector<std::string>& v, const char* field) {
  if (v.size() > 64) return Error::invalid(std::string("'") + field + "' may list at most 64 entries.", field);
  for (const auto& s : v) {
    if (s.empty() || s.size() > 64) {
      return Error::invalid(std::string("Entries of '") + field + "' must have 1 to 64 characters.", field);
    }
  }
  return {};
}

// The scope named by the call: the organisation, or one of its projects (not-found for other organisations').
Result<std::pair<std::string, std::string>> scope_of(store::Store& s, const AdminCall& c) {
  const auto project = c.param("project_id");
  if (project.empty()) return std::pair<std::string, std::string>{"organization", c.who.org_id};
  SOVRA_TRY(auto p, s.get_project(c.who.org_id, project));
  return std::pair<std::string, std::string>{"project", p.id};
}

}  // namespace

void add_residency_routes(http::Router& router, const platform::admin::AdminDeps& deps,
                          std::shared_ptr<PolicyCache> policies) {
  auto get = [policies](store::Store& s, const AdminCall& c) -> Result<AdminReply> {
    SOVRA_TRY(auto scope, scope_of(s, c));
    return AdminReply{200, policy_json(scope.first, scope.second, policies->get(scope.second))};
  };
  auto put = [policies](store::Store& s, const AdminCall& c) -> Result<AdminReply> {
    SOVRA_TRY(auto scope, scope_of(s, c));
    ResidencyPolicy p;
    p.scope_id = scope.second;
    p.org_id = c.who.org_id;
    SOVRA_TRY(p.allowed_regions, platform::admin::string_list_field(c.body, "allowed_regions"));
    SOVRA_TRY(p.allowed_jurisdictions, platform::admin::string_list_field(c.body, "allowed_jurisdictions"));
    SOVRA_CHECK(check_labels(p.allowed_regions, "allowed_regions"));
    SOVRA_CHECK(check_labels(p.allowed_jurisdictions, "allowed_jurisdictions"));
    if (scope.first == "project") SOVRA_CHECK(check_narrows(p, policies->get(c.who.org_id)));
    p.updated_at = platform::now_seconds();
    const auto before = policies->get(scope.second);
    SOVRA_CHECK(policies->put(p));
    return AdminReply{200, policy_json(scope.first, scope.second, p),
                      before ? policy_json(scope.first, scope.second, before) : std::string()};
  };
  auto remove = [policies](store::Store& s, const AdminCall& c) -> Result<AdminReply> {
    SOVRA_TRY(auto scope, scope_of(s, c));
    const auto before = policies->get(scope.second);
    SOVRA_CHECK(policies->remove(c.who.org_id, scope.second));
    return AdminReply{200, policy_json(scope.first, scope.second, std::nullopt),
                      before ? policy_json(scope.first, scope.second, before) : std::string()};
  };
  using platform::admin::add_admin_route;
  const std::string org = "/v1/organization/residency";
  const std::string project = "/v1/organization/projects/{project_id}/residency";
  add_admin_route(router, deps, "GET", org, get, "The organization's data-residency policy (Sovra extension)");
  add_admin_route(router, deps, "POST", org, put, "Set the organization's data-residency policy (Sovra extension)");
  add_admin_route(router, deps, "DELETE", org, remove, "Remove the organization's data-residency policy (Sovra extension)");
  add_admin_route(router, deps, "GET", project, get, "A project's data-residency policy (Sovra extension)");
  add_admin_route(router, deps, "POST", project, put, "Set a project's data-residency policy (Sovra extension)");
  add_admin_route(router, deps, "DELETE", project, remove, "Remove a project's data-residency policy (Sovra extension)");
}

}  // namespace sovra::gateway::residency
