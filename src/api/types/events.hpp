#pragma once
// Protocol-neutral streams of results: what an inference backend (the local engine or an upstream server) emits
// while it answers a chat or text completion, and what the protocol encoders (OpenAI, Anthropic) turn into JSON
// or SSE frames. Plain data.
//
// Contract of a stream (chat and text alike):
// - zero or more kDelta events, each for one choice (`index`), in generation order; a choice's first delta has
//   `role = true` (chat); a choice's last delta carries its `finish_reason`;
// - then exactly one kFinished event with the usage of the whole call (all choices), or with `error` when the
//   call failed (before or after some deltas); nothing after it.
// - Events of one call never arrive concurrently; they may arrive on any thread (the engine's, an I/O thread of an
//   upstream connection). A sink MUST NOT block: push into a queue or an SseChannel and return.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/types/completion.hpp"
#include "common/error.hpp"

namespace sovra::api {

struct ChatEvent {
  enum class Kind : std::uint8_t { kDelta, kFinished };
  Kind kind = Kind::kDelta;
  ChatDelta delta;             // kDelta
  Usage usage;                 // kFinished
  std::optional<Error> error;  // kFinished, when the call failed
};

using ChatSink = std::function<void(ChatEvent&&)>;

// One streamed step of one legacy-completion choice.
struct TextDelta {
  std::int32_t index = 0;
  std::string text;
  std::optional<std::vector<TokenLogprob>> logprobs;
  // TextCompletionRequest::prompt_logprobs, on a choice's first delta: one entry per prompt token, the first marked
  // first_prompt_token. They come before `logprobs` (and before `text`, behind the echoed prompt).
  std::optional<std::vector<TokenLogprob>> prompt_logprobs;
  std::optional<FinishReason> finish_reason;
};

struct TextEvent {
  enum class Kind : std::uint8_t { kDelta, kFinished };
  Kind kind = Kind::kDelta;
  TextDelta delta;             // kDelta
  Usage usage;                 // kFinished
  std::optional<Error> error;  // kFinished, when the call failed
};

using TextSink = std::function<void(TextEvent&&)>;

}  // namespace sovra::api
