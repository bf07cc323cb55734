#include "gateway/rate_limit/leaky_bucket.hpp"

#include <algorithm>

namespace sovra::gateway::rate_limit {

std::int64_t drained(const Bucket& b, std::int64_t now_tick, std::int64_t limit) {
  const std::int64_t elapsed = now_tick - b.tick;
  if (elapsed <= 0) return b.level;
  // elapsed × limit may overflow for a long idle bucket; it is empty once elapsed ≥ level / limit.
  if (elapsed > b.level / limit) return 0;
  return b.level - elapsed * limit;
}

BucketCheck check(const Bucket& b, std::int64_t now_tick, std::int64_t limit, std::int64_t cost) {
  BucketCheck r;
  r.level = drained(b, now_tick, limit);
  const std::int64_t capacity = limit * kTicks;
  if (cost > limit) {
    r.retry_after_ticks = -1;
    return r;
  }
  const std::int64_t need = cost * kTicks;
  if (r.level + need <= capacity) {
    r.admitted = true;
    r.level += need;
    return r;
  }
  const std::int64_t excess = r.level + need - capacity;
  r.retry_after_ticks = (excess + limit - 1) / limit;
  return r;
}

std::int64_t adjusted(const Bucket& b, std::int64_t now_tick, std::int64_t limit, std::int64_t delta) {
  const std::int64_t level = drained(b, now_tick, limit) + delta * kTicks;
  return std::max<std::int64_t>(level, 0);
}

std::int64_t remaining_units(std::int64_t level, std::int64_t limit) {
  return std::max<std::int64_t>(limit * kTicks - level, 0) / kTicks;
}

std::int64_t ticks_to_empty(std::int64_t level, std::int64_t limit) { return (level + limit - 1) / limit; }

}  // namespace sovra::gateway::rate_limit
