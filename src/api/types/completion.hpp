#pragma once
// Protocol-neutral results of a chat or text completion: what the engine path produces and the protocol
// encoders (OpenAI, Anthropic) write out.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types/chat.hpp"

namespace sovra::api {

enum class FinishReason : std::uint8_t { kStop, kLength, kToolCalls, kContentFilter };

const char* finish_reason_name(FinishReason reason);  // OpenAI's spelling: "stop", "length", "tool_calls", …

struct TopLogprob {
  std::string token;  // the token's text (may be a partial UTF-8 sequence: `bytes` is exact)
  float logprob = 0.0f;
};

struct TokenLogprob {
  std::string token;  // exact bytes of the token; JSON output replaces invalid UTF-8, `bytes` keeps the truth
  float logprob = 0.0f;
  std::vector<TopLogprob> top;
  // An echoed prompt's first token: nothing precedes it, so it has no logprob (legacy completions write null for
  // its logprob and its top_logprobs, as OpenAI does).
  bool first_prompt_token = false;
};

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_prompt_tokens = 0;  // prompt tokens served from the prefix cache
  std::int64_t reasoning_tokens = 0;      // completion tokens that went to reasoning_content
};

struct ChatChoice {
  std::int32_t index = 0;
  std::optional<std::string> content;  // null when the model only called tools
  std::optional<std::string> reasoning_content;
  std::vector<ToolCall> tool_calls;
  FinishReason finish_reason = FinishReason::kStop;
  std::optional<std::vector<TokenLogprob>> logprobs;  // set when the request asked for logprobs
};

// Identity shared by a response and every chunk of its stream.
struct CompletionHeader {
  std::string id;            // chatcmpl-… / cmpl-…
  std::int64_t created = 0;  // Unix seconds
  std::string model;
  std::string system_fingerprint;  // empty: omitted
};

struct ChatCompletion {
  CompletionHeader header;
  std::vector<ChatChoice> choices;
  Usage usage;
};

// One streamed step of one choice. Absent fields are left out of `delta`.
struct ToolCallDelta {
  std::int32_t index = 0;  // position of the call in the choice's tool_calls
  std::string id;          // first delta of a call only
  std::string name;        // first delta of a call only
  std::string arguments;   // the next piece of the arguments' JSON text
};

struct ChatDelta {
  std::int32_t index = 0;
  bool role = false;  // true on a choice's first chunk: delta.role = "assistant"
  std::optional<std::string> content;
  std::optional<std::string> reasoning_content;
  std::vector<ToolCallDelta> tool_calls;
  std::optional<FinishReason> finish_reason;
  std::optional<std::vector<TokenLogprob>> logprobs;
  // With finish_reason kStop: the request's stop string that ended the choice (never part of the text); empty
  // when EOS or a stop token ended it. Anthropic reports it as stop_reason "stop_sequence" + stop_sequence.
  std::string stop_sequence;
};

}  // namespace sovra::api
