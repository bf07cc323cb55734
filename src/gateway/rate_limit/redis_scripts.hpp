#pragma once
// The Lua scripts run by Redis for the shared counters (one EVALSHA per admission and per settlement). They do in
// Lua what MemoryCounters does in C++ (leaky_bucket.hpp; every value an exact integer below 2^53) and take the
// time from Redis's own clock (TIME), so replicas with skewed clocks still agree.
//
// acquire: KEYS = counter keys; ARGV = lease, lease_ms, then per counter kind (0 rate, 1 concurrency), limit,
//   window_ms, cost. Returns {admitted, refused (1-based, 0 none), retry_after_ms, remaining_1, reset_ms_1, …}.
// settle: same KEYS/ARGV layout (cost = actual − reserved); returns 1.
namespace sovra::gateway::rate_limit {

extern const char* const kAcquireScript;
extern const char* const kSettleScript;

}  // namespace sovra::gateway::rate_limit
