#pragma once
// Scheduler: decides, once per engine step, which tokens of which sequences run — continuous batching in the
// vLLM style, as plain data (see step.hpp).
//
// Contract:
// - add() admits a request into the bounded waiting queue or refuses it at once: kUnavailable (HTTP 503,
//   message starting "overloaded") when max_waiting requests already wait; kInvalidArgument when the request
//   can never run (prompt + max_tokens over max_seq_len, or more KV blocks than the whole pool).
// - schedule() spends at most max_batched_tokens tokens: first one decode token for each running sequence, then
//   the remaining prompt (chunked) of running sequences, then waiting sequences in arrival order (FCFS; the head
//   of the queue is never skipped, so nobody starves). With prefill_group_tokens, a prompt chunk after the step's
//   first joins only while the step's prompt tokens stay within it (short prompts share a step, long ones
//   take turns). A sequence is admitted only if its chunk's blocks fit
//   (keeping watermark_blocks spare while others run). Prompt blocks found in the prefix cache are reused and
//   not recomputed (at least one token is always computed, to produce logits).
// - When a running sequence needs a block and the pool is empty, the youngest running sequence is preempted:
//   its blocks are released and it returns to the waiting queue in arrival order, to be recomputed (its
//   already-generated tokens become part of what is recomputed). The oldest running sequence is never
//   preempted for a younger one. No new sequences are admitted in a step that preempted.
// - cancel() (or an engine-level finish) takes effect in the next schedule(): the sequence's blocks are freed
//   and it is reported by the next update() with its usage so far.
// - update() applies a step's results: advances computed tokens, registers full blocks in the prefix cache,
//   appends sampled tokens, ends sequences (stop token / EOS → kStop; max_tokens or max_seq_len → kLength;
//   failed sampling → kError) and frees their blocks at once.
// - Not thread-safe: one engine thread drives it.
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "engine/kv/block_pool.hpp"
#include "engine/scheduler/sequence.hpp"
#include "engine/scheduler/step.hpp"

namespace sovra::engine {

struct SchedulerConfig {
  std::int32_t block_size = 16;           // tokens per KV block
  std::int32_t n_blocks = 256;            // KV blocks in the pool
  std::int32_t max_num_seqs = 16;         // running sequences at most
  std::int32_t max_batched_tokens = 256;  // tokens per step (the step's token budget)
  std::int32_t max_prefill_chunk = 0;     // prompt tokens of one sequence per step at most; 0: the budget
  // Another sequence's prompt chunk joins a step that already has prompt tokens only while the step's prompt
  // tokens stay within this; 0: prompts fill the budget. On a CPU a prompt's tokens cost the same alone or
  // together once a step has some tens of them, so a second long prompt in the same step only delays the first.
  std::int32_t prefill_group_tokens = 0;
  std::int32_t max_waiting = 256;         // waiting queue bound (back-pressure)
  std::int32_t max_seq_len = 2048;        // prompt + generated tokens at most
  std::int32_t watermark_blocks = 1;      // spare blocks kept when admitting while others run
  bool prefix_caching = true;
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerConfig config);

  Status add(SeqId id, SequenceParams params);
  // The checks of add() that depend only on the configuration (not on the queue): safe from any thread.
  Status check_request(std::size_t n_prompt, std::int32_t max_tokens) const;
  void cancel(SeqId id, FinishReason reason = FinishReason::kCancelled);

  SchedulerOutput schedule();
  StepUpdate update(const SchedulerOutput& out, const RunnerOutput& result);

  bool has_work() const { return !waiting_.empty() || !running_.empty() || !cancels_.empty(); }
  std::size_t num_waiting() const { return waiting_.size(); }
  std::size_t num_running() const { return running_.size(); }
  const kv::BlockPool& pool() const { return pool_; }
  const SchedulerConfig& config() const { return config_; }
  const Sequence* find(SeqId id) const;
  // Total preemptions since start.
  std::uint64_t preemptions() const { return preemptions_; }

 private:
  struct Planned {
    Sequence* seq;
    std::int32_t n;
  };

  std::int32_t blocks_for(std::int32_t n_tokens) const;
  std::int32_t chunk_limit(const Sequence& s, std::int32_t budget) const;
  void apply_cancellations(SchedulerOutput& out);
  // `prompt_tokens`: prompt (non-decode) tokens planned in this step so far.
  void schedule_running(std::vector<Planned>& plan, std::int32_t& budget, std::int32_t& prompt_tokens,
                        SchedulerOutput& out);
  void schedule_waiting(std::vector<Planned>& plan, std::int32_t& budget, std::int32_t& prompt_tokens);
  bool joins_prefill(std::int32_t prompt_tokens, std::int32_t n) const;
  std::int32_t reuse_cached_prefix(Sequence& s);
  void preempt(Sequence* s, std::vector<Planned>& plan, std::int32_t& budget, SchedulerOutput& out);
  void register_full_blocks(Sequence& s);
  void release_blocks(Sequence& s);
  void finish(Sequence* s, FinishReason reason, SequenceEvent& ev);
  SequenceEvent usage_event(const Sequence& s) const;
  void insert_waiting(Sequence* s);

  SchedulerConfig config_;
  kv::BlockPool pool_;
  std::unordered_map<SeqId, std::unique_ptr<Sequence>> seqs_;
  std::deque<Sequence*> waiting_;   // arrival order
  std::vector<Sequence*> running_;  // arrival order
  std::vector<std::pair<SeqId, FinishReason>> cancels_;
  std::vector<SequenceEvent> pending_events_;  // cancellations applied by schedule(), reported by update()
  std::uint64_t next_arrival_ = 0;
  std::uint64_t preemptions_ = 0;
};

}  // namespace sovra::engine
