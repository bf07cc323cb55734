#pragma once
// Sequence: the scheduler's record of one generation request — its tokens, how many of them have KV entries,
// its block table and its limits. Owned by the Scheduler; runners see it only through SchedulerOutput.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/kv/block_pool.hpp"
#include "engine/kv/prefix_hash.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/sampling/token_constraint.hpp"

namespace sovra::engine {

using SeqId = std::uint64_t;
using TokenId = std::int32_t;
using Clock = std::chrono::steady_clock;

enum class SeqStatus : std::uint8_t { kWaiting, kRunning, kFinished };

// Why a sequence ended. kStop: a stop token or EOS (or, decided by the engine, a stop string).
enum class FinishReason : std::uint8_t { kNone, kStop, kLength, kCancelled, kError };

const char* finish_reason_name(FinishReason r);

struct SequenceParams {
  std::vector<TokenId> prompt;          // not empty
  std::int32_t max_tokens = 16;         // generated tokens at most (>= 1)
  std::vector<TokenId> stop_token_ids;  // end the sequence (the token is not part of the text)
  TokenId eos_id = -1;                  // the model's end of sequence, or -1; ignored with ignore_eos
  bool ignore_eos = false;
  std::unique_ptr<sampling::Sampler> sampler;             // null for fake runners
  std::shared_ptr<sampling::TokenConstraint> constraint;  // optional (grammar-constrained decoding)
  bool prompt_logprobs = false;  // the runner reports the log-softmax at prompt positions; no prefix-cache reuse
};

struct Sequence {
  SeqId id = 0;
  std::uint64_t arrival = 0;  // FCFS priority: lower is older and goes first
  Clock::time_point arrival_time{};
  std::vector<TokenId> tokens;  // prompt, then generated tokens
  std::int32_t n_prompt = 0;
  std::int32_t max_tokens = 0;
  std::vector<TokenId> stop_token_ids;
  TokenId eos_id = -1;
  std::unique_ptr<sampling::Sampler> sampler;
  std::shared_ptr<sampling::TokenConstraint> constraint;
  bool prompt_logprobs = false;

  SeqStatus status = SeqStatus::kWaiting;
  std::int32_t num_computed = 0;      // tokens with KV entries in `blocks`
  std::vector<kv::BlockId> blocks;    // block table: position p lives in blocks[p / block_size]
  std::vector<kv::BlockHash> hashes;  // hashes of the full blocks of `tokens` (prefix caching)
  std::int32_t num_registered = 0;    // leading blocks whose content is registered in the pool
  bool cancel_requested = false;

  // Usage: what this request actually cost.
  std::int32_t cached_prompt_tokens = -1;  // prompt tokens found in the prefix cache at first admission
  std::int64_t computed_tokens_total = 0;  // every token run through the model (recomputation included)
  std::int32_t preemptions = 0;
  std::optional<Clock::time_point> first_scheduled_time;

  std::int32_t num_tokens() const { return static_cast<std::int32_t>(tokens.size()); }
  std::int32_t num_generated() const { return num_tokens() - n_prompt; }
};

}  // namespace sovra::engine
