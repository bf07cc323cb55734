// Rate limits (src/gateway/rate_limit), in OpenAI's project.rate_limit shape:
//   GET  /v1/organization/projects/{project_id}/rate_limits                   list (OpenAI)
//   POST /v1/organization/projects/{project_id}/rate_limits/{rate_limit_id}   modify (OpenAI); creates when absent
// and, as Sovra extensions, GET/DELETE of one rule, POST to the list (create or replace by `model`), and the same
// routes for the organisation (/v1/organization/rate_limits) and for one project API key
// (/v1/organization/projects/{project_id}/api_keys/{key_id}/rate_limits).
//
// A rule's id is "rl-<model>" ("rl-*": all models together; '/' and '%' in a model id are written %2F and %25 so
// that the id is one path segment). Measures: max_requests_per_1_minute, max_tokens_per_1_minute,
// max_requests_per_1_day, and the Sovra extensions max_tokens_per_1_day and max_concurrent_requests; 0 = none.
#include <boost/json/object.hpp>

#include "platform/admin/admin_json.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/admin/rate_limit_json.hpp"
#include "platform/ids.hpp"

namespace sovra::platform::admin {
namespace {

constexpr std::int64_t kMaxValue = 100'000'000'000;  // gateway/rate_limit/leaky_bucket.hpp kMaxLimit

struct Scope {
  std::string project_id;
  std::string key_id;
  const char* object;
};

}  // namespace

std::string rate_limit_id(const std::string& model) {
  std::string id = "rl-";
  for (char c : model) {
    if (c == '/') id += "%2F";
    else if (c == '%') id += "%25";
    else id += c;
  }
  return id;
}

const char* rate_limit_object(const store::RateLimitRecord& r) {
  return !r.key_id.empty() ? "organization.project.api_key.rate_limit"
         : !r.project_id.empty() ? "project.rate_limit"
                                 : "organization.rate_limit";
}

boost::json::object rate_limit_json(const store::RateLimitRecord& r, const char* object) {
  return {{"object", object},
          {"id", r.id},
          {"model", r.model},
          {"max_requests_per_1_minute", r.requests_per_minute},
          {"max_tokens_per_1_minute", r.tokens_per_minute},
          {"max_requests_per_1_day", r.requests_per_day},
          {"max_tokens_per_1_day", r.tokens_per_day},
          {"max_concurrent_requests", r.concurrent_requests},
          {"updated_at", r.updated_at}};
}

namespace {

Result<std::string> model_for_id(const std::string& id) {
  if (!id.starts_with("rl-") || id.size() == 3) {
    return Error::not_found("No rate limit found with id '" + id + "' (ids are rl-<model>, or rl-* for all models).");
  }
  std::string model;
  for (std::size_t i = 3; i < id.size(); ++i) {
    if (id[i] == '%' && id.compare(i, 3, "%2F") == 0) {
      model += '/';
      i += 2;
    } else if (id[i] == '%' && id.compare(i, 3, "%25") == 0) {
      model += '%';
      i += 2;
    } else {
      model += id[i];
    }
  }
  return model;
}

// The scope named by the path, if it belongs to the caller's organisation; anything else is not-found.
Result<Scope> scope_of(store::Store& s, const AdminCall& c) {
  const auto project_id = c.param("project_id");
  if (project_id.empty()) return Scope{"", "", "organization.rate_limit"};
  SOVRA_TRY(auto project, s.get_project(c.who.org_id, project_id));
  const auto key_param = c.param("key_id");
  if (key_param.empty()) return Scope{project.id, "", "project.rate_limit"};
  const auto key_id = internal_key_id(key_param);
  auto k = s.get_key(key_id);
  if (!k || k->org_id != c.who.org_id || k->project_id != project.id || k->kind != store::KeyKind::kProject) {
    if (k || k.error().code == ErrorCode::kNotFound) {
      return Error::not_found("No API key found with id '" + key_param + "'.");
    }
    return k.error();
  }
  return Scope{project.id, k->id, "organization.project.api_key.rate_limit"};
}

Status apply_body(store::RateLimitRecord& r, const boost::json::value& body) {
  struct Field {
    const char* name;
    std::int64_t* value;
  };
  const Field fields[] = {{"max_requests_per_1_minute", &r.requests_per_minute},
                          {"max_tokens_per_1_minute", &r.tokens_per_minute},
                          {"max_requests_per_1_day", &r.requests_per_day},
                          {"max_tokens_per_1_day", &r.tokens_per_day},
                          {"max_concurrent_requests", &r.concurrent_requests}};
  for (const auto& f : fields) {
    SOVRA_TRY(auto v, int_field(body, f.name, *f.value));
    if (v < 0 || v > kMaxValue) {
      return Error::invalid(std::string("'") + f.name + "' must be between 0 (no limit) and 100000000000.", f.name);
    }
    *f.value = v;
  }
  return {};
}

Result<AdminReply> list(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto scope, scope_of(s, c));
  SOVRA_TRY(auto page, s.list_rate_limits(c.who.org_id, scope.project_id, scope.key_id, c.page()));
  const char* object = scope.object;
  return AdminReply{200, list_json<store::RateLimitRecord>(
                             page, [object](const auto& r) { return rate_limit_json(r, object); },
                             [](const store::RateLimitRecord& r) { return r.id; })};
}

Result<AdminReply> retrieve(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto scope, scope_of(s, c));
  SOVRA_TRY(auto r, s.get_rate_limit(c.who.org_id, scope.project_id, scope.key_id, c.param("rate_limit_id")));
  return AdminReply{200, to_string(rate_limit_json(r, scope.object))};
}

