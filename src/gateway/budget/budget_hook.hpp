#pragma once
// The budget CallHook (#8): refuses up front a call whose worst-case cost — prompt_tokens × input price +
// max_output_tokens × output price, at the price in force when it starts — would take this month's spend plus
// the reservations of calls in flight over a hard budget of its organisation or project; flags calls that cross
// a soft budget. The worst case is reserved until the call ends, then replaced by its exact cost.
//
// Refusal: HTTP 429 with OpenAI's `insufficient_quota` (type and code), as OpenAI answers an exhausted quota; 402
// would be closer to HTTP's meaning but OpenAI's SDKs map 429 + insufficient_quota to the error clients expect.
// Soft crossing: response header `x-sovra-budget-warning`, a warn log line and sovra_budget_soft_exceeded_total.
// Calls with no price (model not in the price book) cost nothing and pass.
//
// Counters: in this process (SpendTracker: exact for one process), or, with `shared` set (rate_limits.redis_url),
// in Redis for every replica (RedisSpend: exact across replicas). Redis unreachable: the rate limits' policy
// (rate_limits.redis_failure) applies — open: the local tracker decides, each replica allowed 1/`replicas` of
// what was left of a budget (counted in sovra_budget_fallback_total); closed: 503 `budget_unavailable` with
// Retry-After: 1. Both count sovra_budget_backend_errors_total and log when Redis goes and comes back.
#include <memory>

#include "gateway/budget/budget_store.hpp"
#include "gateway/budget/redis_spend.hpp"
#include "gateway/budget/spend_tracker.hpp"
#include "gateway/call.hpp"
#include "platform/pricing/pricing_state.hpp"
#include "store/executor.hpp"

namespace sovra::gateway::budget {

struct BudgetHookOptions {
  std::shared_ptr<const BudgetBook> budgets;
  std::shared_ptr<SpendTracker> tracker;
  std::shared_ptr<const platform::pricing::PricingState> pricing;
  std::shared_ptr<store::Executor> executor;  // loads a scope's spend from the ledger (blocking) off the I/O thread
  std::shared_ptr<RedisSpend> shared;         // set: counters in Redis; `tracker` is then the fail-open fallback
  bool fail_open = true;                      // Redis unreachable: local tracker (true) or 503 (false)
  std::int64_t replicas = 1;                  // the fallback's share of a budget's remainder is 1/replicas
};

std::shared_ptr<CallHook> make_budget_hook(BudgetHookOptions options);

}  // namespace sovra::gateway::budget
