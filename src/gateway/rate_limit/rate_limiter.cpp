#include "gateway/rate_limit/rate_limiter.hpp"

#include "common/logging.hpp"
#include "gateway/rate_limit/memory_counters.hpp"
#include "gateway/rate_limit/redis_counters.hpp"

namespace sovra::gateway::rate_limit {
namespace {

LimitValues values_of(const RateLimitDefaults& d) {
  return {d.requests_per_minute, d.requests_per_day, d.tokens_per_minute, d.tokens_per_day, d.concurrent_requests};
}

}  // namespace

LimitDefaults defaults_from(const RateLimitConfig& c) {
  return {values_of(c.organization), values_of(c.project), values_of(c.key)};
}

Result<RateLimiter> start_rate_limiter(const RateLimitConfig& config, store::Store& store) {
  const Logger log("rate_limit");
  RateLimiter out;
  out.table = std::make_shared<LimitTable>(defaults_from(config));
  SOVRA_TRY(auto rules, store.all_rate_limits());
  out.table->replace(rules);
  auto table = out.table;
  auto* s = &store;
  SOVRA_CHECK(store.on_rate_limit_change([table, s] {
    auto fresh = s->all_rate_limits();
    // A failed reload keeps the previous rules; the next change or reconnect retries.
    if (!fresh) {
      static const Logger l("rate_limit");
      l.warn("reloading rate limits failed", {{"error", fresh.error().message}});
      return;
    }
    table->replace(*fresh);
  }));
  std::shared_ptr<CounterStore> fallback;
  if (config.redis_url.empty()) {
    out.counters = std::make_shared<MemoryCounters>();
  } else {
    SOVRA_TRY(auto address, parse_redis_url(config.redis_url));
    out.counters = std::make_shared<RedisCounters>(RedisCountersOptions{
        .address = address,
        .connections = static_cast<int>(config.redis_connections),
        .timeout_ms = config.redis_timeout_ms});
    if (config.redis_failure == "open") fallback = std::make_shared<MemoryCounters>();
  }
  out.hook = std::make_shared<RateLimitHook>(RateLimitHookOptions{
      .table = out.table, .counters = out.counters, .fallback = fallback, .replicas = config.replicas});
  log.info("rate limiter ready", {{"counters", out.counters->name()},
                                  {"rules", static_cast<std::int64_t>(out.table->size())},
                                  {"redis_failure", config.redis_url.empty() ? "" : config.redis_failure}});
  return out;
}

}  // namespace sovra::gateway::rate_limit
