#pragma once
// Engine: the in-process EngineClient for one loaded model. It owns a scheduler, a model runner (paged KV cache
// + compute pool) and one engine thread that loops schedule → execute → update and delivers events.
//
// Contract: see engine_client.hpp. In addition: create() sizes the KV block pool from kv_budget_bytes (at least
// enough blocks for one request of max_seq_len); stats() is a consistent snapshot taken after the latest step
// and may be called from any thread; the destructor ends outstanding requests with kCancelled and joins the
// engine thread.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/engine_client.hpp"
#include "engine/scheduler/scheduler.hpp"
#include "kernels/ops.hpp"
#include "model/model.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sovra::engine {

class ModelRunner;
struct EngineMetrics;
class StreamingDetokenizer;
class StopMatcher;

struct EngineOptions {
  std::string model_name = "default";  // metrics label
  std::uint64_t kv_budget_bytes = 256ull << 20;
  std::int32_t block_size = 16;
  std::int32_t max_num_seqs = 16;
  std::int32_t max_batched_tokens = 256;  // the step's token budget
  std::int32_t max_prefill_chunk = 0;
  std::int32_t prefill_group_tokens = 64;  // SchedulerConfig::prefill_group_tokens
  std::int32_t max_waiting = 256;
  std::int32_t max_seq_len = 0;  // 0: the model's training context (capped to 4096)
  std::int32_t n_threads = 1;
  bool prefix_caching = true;
  kernels::KvElem kv_elem = kernels::KvElem::kF16;  // how the KV cache stores K and V
};

struct EngineStats {
  std::size_t waiting = 0;
  std::size_t running = 0;
  std::int32_t kv_blocks_total = 0;
  std::int32_t kv_blocks_used = 0;
  std::uint64_t prefix_lookups = 0;
  std::uint64_t prefix_hits = 0;
  std::uint64_t preemptions = 0;
  std::uint64_t steps = 0;
  std::uint64_t active_requests = 0;  // accepted and not yet finished
};

class Engine final : public EngineClient {
 public:
  static Result<std::unique_ptr<Engine>> create(std::shared_ptr<const model::Model> model,
                                                std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
                                                EngineOptions options);
  ~Engine() override;

  Result<RequestId> submit(GenerationRequest request, EventSink sink) override;
  void cancel(RequestId id) override;

  EngineStats stats() const;
  const EngineOptions& options() const { return options_; }
  const model::Model& model() const { return *model_; }
  const std::shared_ptr<const tokenizer::Tokenizer>& tokenizer() const { return tokenizer_; }

 private:
  struct Incoming {
    RequestId id;
    SequenceParams params;
    std::vector<std::string> stop;
    EventSink sink;
    Clock::time_point submitted;
  };
  struct Active;

  Engine(std::shared_ptr<const model::Model> model, std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
         EngineOptions options, SchedulerConfig config);
  void loop();
  void admit(std::deque<Incoming>& incoming);
  void deliver(const SequenceEvent& ev);
  void collect(const PromptLogprobs& chunk);
  void take_prompt_logprobs(Active& a, GenerationEvent& ev);
  void finish(Active& a, const SequenceEvent& ev, FinishReason reason);
  void publish_stats();

  std::shared_ptr<const model::Model> model_;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  EngineOptions options_;
  std::unique_ptr<EngineMetrics> metrics_;

  // Engine thread only.
  Scheduler scheduler_;
  std::unique_ptr<ModelRunner> runner_;
  std::unordered_map<RequestId, std::unique_ptr<Active>> active_;
  std::uint64_t steps_ = 0;

  // Shared with submitters.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Incoming> inbox_;
  std::vector<RequestId> cancels_;
  bool stop_ = false;
  RequestId next_id_ = 1;
  EngineStats stats_;
  std::thread thread_;
};

}  // namespace sovra::engine
