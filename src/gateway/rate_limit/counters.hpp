#pragma once
// Counters behind the rate limits, and the interface of where they live: in this process (MemoryCounters) or in
// Redis, shared by every gateway replica (RedisCounters).
//
// Two kinds of counter:
// - rate: at most `limit` units per `window_ms` (60 000 or 86 400 000), enforced by GCRA in its continuous-state
//   form (a leaky bucket of capacity `limit` draining at limit/window; see leaky_bucket.hpp and docs/rate-limits.md);
// - concurrency: at most `limit` leases held at once; a lease is named by the call and released at its end.
//
// Contract for a CounterStore:
// - acquire() checks every counter and, only if all of them allow the cost, charges all of them: one atomic step
//   (no other acquire interleaves), so limits hold exactly however many threads or replicas acquire at once.
// - settle() corrects rate counters by `cost` (actual − reserved: negative gives units back, positive charges
//   more without a check) and releases the concurrency leases named `lease`. Never refuses.
// - Both call `done` exactly once, from any thread, and never block the caller on I/O.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace sovra::gateway::rate_limit {

enum class CounterKind : std::uint8_t { kRate, kConcurrency };

inline constexpr std::int64_t kMinuteMs = 60'000;
inline constexpr std::int64_t kDayMs = 86'400'000;

struct CounterSpec {
  std::string key;  // unique name, e.g. "p:proj_123:*:rpm"
  CounterKind kind = CounterKind::kRate;
  std::int64_t limit = 0;      // units per window, or leases at once; > 0
  std::int64_t window_ms = 0;  // rate: a multiple of 60 000 ms; concurrency: 0
  std::int64_t cost = 0;       // acquire: units (≥ 0; concurrency: 1); settle: actual − reserved
};

struct CounterState {
  std::int64_t remaining = 0;  // units that could still be admitted now
  std::int64_t reset_ms = 0;   // until the counter is back to its full allowance
};

struct Acquisition {
  bool admitted = false;
  std::size_t refused = 0;           // index of the first counter that refused (when !admitted)
  std::int64_t retry_after_ms = 0;   // when that counter would allow the cost; -1: never (cost > limit)
  std::vector<CounterState> states;  // per counter, after the charge (admitted) or without it (refused)
};

using AcquireDone = std::function<void(Result<Acquisition>)>;
using SettleDone = std::function<void(Status)>;

class CounterStore {
 public:
  virtual ~CounterStore() = default;
  virtual const char* name() const = 0;  // "memory" | "redis"
  virtual void acquire(const std::vector<CounterSpec>& specs, const std::string& lease, AcquireDone done) = 0;
  virtual void settle(const std::vector<CounterSpec>& specs, const std::string& lease, SettleDone done) = 0;
};

}  // namespace sovra::gateway::rate_limit
