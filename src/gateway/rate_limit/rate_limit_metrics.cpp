#include "gateway/rate_limit/rate_limit_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include <array>

#include "observability/metrics.hpp"

namespace sovra::gateway::rate_limit {

void count_decision(Decision d) {
  static const std::array<prometheus::Counter*, 3> counters = [] {
    auto& f = prometheus::BuildCounter()
                  .Name("sovra_rate_limit_decisions_total")
                  .Help("Admission decisions of the rate limiter: admitted, refused (429), unavailable (Redis "
                        "unreachable with rate_limits.redis_failure=closed, 503).")
                  .Register(observability::registry());
    return std::array<prometheus::Counter*, 3>{&f.Add({{"result", "admitted"}}), &f.Add({{"result", "refused"}}),
                                               &f.Add({{"result", "unavailable"}})};
  }();
  counters[static_cast<std::size_t>(d)]->Increment();
}

void count_refusal(Metric m) {
  static const std::array<prometheus::Counter*, 5> counters = [] {
    auto& f = prometheus::BuildCounter()
                  .Name("sovra_rate_limit_refusals_total")
                  .Help("Calls refused with 429, by the limit that refused them.")
                  .Register(observability::registry());
    return std::array<prometheus::Counter*, 5>{&f.Add({{"limit", "rpm"}}), &f.Add({{"limit", "rpd"}}),
                                               &f.Add({{"limit", "tpm"}}), &f.Add({{"limit", "tpd"}}),
                                               &f.Add({{"limit", "concurrent"}})};
  }();
  counters[static_cast<std::size_t>(m)]->Increment();
}

void count_backend_error() {
  static prometheus::Counter& c = prometheus::BuildCounter()
                                      .Name("sovra_rate_limit_backend_errors_total")
                                      .Help("Calls to the shared rate-limit counters (Redis) that failed.")
                                      .Register(observability::registry())
                                      .Add({});
  c.Increment();
}

void count_fallback() {
  static prometheus::Counter& c =
      prometheus::BuildCounter()
          .Name("sovra_rate_limit_fallback_total")
          .Help("Admissions decided by this process's own counters because Redis failed (redis_failure=open).")
          .Register(observability::registry())
          .Add({});
  c.Increment();
}

}  // namespace sovra::gateway::rate_limit
