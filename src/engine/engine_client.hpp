#pragma once
// EngineClient: how the rest of Sovra (the HTTP/API layer, CLI tools) asks a model for text. The engine never
// sees JSON and the HTTP layer never sees tensors: requests and events are plain typed values.
//
// Contract:
// - submit(request, sink) validates the request and either refuses it at once (returning an Error; the sink is
//   never called) or accepts it and returns its id. Refusals: kInvalidArgument (empty prompt, bad sampling
//   parameters, prompt + max_tokens over the context, …, with `param` naming the field) and kUnavailable with
//   HTTP status 503 and a message starting "overloaded" when the waiting queue is full (back-pressure: the
//   engine never queues without bound). submit() does not wait for the model; it may tokenize the prompt.
// - After acceptance the sink receives zero or more kToken events, then exactly one kFinished event, and nothing
//   after that. Events of one request arrive in order and never concurrently; they are delivered on the
//   engine's own thread, so a sink MUST NOT block or do slow work (push into a queue or an SseChannel and
//   return; on a full channel drop the request by calling cancel()). A sink must not call submit() re-entrantly;
//   cancel() from a sink is allowed.
// - Text deltas are valid UTF-8 pieces: a character split across tokens is held back until complete (bytes
//   that can never form a character are passed through at the end). Stop strings are matched on the text;
//   the matched stop string and anything after it are never sent, and the request ends with kStop. Stop token
//   ids and EOS end the request with kStop without contributing text.
// - request.constraint (optional, e.g. a GrammarConstraint): every token of the request is sampled under its mask
//   and then passed to its accept(); the engine owns it from submit() on (one constraint per request, never
//   shared). A token the constraint refuses ends the request with kError.
// - request.prompt_logprobs: the log-probabilities of the prompt's tokens arrive once, on the request's first event
//   (see GenerationEvent::prompt_logprobs); the prompt is then always computed in full (no prefix-cache reuse).
// - cancel(id) may be called from any thread at any time, any number of times, also for finished or unknown
//   ids (then it does nothing). A cancelled request stops consuming compute and frees its KV blocks within one
//   engine step; its kFinished event has reason kCancelled and usage counting the tokens actually processed.
// - Destroying the engine ends every outstanding request with kCancelled.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/sampling/token_constraint.hpp"
#include "engine/scheduler/sequence.hpp"

namespace sovra::engine {

using RequestId = std::uint64_t;

struct GenerationRequest {
  std::vector<TokenId> prompt_tokens;  // used when not empty (sent to the model as is: include BOS yourself)
  std::string prompt_text;             // else tokenized, with BOS when the model wants it
  sampling::SamplerParams sampling;    // temperature, top-p, seed, logprobs, top_logprobs, stop_token_ids…
  std::int32_t max_tokens = 16;        // generated tokens at most
  std::vector<std::string> stop;       // stop strings
  bool ignore_eos = false;
  std::shared_ptr<sampling::TokenConstraint> constraint;  // optional: grammar-constrained decoding
  std::string request_id;                                 // the API's id, for logs only
  // Report the model's log-softmax over the prompt too (legacy completions' echo with logprobs): for every prompt
  // token after the first, its log-probability given the tokens before it and the sampling.top_logprobs most
  // likely alternatives. Costs a logits row per prompt token and turns off the prefix cache for this request.
  bool prompt_logprobs = false;
};

struct Usage {
  std::int32_t prompt_tokens = 0;
  std::int32_t cached_prompt_tokens = 0;  // of prompt_tokens, found in the prefix cache (not recomputed)
  std::int32_t completion_tokens = 0;
  std::int32_t preemptions = 0;
  std::int64_t computed_tokens = 0;  // tokens the model actually processed for it (a cancelled prefill: fewer than
                                     // the prompt; after preemption: more, recomputation included)
  double queue_seconds = 0;          // submit → first scheduled
  double first_token_seconds = 0;    // submit → first generated token (0 if none)
  double total_seconds = 0;          // submit → finished
};

struct TokenLogprobs {
  float logprob = 0.0f;                     // of the generated token
  std::vector<sampling::TokenLogprob> top;  // most likely first; request.sampling.top_logprobs long
};

struct GenerationEvent {
  enum class Kind : std::uint8_t { kToken, kFinished };
  Kind kind = Kind::kToken;
  // With request.prompt_logprobs, on the request's first event (kToken, or kFinished when no token came):
  // entry i is for prompt token i + 1 (the raw model distribution: no penalties, bias or temperature). Fewer
  // than n_prompt - 1 entries only when the request ended before its prompt was processed.
  std::vector<TokenLogprobs> prompt_logprobs;
  // kToken
  TokenId token = -1;
  std::string text;                       // UTF-8 delta (may be empty while a character or stop string is pending)
  std::optional<TokenLogprobs> logprobs;  // when request.sampling.logprobs
  // kFinished
  FinishReason finish = FinishReason::kNone;
  std::string text_tail;      // text held back until the end (a partial stop string that never completed)
  std::string stop_sequence;  // kStop by a stop string: which one (empty for EOS and stop tokens)
  Usage usage;
  std::optional<Error> error;  // with kError
};

// Called on the engine thread; must not block (see the contract above).
using EventSink = std::function<void(GenerationEvent&&)>;

class EngineClient {
 public:
  virtual ~EngineClient() = default;
  virtual Result<RequestId> submit(GenerationRequest request, EventSink sink) = 0;
  virtual void cancel(RequestId id) = 0;
};

}  // namespace sovra::engine
