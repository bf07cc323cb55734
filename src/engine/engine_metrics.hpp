#pragma once
// Prometheus metrics of one engine (one model), labelled model="<name>". Families are registered once per
// process in observability::registry(); each engine adds its children.
//
// sovra_engine_queue_depth, sovra_engine_running_sequences, sovra_engine_kv_blocks_used,
// sovra_engine_kv_blocks_free, sovra_engine_prefix_cache_hit_rate (gauges);
// sovra_engine_queue_time_seconds (histogram: submit → first scheduled);
// sovra_engine_prompt_tokens_total, sovra_engine_cached_prompt_tokens_total,
// sovra_engine_generated_tokens_total, sovra_engine_preemptions_total, sovra_engine_requests_rejected_total,
// sovra_engine_requests_finished_total{reason} (counters; tokens/s is their rate()).
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace sovra::engine {

struct EngineMetrics {
  explicit EngineMetrics(const std::string& model);

  prometheus::Gauge* queue_depth;
  prometheus::Gauge* running;
  prometheus::Gauge* kv_used;
  prometheus::Gauge* kv_free;
  prometheus::Gauge* prefix_hit_rate;
  prometheus::Histogram* queue_time;
  prometheus::Counter* prompt_tokens;
  prometheus::Counter* cached_prompt_tokens;
  prometheus::Counter* generated_tokens;
  prometheus::Counter* preemptions;
  prometheus::Counter* rejected;
  prometheus::Counter* finished_stop;
  prometheus::Counter* finished_length;
  prometheus::Counter* finished_cancelled;
  prometheus::Counter* finished_error;
};

}  // namespace sovra::engine
