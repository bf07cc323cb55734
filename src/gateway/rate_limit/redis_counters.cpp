#include "gateway/rate_limit/redis_counters.hpp"

#include <algorithm>

#include "gateway/rate_limit/redis_scripts.hpp"

namespace sovra::gateway::rate_limit {
namespace {

const RedisScript& acquire_script() {
  static const RedisScript s(kAcquireScript);
  return s;
}

const RedisScript& settle_script() {
  static const RedisScript s(kSettleScript);
  return s;
}

Result<Acquisition> parse_acquire(const std::vector<std::int64_t>& r, std::size_t counters) {
  if (r.size() != 3 + 2 * counters) return Error::unavailable("unexpected reply from the Redis rate-limit script");
  Acquisition a;
  a.admitted = r[0] == 1;
  a.refused = a.admitted ? 0 : static_cast<std::size_t>(std::max<std::int64_t>(r[1] - 1, 0));
  a.retry_after_ms = r[2];
  a.states.resize(counters);
  for (std::size_t i = 0; i < counters; ++i) a.states[i] = {r[3 + 2 * i], r[4 + 2 * i]};
  return a;
}

}  // namespace

RedisCounters::RedisCounters(RedisCountersOptions options)
    : options_(std::move(options)),
      runner_(RedisRunnerOptions{.address = options_.address,
                                 .connections = options_.connections,
                                 .timeout_ms = options_.timeout_ms,
                                 .retry_ms = options_.retry_ms}) {}

std::vector<std::string> RedisCounters::argv_of(const std::vector<CounterSpec>& specs, const std::string& lease) const {
  std::vector<std::string> argv;
  argv.reserve(2 + specs.size() * 5 + 2);
  argv.push_back(std::to_string(specs.size()));
  for (const auto& s : specs) argv.push_back(options_.key_prefix + s.key);
  argv.push_back(lease);
  argv.push_back(std::to_string(options_.lease_ms));
  for (const auto& s : specs) {
    argv.push_back(s.kind == CounterKind::kRate ? "0" : "1");
    argv.push_back(std::to_string(s.limit));
    argv.push_back(std::to_string(s.window_ms));
    argv.push_back(std::to_string(s.cost));
  }
  return argv;
}

void RedisCounters::acquire(const std::vector<CounterSpec>& specs, const std::string& lease, AcquireDone done) {
  runner_.eval(acquire_script(), argv_of(specs, lease),
               [n = specs.size(), done = std::move(done)](ScriptResult r) {
                 done(r ? parse_acquire(*r, n) : Result<Acquisition>(r.error()));
               });
}

void RedisCounters::settle(const std::vector<CounterSpec>& specs, const std::string& lease, SettleDone done) {
  runner_.eval(settle_script(), argv_of(specs, lease),
               [done = std::move(done)](ScriptResult r) { done(r ? Status{} : Status(r.error())); });
}

}  // namespace sovra::gateway::rate_limit
