#pragma once
// The plain records one engine step passes along: schedule() → SchedulerOutput → Runner::execute() →
// RunnerOutput → update() → StepUpdate. Nothing here refers back to the scheduler, so a runner (or a fake one
// in tests) needs only these.
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/kv/block_pool.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/scheduler/sequence.hpp"

namespace sovra::engine {

struct ScheduledSequence {
  SeqId id = 0;
  std::vector<TokenId> tokens;           // the tokens to run this step (a prompt chunk, or one decode token)
  std::int32_t pos0 = 0;                 // position of tokens[0]; KV entries [0, pos0) already exist
  std::vector<kv::BlockId> block_table;  // covers positions [0, pos0 + tokens.size())
  bool sample = false;                   // the last token completes the sequence's known tokens: sample the next
  sampling::Sampler* sampler = nullptr;  // valid until update(); null with fake runners
  sampling::TokenConstraint* constraint = nullptr;  // valid until update(); null when unconstrained
  const std::vector<TokenId>* history = nullptr;    // every token so far (penalties); valid until update()
  // The sequence asked for prompt logprobs and this chunk holds prompt positions whose next token is a prompt
  // token: the runner reports them (PromptLogprobs).
  bool prompt_logprobs = false;
  std::int32_t n_prompt = 0;
};

struct SchedulerOutput {
  std::vector<ScheduledSequence> sequences;  // oldest first
  std::int32_t num_tokens = 0;               // sum of tokens over sequences (<= the step's token budget)
  std::vector<SeqId> preempted;              // sent back to waiting this step (recompute)
  std::vector<SeqId> finished;               // ended before running (cancelled): their blocks are free
  bool empty() const { return sequences.empty(); }
};

struct SampleResult {
  SeqId id = 0;
  TokenId token = -1;
  bool stop_token = false;  // the sampler matched a stop token id
  float logprob = 0.0f;
  std::vector<sampling::TokenLogprob> top_logprobs;
  bool failed = false;  // sampling failed (e.g. non-finite logits): the sequence ends with kError
};

// The model's log-softmax at prompt positions of one scheduled chunk: entry i is for prompt token `first` + i.
struct PromptLogprobs {
  SeqId id = 0;
  std::int32_t first = 1;
  std::vector<float> logprobs;                           // log P(prompt[first + i] | prompt[0, first + i))
  std::vector<std::vector<sampling::TokenLogprob>> top;  // per entry, the sampler's top_logprobs most likely
};

struct RunnerOutput {
  std::vector<SampleResult> samples;            // one per scheduled sequence with sample = true, same order
  std::vector<PromptLogprobs> prompt_logprobs;  // one per scheduled sequence with prompt_logprobs, same order
};

// What happened to one sequence in a step, for the engine to report.
struct SequenceEvent {
  SeqId id = 0;
  std::optional<SampleResult> sample;  // a new token (absent when only prompt was processed)
  FinishReason finish = FinishReason::kNone;
  // Usage so far.
  std::int32_t prompt_tokens = 0;
  std::int32_t cached_prompt_tokens = 0;
  std::int32_t completion_tokens = 0;
  std::int32_t preemptions = 0;
  std::int64_t computed_tokens = 0;  // tokens run through the model, recomputation after preemption included
};

struct StepUpdate {
  std::vector<SequenceEvent> events;
};

class Runner {
 public:
  virtual ~Runner() = default;
  // Runs the model over every scheduled token, writing KV entries into the blocks of each block table, and
  // samples the sequences that ask for it. Must not keep references into `out` after returning.
  virtual RunnerOutput execute(const SchedulerOutput& out) = 0;
};

}  // namespace sovra::engine
