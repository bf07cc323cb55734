#pragma once
// GCRA in its continuous-state form (ITU-T I.371: equivalent to the virtual-scheduling form), in integers only.
//
// A window of W ms is divided into kTicks ticks. The bucket's level is kept in units × kTicks; it drains `limit`
// per tick (= limit units per window) and holds at most limit × kTicks: a cost n is admitted iff
// level_after_drain + n × kTicks ≤ limit × kTicks. Everything stays an exact integer below 2^53, so the Redis Lua
// script (doubles) computes bit-for-bit the same as this C++ code, for limits up to kMaxLimit.
#include <cstdint>

namespace sovra::gateway::rate_limit {

inline constexpr std::int64_t kTicks = 60'000;            // per window: 1 ms for a minute, 1.44 s for a day
inline constexpr std::int64_t kMaxLimit = 100'000'000'000;  // 1e11 units per window

struct Bucket {
  std::int64_t level = 0;  // units × kTicks
  std::int64_t tick = 0;   // when level was last computed
};

struct BucketCheck {
  bool admitted = false;
  std::int64_t level = 0;           // after the charge when admitted; else after draining only
  std::int64_t retry_after_ticks = 0;  // when refused: ticks until the cost fits; -1: never (cost > limit)
};

// The tick `now_ms` falls in for a window of `window_ms` (a multiple of kTicks ms).
inline std::int64_t tick_of(std::int64_t now_ms, std::int64_t window_ms) { return now_ms / (window_ms / kTicks); }

// Level after draining from `b.tick` to `now_tick`.
std::int64_t drained(const Bucket& b, std::int64_t now_tick, std::int64_t limit);

BucketCheck check(const Bucket& b, std::int64_t now_tick, std::int64_t limit, std::int64_t cost);

// Level after adding `delta` units (negative: gives back), never below zero.
std::int64_t adjusted(const Bucket& b, std::int64_t now_tick, std::int64_t limit, std::int64_t delta);

std::int64_t remaining_units(std::int64_t level, std::int64_t limit);
// Ticks until the bucket is empty again (the counter "resets" to its full allowance).
std::int64_t ticks_to_empty(std::int64_t level, std::int64_t limit);

}  // namespace sovra::gateway::rate_limit
