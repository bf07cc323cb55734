#pragma once
// Counters in this process: a fixed number of shards, each a mutex and a hash map. acquire() locks the shards of
// its counters in index order (so two calls never deadlock), checks every counter, then charges them all; calls on
// different keys mostly take different shards, so threads rarely wait for each other. Completes inline.
//
// Entries that are empty again (bucket drained, no lease held) are dropped when their shard grows, so memory
// follows the number of recently active keys, not every key ever seen.
#include <array>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "gateway/rate_limit/counters.hpp"
#include "gateway/rate_limit/leaky_bucket.hpp"

namespace sovra::gateway::rate_limit {

using ClockMs = std::function<std::int64_t()>;  // milliseconds since the Unix epoch

ClockMs system_clock_ms();

class MemoryCounters final : public CounterStore {
 public:
  explicit MemoryCounters(ClockMs clock = system_clock_ms());
  const char* name() const override { return "memory"; }
  void acquire(const std::vector<CounterSpec>& specs, const std::string& lease, AcquireDone done) override;
  void settle(const std::vector<CounterSpec>& specs, const std::string& lease, SettleDone done) override;

  // Synchronous forms (tests, the benchmark).
  Acquisition acquire_now(const std::vector<CounterSpec>& specs, const std::string& lease);
  void settle_now(const std::vector<CounterSpec>& specs, const std::string& lease);
  std::size_t entries() const;

 private:
  struct Cell {
    Bucket bucket;
    std::int64_t limit = 0;      // of the last use (rate counters), to tell when the bucket is empty
    std::int64_t window_ms = 0;
    std::unordered_set<std::string> leases;  // concurrency counters
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Cell> cells;
    std::size_t sweep_at = 1024;
  };
  static constexpr std::size_t kShards = 64;

  std::size_t shard_of(const std::string& key) const;
  void sweep(Shard& shard, std::int64_t now_ms);

  ClockMs clock_;
  std::array<Shard, kShards> shards_;
};

}  // namespace sovra::gateway::rate_limit
