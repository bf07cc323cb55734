#pragma once
// The rate limiter as a gateway::CallHook (gateway/call.hpp).
//
// admit(): finds the rules that apply to the caller and model (LimitTable), and charges, in one atomic step on
// the counters (memory or Redis): 1 request on each requests-per-minute/day limit, prompt_tokens +
// max_output_tokens on each tokens-per-minute/day limit (a reservation: the worst case), and one lease on each
// concurrency limit. Admitted → x-ratelimit-* headers and a ticket; refused → 429 `rate_limit_exceeded` naming the
// limit, with Retry-After / retry-after-ms and the headers.
// The ticket's finish() settles: token counters move from the reservation to the call's actual usage (also for
// cancelled, failed and refused calls, whose usage may be zero), the lease is released, and a call that was
// refused after admission (4xx, nothing processed) gives its request back.
//
// Counters unreachable (Redis down): with a fallback (rate_limits.redis_failure=open) the call is decided by this
// process's own counters with every limit divided by `replicas`; without one (closed) it is refused with 503.
// Either way it is counted (sovra_rate_limit_backend_errors_total) and logged when the state changes.
#include <atomic>
#include <memory>
#include <string>

#include "gateway/call.hpp"
#include "gateway/rate_limit/counters.hpp"
#include "gateway/rate_limit/limit_table.hpp"

namespace sovra::gateway::rate_limit {

struct RateLimitHookOptions {
  std::shared_ptr<const LimitTable> table;
  std::shared_ptr<CounterStore> counters;
  std::shared_ptr<CounterStore> fallback;  // null: fail closed when `counters` fails
  std::int64_t replicas = 1;               // the fallback enforces limit / replicas (at least 1)
};

class RateLimitHook final : public CallHook {
 public:
  explicit RateLimitHook(RateLimitHookOptions options);
  const char* name() const override { return "rate_limit"; }
  void admit(const CallInfo& info, std::vector<http::Header>& headers, AdmitDone done) override;

 private:
  struct Pending;
  void decide(std::shared_ptr<Pending> p, Result<Acquisition> r);

  RateLimitHookOptions options_;
  std::string lease_prefix_;
  std::atomic<std::uint64_t> next_lease_{0};
  std::atomic<bool> backend_down_{false};
};

}  // namespace sovra::gateway::rate_limit
