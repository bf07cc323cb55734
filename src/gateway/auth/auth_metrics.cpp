#include "gateway/auth/auth_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include <array>

#include "observability/metrics.hpp"

namespace sovra::gateway::auth {

void count_auth(AuthOutcome outcome) {
  static const std::array<prometheus::Counter*, 4> counters = [] {
    auto& family = prometheus::BuildCounter()
                       .Name("sovra_auth_requests_total")
                       .Help("Requests seen by the API-key filter, by result (ok, missing, invalid, forbidden).")
                       .Register(observability::registry());
    return std::array<prometheus::Counter*, 4>{&family.Add({{"result", "ok"}}), &family.Add({{"result", "missing"}}),
                                               &family.Add({{"result", "invalid"}}),
                                               &family.Add({{"result", "forbidden"}})};
  }();
  counters[static_cast<std::size_t>(outcome)]->Increment();
}

}  // namespace sovra::gateway::auth
