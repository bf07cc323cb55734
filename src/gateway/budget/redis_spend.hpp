#pragma once
// This month's spend per budget scope, shared by every gateway replica in Redis (used when
// rate_limits.redis_url is set), so hard budgets hold exactly across replicas.
//
// Per scope and calendar month two keys, "<prefix><org>:<project or *>:<YYYY-MM>" (a hash: `spent` and `reserved`
// in nanos of the billing currency, and `r:<call id>` = that call's reservation) and the same name + ":exp" (a
// sorted set: call id → expiry of its reservation, Redis time in ms). One Lua script per admission and one per
// settlement, run atomically by Redis (redis_spend_scripts.hpp):
//   reserve: drops expired reservations (a crashed replica's calls), then admits when, for every hard budget,
//            spent + reserved + worst <= amount, and reserves `worst` on every scope of the call;
//   settle:  releases the call's reservation and adds its actual cost to `spent`.
// The ledger stays the source of truth: a scope whose `spent` is absent in Redis (first use, Redis restarted
// empty, keys evicted) is seeded with the ledger's sum for the month (`loader`, blocking, run on `executor`); the
// first seed written wins (HSETNX semantics), so replicas that seed at once agree.
//
// A settlement that fails (Redis unreachable) is kept (up to kMaxUnsettled) and sent again after the next script
// that succeeds, so a short outage does not lose costs; its reservation meanwhile expires. If Redis came back
// empty and the month was seeded from the ledger before the retry, that call's cost is counted twice (refusing
// early, never admitting over a budget).
//
// Exact while every amount stays below 2^53 nanos (about 9 million units of currency per scope and month): Lua
// compares in doubles.
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/budget/spend_tracker.hpp"
#include "gateway/rate_limit/redis_script_runner.hpp"
#include "store/executor.hpp"

namespace sovra::gateway::budget {

struct RedisSpendOptions {
  rate_limit::RedisRunnerOptions redis;
  std::string key_prefix = "sovra:budget:";
  std::int64_t reservation_ms = 3'600'000;  // a reservation not settled (crashed replica) expires after this
  SpendTracker::Loader loader;              // the ledger's spend of a scope's month (blocking)
  std::shared_ptr<store::Executor> executor;
};

// Owned by a shared_ptr (the ledger reads hold a reference). Its last reference must not be dropped on one of its
// Redis threads (callbacks must not hold it).
class RedisSpend : public std::enable_shared_from_this<RedisSpend> {
 public:
  explicit RedisSpend(RedisSpendOptions options);

  // Same verdict as SpendTracker::reserve; kUnavailable when Redis (or the ledger, for a seed) cannot be reached.
  using ReserveDone = std::function<void(Result<SpendTracker::Verdict>)>;
  void reserve(const std::vector<SpendTracker::Limit>& limits, platform::pricing::Money worst,
               const std::string& call_id, ReserveDone done);
  void settle(const std::vector<ScopeKey>& keys, const std::string& call_id, platform::pricing::Money actual,
              std::function<void(Status)> done);

  std::string key_of(const ScopeKey& k) const;  // the scope's hash key
  std::size_t unsettled() const;                 // settlements waiting for Redis

  static constexpr std::size_t kMaxUnsettled = 100'000;

 private:
  void keep_unsettled(std::vector<std::string> argv);
  void retry_unsettled();
  void run_reserve(std::vector<SpendTracker::Limit> limits, std::int64_t worst, std::string call_id,
                   std::vector<std::string> seeds, int attempt, ReserveDone done);

  RedisSpendOptions options_;
  mutable std::mutex mu_;
  std::deque<std::vector<std::string>> unsettled_;  // settle argv
  // Last member: destroyed (its threads joined, their callbacks run) while the members above still exist.
  rate_limit::RedisScriptRunner runner_;
};

}  // namespace sovra::gateway::budget
