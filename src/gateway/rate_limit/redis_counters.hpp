#pragma once
// Counters in Redis, shared by every gateway replica: each acquire/settle is one EVALSHA of a Lua script
// (redis_scripts.hpp), which Redis runs atomically, so the total admitted across replicas never exceeds a limit.
//
// hiredis calls block, so they run on a RedisScriptRunner's threads (one connection each), never on the caller's:
// acquire() and settle() only queue the work. A failed connection is retried at most every `retry_ms`; in between,
// calls fail at once with kUnavailable (the hook then applies rate_limits.redis_failure) instead of each waiting
// for a timeout. Keys are "sovra:rl:<counter key>"; all keys of one call are used by one script, so a Redis Cluster
// is not supported (a single Redis, or a Sentinel-managed primary, is).
#include <memory>
#include <string>
#include <vector>

#include "gateway/rate_limit/counters.hpp"
#include "gateway/rate_limit/redis_script_runner.hpp"

namespace sovra::gateway::rate_limit {

struct RedisCountersOptions {
  RedisAddress address;
  int connections = 2;
  std::int64_t timeout_ms = 250;
  std::int64_t retry_ms = 500;         // after a failure, calls fail fast this long before reconnecting
  std::int64_t lease_ms = 600'000;     // a concurrency lease not released (crashed replica) expires after this
  std::string key_prefix = "sovra:rl:";
};

class RedisCounters final : public CounterStore {
 public:
  explicit RedisCounters(RedisCountersOptions options);
  // Finishes queued work (failing it when Redis is gone). Must not run on one of the runner's threads: the
  // completion callbacks must not hold the last reference to this object.
  ~RedisCounters() override = default;
  RedisCounters(const RedisCounters&) = delete;
  RedisCounters& operator=(const RedisCounters&) = delete;

  const char* name() const override { return "redis"; }
  void acquire(const std::vector<CounterSpec>& specs, const std::string& lease, AcquireDone done) override;
  void settle(const std::vector<CounterSpec>& specs, const std::string& lease, SettleDone done) override;

 private:
  std::vector<std::string> argv_of(const std::vector<CounterSpec>& specs, const std::string& lease) const;

  RedisCountersOptions options_;
  RedisScriptRunner runner_;
};

}  // namespace sovra::gateway::rate_limit
