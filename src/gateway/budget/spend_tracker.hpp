#pragma once
// This month's spend per budget scope (organisation, or project), in memory, with the worst-case cost of the calls
// in flight reserved on top. Exact within one process: reserve() checks and reserves under one lock, so
// concurrent calls can never together take spend + reservations over a hard budget; settle() swaps a call's
// reservation for its actual cost when it ends.
//
// A scope is loaded from the ledger (a blocking SUM, on the caller's thread — the budget hook runs it on a store
// executor) the first time a call needs it in a month; calls of that scope wait for it. Known limits: calls that
// were in flight when a budget was first set are not counted (they started unbudgeted); across several gateway
// replicas each replica counts only its own calls on top of what the ledger held when it loaded (TODO(#8):
// shared counters in Redis for replicas).
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
    const Limit* refused_by = nullptr;       // the hard limit that would be crossed
    std::vector<const Limit*> soft_crossed;  // soft limits crossed (call admitted, flagged)
    std::int64_t spent_nanos = 0;            // of refused_by (or the first soft one)
    std::int64_t reserved_nanos = 0;
  };
  // Admits when, for every hard limit, spent + reserved + worst <= amount; then reserves `worst` on every scope.
  // Every key must be loaded.
  Verdict reserve(const std::vector<Limit>& limits, platform::pricing::Money worst);
  // The call ended: releases `reserved` and adds `actual` on each key.
  void settle(const std::vector<ScopeKey>& keys, platform::pricing::Money reserved, platform::pricing::Money actual);

  std::int64_t spent(const ScopeKey& key) const;
  std::int64_t reserved(const ScopeKey& key) const;

 private:
  struct Entry {
    std::int64_t spent = 0;
    std::int64_t reserved = 0;
  };
  Loader loader_;
  mutable std::mutex mu_;
  std::map<ScopeKey, Entry> entries_;
};

}  // namespace sovra::gateway::budget
