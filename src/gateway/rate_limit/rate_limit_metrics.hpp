#pragma once
// Metrics of the rate limiter:
//   sovra_rate_limit_decisions_total{result}   admitted | refused | unavailable (fail-closed refusals)
//   sovra_rate_limit_refusals_total{limit}     rpm | rpd | tpm | tpd | concurrent
//   sovra_rate_limit_backend_errors_total      calls to Redis that failed (unreachable, timeout, script error)
//   sovra_rate_limit_fallback_total            admissions decided by local counters because Redis failed (fail-open)
namespace sovra::gateway::rate_limit {

enum class Decision { kAdmitted, kRefused, kUnavailable };
enum class Metric { kRpm, kRpd, kTpm, kTpd, kConcurrent };

void count_decision(Decision d);
void count_refusal(Metric m);
void count_backend_error();
void count_fallback();

}  // namespace sovra::gateway::rate_limit
