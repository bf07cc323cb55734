#pragma once
// Budget administration (Sovra extension of the administration API), in the organisation's billing currency:
//   GET    /v1/organization/budgets                 the organisation's budgets with this month's spend
//   POST   /v1/organization/budgets                 {"project_id"?: "proj_…", "amount": "100.00", "hard": true}
//   DELETE /v1/organization/budgets/{scope}         scope: "organization" or a project id
#include <functional>
#include <memory>

#include "gateway/budget/budget_store.hpp"
#include "http/router.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/pricing/pricing_state.hpp"
#include "store/sql.hpp"

namespace sovra::gateway::budget {

struct BudgetRouteDeps {
  std::shared_ptr<store::SqlDatabase> db;
  std::shared_ptr<const platform::pricing::PricingState> pricing;
  std::function<Status()> reload;  // blocking: re-reads the budgets after a change
};

void add_budget_routes(http::Router& router, const platform::admin::AdminDeps& deps, BudgetRouteDeps budget_deps);

}  // namespace sovra::gateway::budget
