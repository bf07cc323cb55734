#include "engine/engine_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "observability/metrics.hpp"

namespace sovra::engine {
namespace {

struct Families {
  prometheus::Family<prometheus::Gauge>& queue_depth;
  prometheus::Family<prometheus::Gauge>& running;
  prometheus::Family<prometheus::Gauge>& kv_used;
  prometheus::Family<prometheus::Gauge>& kv_free;
  prometheus::Family<prometheus::Gauge>& hit_rate;
  prometheus::Family<prometheus::Histogram>& queue_time;
  prometheus::Family<prometheus::Counter>& prompt_tokens;
  prometheus::Family<prometheus::Counter>& cached_tokens;
  prometheus::Family<prometheus::Counter>& generated_tokens;
  prometheus::Family<prometheus::Counter>& preemptions;
  prometheus::Family<prometheus::Counter>& rejected;
  prometheus::Family<prometheus::Counter>& finished;
};

prometheus::Family<prometheus::Gauge>& gauge(const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(observability::registry());
}
prometheus::Family<prometheus::Counter>& counter(const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(observability::registry());
}

Families& families() {
  static Families f{
      gauge("sovra_engine_queue_depth", "Requests waiting to be scheduled."),
      gauge("sovra_engine_running_sequences", "Sequences in the running batch."),
      gauge("sovra_engine_kv_blocks_used", "KV cache blocks held by sequences."),
      gauge("sovra_engine_kv_blocks_free", "KV cache blocks that can be allocated (free or idle cached)."),
      gauge("sovra_engine_prefix_cache_hit_rate", "Fraction of prefix cache block lookups that hit, since start."),
      prometheus::BuildHistogram()
          .Name("sovra_engine_queue_time_seconds")
          .Help("Time from submission to the first scheduled step.")
          .Register(observability::registry()),
      counter("sovra_engine_prompt_tokens_total", "Prompt tokens of finished requests."),
      counter("sovra_engine_cached_prompt_tokens_total", "Prompt tokens served from the prefix cache."),
      counter("sovra_engine_generated_tokens_total", "Tokens generated."),
      counter("sovra_engine_preemptions_total", "Sequences preempted (to be recomputed) for lack of KV blocks."),
      counter("sovra_engine_requests_rejected_total", "Requests refused because the waiting queue was full."),
      counter("sovra_engine_requests_finished_total", "Requests finished, by reason."),
  };
  return f;
}

}  // namespace

EngineMetrics::EngineMetrics(const std::string& model) {
  Families& f = families();
  const prometheus::Labels l{{"model", model}};
  auto with = [&](const char* reason) {
    prometheus::Labels r = l;
    r.emplace("reason", reason);
    return &f.finished.Add(r);
  };
  queue_depth = &f.queue_depth.Add(l);
  running = &f.running.Add(l);
  kv_used = &f.kv_used.Add(l);
  kv_free = &f.kv_free.Add(l);
  prefix_hit_rate = &f.hit_rate.Add(l);
  queue_time = &f.queue_time.Add(
      l, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  prompt_tokens = &f.prompt_tokens.Add(l);
  cached_prompt_tokens = &f.cached_tokens.Add(l);
  generated_tokens = &f.generated_tokens.Add(l);
  preemptions = &f.preemptions.Add(l);
  rejected = &f.rejected.Add(l);
  finished_stop = with("stop");
  finished_length = with("length");
  finished_cancelled = with("cancelled");
  finished_error = with("error");
}

}  // namespace sovra::engine