Result<AdminReply> upsert(store::Store& s, const AdminCall& c, const Scope& scope, const std::string& model) {
  if (model.empty() || model.size() > 256) return Error::invalid("'model' must have 1 to 256 characters.", "model");
  store::RateLimitRecord r;
  const auto id = rate_limit_id(model);
  if (auto existing = s.get_rate_limit(c.who.org_id, scope.project_id, scope.key_id, id)) {
    r = *existing;
  } else if (existing.error().code != ErrorCode::kNotFound) {
    return existing.error();
  }
  r.id = id;
  r.org_id = c.who.org_id;
  r.project_id = scope.project_id;
  r.key_id = scope.key_id;
  r.model = model;
  SOVRA_CHECK(apply_body(r, c.body));
  r.updated_at = now_seconds();
  SOVRA_CHECK(s.put_rate_limit(r));
  return AdminReply{200, to_string(rate_limit_json(r, scope.object))};
}

Result<AdminReply> modify(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto scope, scope_of(s, c));
  SOVRA_TRY(auto model, model_for_id(c.param("rate_limit_id")));
  return upsert(s, c, scope, model);
}

Result<AdminReply> create(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto scope, scope_of(s, c));
  SOVRA_TRY(auto model, string_field(c.body, "model", false, "*"));
  return upsert(s, c, scope, model);
}

Result<AdminReply> remove(store::Store& s, const AdminCall& c) {
  SOVRA_TRY(auto scope, scope_of(s, c));
  const auto id = c.param("rate_limit_id");
  SOVRA_CHECK(s.delete_rate_limit(c.who.org_id, scope.project_id, scope.key_id, id));
  return AdminReply{200, deleted_json(std::string(scope.object) + ".deleted", id)};
}

void add_for(http::Router& r, const AdminDeps& d, const std::string& base, const std::string& what) {
  add_admin_route(r, d, "GET", base, list, "List the rate limits of " + what);
  add_admin_route(r, d, "POST", base, create, "Create or replace a rate limit of " + what + " (Sovra extension)");
  add_admin_route(r, d, "GET", base + "/{rate_limit_id}", retrieve, "Retrieve a rate limit of " + what);
  add_admin_route(r, d, "POST", base + "/{rate_limit_id}", modify, "Modify (or create) a rate limit of " + what);
  add_admin_route(r, d, "DELETE", base + "/{rate_limit_id}", remove,
                  "Delete a rate limit of " + what + " (the configured default applies again)");
}

}  // namespace

void add_rate_limit_routes(http::Router& r, const AdminDeps& d) {
  add_for(r, d, "/v1/organization/rate_limits", "the organization");
  add_for(r, d, "/v1/organization/projects/{project_id}/rate_limits", "a project");
  add_for(r, d, "/v1/organization/projects/{project_id}/api_keys/{key_id}/rate_limits", "a project API key");
}

}  // namespace sovra::platform::admin
