#pragma once
// Residency policies in the store (table residency_policies, migration "audit_residency"), and the in-memory
// copy that routing reads on the hot path.
//
// PolicyCache contract: constraints_for() never touches the database (shared lock, two hash lookups); writes go
// through put()/remove() (blocking: call them from the store executor) which update the copy at once; reload()
// picks up other processes' writes (the wiring calls it periodically). Thread-safe.
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "api/call_flow.hpp"
#include "gateway/residency/residency_policy.hpp"
#include "store/sql.hpp"

namespace sovra::gateway::residency {

Result<std::vector<ResidencyPolicy>> load_policies(store::SqlDatabase& db);
Status save_policy(store::SqlDatabase& db, const ResidencyPolicy& p);
Status delete_policy(store::SqlDatabase& db, const std::string& org_id, const std::string& scope_id);

class PolicyCache : public std::enable_shared_from_this<PolicyCache> {
 public:
  static Result<std::shared_ptr<PolicyCache>> load(std::shared_ptr<store::SqlDatabase> db);

  routing::RoutingConstraints constraints_for(const platform::Principal* principal) const;
  std::optional<ResidencyPolicy> get(const std::string& scope_id) const;
  bool any() const;  // whether any policy exists (deployment check at start-up)

  Status put(const ResidencyPolicy& p);
  Status remove(const std::string& org_id, const std::string& scope_id);
  Status reload();

  // The api::ConstraintsFn for CallFlowOptions (keeps the cache alive).
  api::ConstraintsFn constraints_fn() const;

 private:
  explicit PolicyCache(std::shared_ptr<store::SqlDatabase> db) : db_(std::move(db)) {}
  std::shared_ptr<store::SqlDatabase> db_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, ResidencyPolicy> by_scope_;
  std::mutex write_mu_;
};

}  // namespace sovra::gateway::residency
