#include "gateway/residency/policy_store.hpp"

#include <mutex>

#include "platform/principal.hpp"
#include "store/sql_rows.hpp"

namespace sovra::gateway::residency {

using store::detail::integer;
using store::detail::parse_string_list;
using store::detail::string_list_json;
using store::detail::text;

Result<std::vector<ResidencyPolicy>> load_policies(store::SqlDatabase& db) {
  std::vector<ResidencyPolicy> out;
  if (auto tx = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query("SELECT scope_id, org_id, allowed_regions, allowed_jurisdictions, updated_at"
                                 " FROM residency_policies ORDER BY scope_id"));
    for (const auto& r : rows.rows) {
      out.push_back({text(r, 0), text(r, 1), parse_string_list(text(r, 2)), parse_string_list(text(r, 3)),
                     integer(r, 4)});
    }
    return {};
  }); !tx) {
    return tx.error();
  }
  return out;
}

Status save_policy(store::SqlDatabase& db, const ResidencyPolicy& p) {
  return db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("DELETE FROM residency_policies WHERE scope_id = ? AND org_id = ?", {p.scope_id, p.org_id}));
    SOVRA_CHECK(s.query("INSERT INTO residency_policies (scope_id, org_id, allowed_regions, allowed_jurisdictions,"
                        " updated_at) VALUES (?, ?, ?, ?, ?)",
                        {p.scope_id, p.org_id, string_list_json(p.allowed_regions),
                         string_list_json(p.allowed_jurisdictions), p.updated_at}));
    return {};
  });
}

Status delete_policy(store::SqlDatabase& db, const std::string& org_id, const std::string& scope_id) {
  return db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("DELETE FROM residency_policies WHERE scope_id = ? AND org_id = ?", {scope_id, org_id}));
    return {};
  });
}

Result<std::shared_ptr<PolicyCache>> PolicyCache::load(std::shared_ptr<store::SqlDatabase> db) {
  auto cache = std::shared_ptr<PolicyCache>(new PolicyCache(std::move(db)));
  SOVRA_CHECK(cache->reload());
  return cache;
}

Status PolicyCache::reload() {
  SOVRA_TRY(auto all, load_policies(*db_));
  std::unordered_map<std::string, ResidencyPolicy> fresh;
  for (auto& p : all) fresh.emplace(p.scope_id, std::move(p));
  std::unique_lock lock(mu_);
  by_scope_ = std::move(fresh);
  return {};
}

routing::RoutingConstraints PolicyCache::constraints_for(const platform::Principal* principal) const {
  if (principal == nullptr) return {};
  std::shared_lock lock(mu_);
  std::optional<ResidencyPolicy> org;
  std::optional<ResidencyPolicy> project;
  if (auto it = by_scope_.find(principal->org_id); it != by_scope_.end()) org = it->second;
  if (!principal->project_id.empty()) {
    // A project's policy counts only for its own organisation (scope ids are unique, this is belt and braces).
    if (auto it = by_scope_.find(principal->project_id); it != by_scope_.end() && it->second.org_id == principal->org_id) {
      project = it->second;
    }
  }
  return combine(org, project);
}

std::optional<ResidencyPolicy> PolicyCache::get(const std::string& scope_id) const {
  std::shared_lock lock(mu_);
  auto it = by_scope_.find(scope_id);
  if (it == by_scope_.end()) return std::nullopt;
  return it->second;
}

bool PolicyCache::any() const {
  std::shared_lock lock(mu_);
  return !by_scope_.empty();
}

Status PolicyCache::put(const ResidencyPolicy& p) {
  std::lock_guard write(write_mu_);
  SOVRA_CHECK(save_policy(*db_, p));
  std::unique_lock lock(mu_);
  by_scope_[p.scope_id] = p;
  return {};
}

Status PolicyCache::remove(const std::string& org_id, const std::string& scope_id) {
  std::lock_guard write(write_mu_);
  SOVRA_CHECK(delete_policy(*db_, org_id, scope_id));
  std::unique_lock lock(mu_);
  if (auto it = by_scope_.find(scope_id); it != by_scope_.end() && it->second.org_id == org_id) by_scope_.erase(it);
  return {};
}

api::ConstraintsFn PolicyCache::constraints_fn() const {
  return [self = shared_from_this()](const platform::Principal* p) { return self->constraints_for(p); };
}

}  // namespace sovra::gateway::residency
