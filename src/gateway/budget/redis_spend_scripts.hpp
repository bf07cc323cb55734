#pragma once
// The Lua scripts of RedisSpend (redis_spend.hpp). Time comes from Redis (TIME), so replica clocks do not matter.
//
// reserve: KEYS = hash₁, exp₁, hash₂, exp₂, …; ARGV = call id, reservation_ms, expire_at (Unix s), worst (nanos),
//   then per scope: amount (nanos), hard (1/0), seed (nanos, or "" when not loaded).
//   Returns {status, index, spent, reserved, flag₁, …}: status 1 admitted (flagᵢ = 1: soft budget i crossed;
//   spent/reserved of the first one), 0 refused by hard budget `index` (1-based; its spent/reserved), −1 some
//   scope has no spent and no seed was given (flagᵢ = 1 for those; nothing changed but expired reservations).
// settle: KEYS as for reserve; ARGV = call id, actual cost (nanos). Returns 1.
namespace sovra::gateway::budget {

extern const char* const kReserveSpendScript;
extern const char* const kSettleSpendScript;

}  // namespace sovra::gateway::budget
