#include "gateway/auth/auth_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include <array>

#include "observability/metrics.hpp"

namespace sovra::gateway::auth {

void count_auth_failure(AuthFailureReason reason) {
  static const std::array<prometheus::Counter*, 3> counters = [] {
    auto& family = prometheus::BuildCounter()
                       .Name("sovra_auth_failures_total")
                       .Help("Requests refused by the API-key filter: missing or invalid key (401), forbidden (403).")
                       .Register(observability::registry());
    return std::array<prometheus::Counter*, 3>{&family.Add({{"reason", "missing"}}),
                                               &family.Add({{"reason", "invalid"}}),
                                               &family.Add({{"reason", "forbidden"}})};
  }();
  counters[static_cast<std::size_t>(reason)]->Increment();
}

}  // namespace sovra::gateway::auth
