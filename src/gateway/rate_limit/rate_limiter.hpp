#pragma once
// Builds the rate limiter of a server process from its configuration and store: the limit table (loaded now and
// reloaded whenever any process changes a rule), the counters (in this process, or Redis when
// rate_limits.redis_url is set, with local fallback counters for redis_failure=open) and the CallHook.
#include <memory>

#include "common/error.hpp"
#include "config/config.hpp"
#include "gateway/rate_limit/counters.hpp"
#include "gateway/rate_limit/limit_table.hpp"
#include "gateway/rate_limit/rate_limit_hook.hpp"
#include "store/store.hpp"

namespace sovra::gateway::rate_limit {

struct RateLimiter {
  std::shared_ptr<LimitTable> table;
  std::shared_ptr<CounterStore> counters;
  std::shared_ptr<RateLimitHook> hook;
};

LimitDefaults defaults_from(const RateLimitConfig& config);

// `store` must outlive the returned limiter's use of it (it follows the store's changes until the store closes).
Result<RateLimiter> start_rate_limiter(const RateLimitConfig& config, store::Store& store);

}  // namespace sovra::gateway::rate_limit
