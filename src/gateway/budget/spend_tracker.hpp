#pragma once
// This month's spend per budget scope (organisation, or project), in memory, with the worst-case cost of the calls
// in flight reserved on top. Exact within one process: reserve() checks and reserves under one lock, so
// concurrent calls can never together take spend + reservations over a hard budget; settle() swaps a call's
// reservation for its actual cost when it ends.
//
// A scope is loaded from the ledger (a blocking SUM, on the caller's thread — the budget hook runs it on a store
// executor) the first time a call needs it in a month; calls of that scope wait for it. Known limit: calls that
// were in flight when a budget was first set are not counted (they started unbudgeted).
//
// Several gateway replicas share their counters in Redis instead (redis_spend.hpp); this tracker is then only
// the fallback while Redis is unreachable (rate_limits.redis_failure=open), where each replica may spend its share
// (1/replicas) of what was left of a budget when it loaded the scope from the ledger.
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "platform/billing/calendar.hpp"
#include "platform/pricing/money.hpp"

namespace sovra::gateway::budget {

struct ScopeKey {
  std::string org_id;
  std::string project_id;  // empty: the organisation
  platform::billing::Month month;
  auto operator<=>(const ScopeKey&) const = default;
};

class SpendTracker {
 public:
  // Blocking: the cost (nanos) already in the ledger for the scope's month.
  using Loader = std::function<Result<std::int64_t>(const ScopeKey& key)>;
  explicit SpendTracker(Loader loader) : loader_(std::move(loader)) {}

  bool loaded(const ScopeKey& key) const;
  Status load(const ScopeKey& key);  // blocking; keeps what is there (first load wins)

  struct Limit {
    ScopeKey key;
    platform::pricing::Money amount;
    bool hard = true;
  };
  struct Verdict {
    bool admitted = true;
    int refused_by = -1;                     // index of the hard limit that would be crossed
    std::vector<std::size_t> soft_crossed;   // indices of soft limits crossed (call admitted, flagged)
    std::int64_t spent_nanos = 0;            // of refused_by (or the first soft one)
    std::int64_t reserved_nanos = 0;
  };
  // Admits when, for every hard limit, spent + reserved + worst <= allowed; then reserves `worst` on every scope.
  // allowed = amount with share 1; with share n > 1, base + (amount − base) / n, base being the spend loaded from
  // the ledger (this replica's share of what was left). Every key must be loaded.
  Verdict reserve(const std::vector<Limit>& limits, platform::pricing::Money worst, std::int64_t share = 1);
  // The call ended: releases `reserved` and adds `actual` on each key still tracked.
  void settle(const std::vector<ScopeKey>& keys, platform::pricing::Money reserved, platform::pricing::Money actual);
  // Drops every scope (they are loaded from the ledger again when next needed); calls in flight settle as no-ops.
  void forget();

  std::int64_t spent(const ScopeKey& key) const;
  std::int64_t reserved(const ScopeKey& key) const;

 private:
  struct Entry {
    std::int64_t spent = 0;
    std::int64_t reserved = 0;
    std::int64_t base = 0;  // spent when loaded
  };
  Loader loader_;
  mutable std::mutex mu_;
  std::map<ScopeKey, Entry> entries_;
};

}  // namespace sovra::gateway::budget
