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
#include <memory>

#include "gateway/budget/budget_store.hpp"
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
};

std::shared_ptr<CallHook> make_budget_hook(BudgetHookOptions options);

}  // namespace sovra::gateway::budget
