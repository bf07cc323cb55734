#include "engine/engine.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/logging.hpp"
#include "common/thread_name.hpp"
#include "engine/detokenizer.hpp"
#include "engine/engine_metrics.hpp"
#include "engine/model_runner.hpp"
#include "model/paged_kv_cache.hpp"

namespace sovra::engine {
namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

struct Engine::Active {
  Active(const tokenizer::Tokenizer& tok, std::vector<std::string> stop) : detok(tok), stops(std::move(stop)) {}
  EventSink sink;
  StreamingDetokenizer detok;
  StopMatcher stops;
  Clock::time_point submitted{};
  std::optional<Clock::time_point> scheduled;
  std::optional<Clock::time_point> first_token;
  bool logprobs = false;
  bool prompt_logprobs = false;               // asked for; false again once delivered
  std::vector<TokenLogprobs> prompt_entries;  // entry i: prompt token i + 1
};

Result<std::unique_ptr<Engine>> Engine::create(std::shared_ptr<const model::Model> model,
                                               std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
                                               EngineOptions options) {
  if (!model || !tokenizer) return Error::invalid("an engine needs a model and a tokenizer");
  const auto& hp = model->hparams();
  if (options.block_size < 1) return Error::invalid("block_size must be at least 1");
  if (options.max_seq_len <= 0) {
    options.max_seq_len =
        static_cast<std::int32_t>(std::min<std::uint32_t>(hp.n_ctx_train == 0 ? 4096 : hp.n_ctx_train, 4096));
  }
  const std::uint64_t block_bytes = model::PagedKvCache::block_bytes(hp, options.block_size, options.kv_elem);
  const auto n_blocks = static_cast<std::int64_t>(options.kv_budget_bytes / block_bytes);
  const std::int64_t one_request = (options.max_seq_len + options.block_size - 1) / options.block_size;
  if (n_blocks < one_request) {
    return Error::invalid(fmt::format(
        "KV cache budget of {} MiB holds {} blocks of {} tokens; one request of {} tokens needs {} ({} MiB)",
        options.kv_budget_bytes >> 20, n_blocks, options.block_size, options.max_seq_len, one_request,
        (static_cast<std::uint64_t>(one_request) * block_bytes + (1 << 20) - 1) >> 20));
  }
  SchedulerConfig config{.block_size = options.block_size,
                         .n_blocks = static_cast<std::int32_t>(std::min<std::int64_t>(n_blocks, 1 << 24)),
                         .max_num_seqs = options.max_num_seqs,
                         .max_batched_tokens = options.max_batched_tokens,
                         .max_prefill_chunk = options.max_prefill_chunk,
                         .prefill_group_tokens = options.prefill_group_tokens,
                         .max_waiting = options.max_waiting,
                         .max_seq_len = options.max_seq_len,
                         .prefix_caching = options.prefix_caching};
  return std::unique_ptr<Engine>(new Engine(std::move(model), std::move(tokenizer), std::move(options), config));
}

Engine::Engine(std::shared_ptr<const model::Model> model, std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
               EngineOptions options, SchedulerConfig config)
    : model_(std::move(model)),
      tokenizer_(std::move(tokenizer)),
      options_(std::move(options)),
      metrics_(std::make_unique<EngineMetrics>(options_.model_name)),
      scheduler_(config),
      runner_(std::make_unique<ModelRunner>(*model_, ModelRunnerOptions{.n_blocks = config.n_blocks,
                                                                        .block_size = config.block_size,
                                                                        .n_threads = options_.n_threads,
                                                                        .kv_elem = options_.kv_elem})) {
  publish_stats();
  thread_ = std::thread([this] {
    set_thread_name("sovra-engine");
    loop();
  });
}

Engine::~Engine() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<RequestId> Engine::submit(GenerationRequest request, EventSink sink) {
  if (!sink) return Error::invalid("submit needs an event sink");
  std::vector<TokenId> tokens = !request.prompt_tokens.empty()
                                    ? std::move(request.prompt_tokens)
                                    : tokenizer_->encode(request.prompt_text, tokenizer_->add_bos());
  const auto n_vocab = model_->hparams().n_vocab;
  for (TokenId t : tokens) {
    if (t < 0 || static_cast<std::uint32_t>(t) >= n_vocab) {
      return Error::invalid(fmt::format("token id {} is outside the vocabulary ({})", t, n_vocab), "prompt");
    }
  }
  SOVRA_CHECK(scheduler_.check_request(tokens.size(), request.max_tokens));
  std::vector<TokenId> stop_ids = request.sampling.stop_token_ids;
  SOVRA_TRY(sampling::Sampler sampler, sampling::Sampler::create(std::move(request.sampling)));
  SequenceParams params;
  params.prompt = std::move(tokens);
  params.max_tokens = request.max_tokens;
  params.stop_token_ids = std::move(stop_ids);
  params.eos_id = tokenizer_->eos_id();
  params.ignore_eos = request.ignore_eos;
  params.sampler = std::make_unique<sampling::Sampler>(std::move(sampler));
  params.constraint = std::move(request.constraint);
  params.prompt_logprobs = request.prompt_logprobs;

  std::lock_guard lock(mu_);
  if (stop_) return Error::unavailable("the engine is shutting down");
  const std::size_t queued = inbox_.size() + stats_.waiting;
  if (queued >= static_cast<std::size_t>(options_.max_waiting)) {
    metrics_->rejected->Increment();
    return Error{ErrorCode::kUnavailable,
                 fmt::format("overloaded: {} requests are already waiting for model {}; retry later", queued,
                             options_.model_name),
                 {},
                 503};
  }
  const RequestId id = next_id_++;
  inbox_.push_back({id, std::move(params), std::move(request.stop), std::move(sink), Clock::now()});
  ++stats_.active_requests;
  cv_.notify_one();
  return id;
}

void Engine::cancel(RequestId id) {
  {
    std::lock_guard lock(mu_);
    cancels_.push_back(id);
  }
  cv_.notify_one();
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Engine::admit(std::deque<Incoming>& incoming) {
  for (Incoming& in : incoming) {
    auto a = std::make_unique<Active>(*tokenizer_, std::move(in.stop));
    a->sink = std::move(in.sink);
    a->submitted = in.submitted;
    a->logprobs = in.params.sampler && in.params.sampler->params().logprobs;
    a->prompt_logprobs = in.params.prompt_logprobs;
    const std::int32_t n_prompt = static_cast<std::int32_t>(in.params.prompt.size());
    const Status st = scheduler_.add(in.id, std::move(in.params));
    if (!st) {
      GenerationEvent fe;
      fe.kind = GenerationEvent::Kind::kFinished;
      fe.finish = FinishReason::kError;
      fe.error = st.error();
      fe.usage.prompt_tokens = n_prompt;
      if (st.error().code == ErrorCode::kUnavailable) metrics_->rejected->Increment();
      a->sink(std::move(fe));
      std::lock_guard lock(mu_);
      --stats_.active_requests;
      continue;
    }
    active_.emplace(in.id, std::move(a));
  }
}

void Engine::finish(Active& a, const SequenceEvent& ev, FinishReason reason) {
  const auto now = Clock::now();
  GenerationEvent fe;
  fe.kind = GenerationEvent::Kind::kFinished;
  fe.finish = reason;
  if (!a.stops.matched()) fe.text_tail = a.stops.push(a.detok.finish()) + a.stops.finish();
  if (a.stops.matched()) fe.stop_sequence = a.stops.matched_stop();
  fe.usage.prompt_tokens = ev.prompt_tokens;
  fe.usage.cached_prompt_tokens = ev.cached_prompt_tokens;
  fe.usage.completion_tokens = ev.completion_tokens;
  fe.usage.preemptions = ev.preemptions;
  fe.usage.computed_tokens = ev.computed_tokens;
  fe.usage.queue_seconds = a.scheduled ? seconds(*a.scheduled - a.submitted) : seconds(now - a.submitted);
  fe.usage.first_token_seconds = a.first_token ? seconds(*a.first_token - a.submitted) : 0.0;
  fe.usage.total_seconds = seconds(now - a.submitted);
  if (reason == FinishReason::kError) fe.error = Error::internal("the model produced no usable output");
  take_prompt_logprobs(a, fe);
  metrics_->prompt_tokens->Increment(ev.prompt_tokens);
  metrics_->cached_prompt_tokens->Increment(ev.cached_prompt_tokens);
  switch (reason) {
    case FinishReason::kStop:
      metrics_->finished_stop->Increment();
      break;
    case FinishReason::kLength:
      metrics_->finished_length->Increment();
      break;
    case FinishReason::kCancelled:
      metrics_->finished_cancelled->Increment();
      break;
    default:
      metrics_->finished_error->Increment();
      break;
  }
  EventSink sink = std::move(a.sink);
  active_.erase(ev.id);  // destroys a
  {
    std::lock_guard lock(mu_);
    --stats_.active_requests;
  }
  sink(std::move(fe));
}

void Engine::collect(const PromptLogprobs& chunk) {
  const auto it = active_.find(chunk.id);
  if (it == active_.end() || !it->second->prompt_logprobs) return;
  auto& entries = it->second->prompt_entries;
  for (std::size_t i = 0; i < chunk.logprobs.size(); ++i) {
    // After a preemption the prompt is recomputed: positions already collected come again and are skipped.
    if (static_cast<std::size_t>(chunk.first) + i != entries.size() + 1) continue;
    entries.push_back(TokenLogprobs{chunk.logprobs[i], chunk.top[i]});
  }
}

void Engine::take_prompt_logprobs(Active& a, GenerationEvent& ev) {
  if (!a.prompt_logprobs) return;
  a.prompt_logprobs = false;
  ev.prompt_logprobs = std::move(a.prompt_entries);
}

void Engine::deliver(const SequenceEvent& ev) {
  const auto it = active_.find(ev.id);
  if (it == active_.end()) return;  // already finished by the engine (stop string)
  Active& a = *it->second;
  if (ev.sample) {
    if (!a.first_token) a.first_token = Clock::now();
    metrics_->generated_tokens->Increment();
    // A stop token or EOS ends the sequence without contributing text.
    if (ev.finish != FinishReason::kStop) {
      GenerationEvent te;
      te.token = ev.sample->token;
      te.text = a.stops.push(a.detok.push(ev.sample->token));
      if (a.logprobs) te.logprobs = TokenLogprobs{ev.sample->logprob, ev.sample->top_logprobs};
      take_prompt_logprobs(a, te);
      a.sink(std::move(te));
      if (a.stops.matched() && ev.finish == FinishReason::kNone) {
        scheduler_.cancel(ev.id, FinishReason::kStop);  // frees its blocks in the next step
        finish(a, ev, FinishReason::kStop);
        return;
      }
    }
  }
  if (ev.finish != FinishReason::kNone) finish(a, ev, a.stops.matched() ? FinishReason::kStop : ev.finish);
}

void Engine::publish_stats() {
  const auto& pool = scheduler_.pool();
  const auto& ps = pool.stats();
  metrics_->queue_depth->Set(static_cast<double>(scheduler_.num_waiting()));
  metrics_->running->Set(static_cast<double>(scheduler_.num_running()));
  metrics_->kv_used->Set(pool.used());
  metrics_->kv_free->Set(pool.available());
  metrics_->prefix_hit_rate->Set(ps.lookups == 0 ? 0.0
                                                 : static_cast<double>(ps.hits) / static_cast<double>(ps.lookups));
  std::lock_guard lock(mu_);
  stats_.waiting = scheduler_.num_waiting();
  stats_.running = scheduler_.num_running();
  stats_.kv_blocks_total = pool.n_blocks();
  stats_.kv_blocks_used = pool.used();
  stats_.prefix_lookups = ps.lookups;
  stats_.prefix_hits = ps.hits;
  stats_.preemptions = scheduler_.preemptions();
  stats_.steps = steps_;
}

void Engine::loop() {
  std::uint64_t preemptions_seen = 0;
  for (;;) {
    std::deque<Incoming> incoming;
    std::vector<RequestId> cancels;
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !inbox_.empty() || !cancels_.empty() || scheduler_.has_work(); });
      incoming.swap(inbox_);
      cancels.swap(cancels_);
      stopping = stop_;
    }
    admit(incoming);
    if (stopping) {
      for (auto& [id, a] : active_) scheduler_.cancel(id);
      const SchedulerOutput out = scheduler_.schedule();  // applies the cancellations, frees every block
      for (const SequenceEvent& ev : scheduler_.update(out, {}).events) deliver(ev);
      publish_stats();
      return;
    }
    for (RequestId id : cancels) {
      if (active_.count(id) != 0) scheduler_.cancel(id);
    }
    const SchedulerOutput out = scheduler_.schedule();
    const auto now = Clock::now();
    for (const ScheduledSequence& s : out.sequences) {
      const auto it = active_.find(s.id);
      if (it == active_.end() || it->second->scheduled) continue;
      it->second->scheduled = now;
      metrics_->queue_time->Observe(seconds(now - it->second->submitted));
    }
    const RunnerOutput result = out.empty() ? RunnerOutput{} : runner_->execute(out);
    for (const PromptLogprobs& chunk : result.prompt_logprobs) collect(chunk);
    const StepUpdate update = scheduler_.update(out, result);
    ++steps_;
    for (const SequenceEvent& ev : update.events) deliver(ev);
    if (scheduler_.preemptions() > preemptions_seen) {
      metrics_->preemptions->Increment(static_cast<double>(scheduler_.preemptions() - preemptions_seen));
      preemptions_seen = scheduler_.preemptions();
    }
    publish_stats();
  }
}

}  // namespace sovra::engine
