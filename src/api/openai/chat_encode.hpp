#pragma once
// api::ChatCompletion / ChatDelta → OpenAI's JSON: the chat.completion object and chat.completion.chunk frames.
// Output is compact JSON; strings are escaped with invalid UTF-8 replaced by U+FFFD (token bytes that split a
// character), so every frame is valid JSON whatever the model produced.
#include <string>
#include <string_view>
#include <vector>

#include "api/types/completion.hpp"

namespace sovra::api::openai {

std::string encode_chat_completion(const ChatCompletion& completion);

// One `chat.completion.chunk` carrying `delta` for one choice. `with_usage_null`: the request asked for
// stream_options.include_usage, so every chunk but the last carries "usage": null as OpenAI does.
std::string encode_chat_chunk(const CompletionHeader& header, const ChatDelta& delta, bool with_usage_null);

// The final chunk of a stream with include_usage: no choices, the request's usage.
// The final usage-only chunk of a stream with include_usage: empty choices; `object` names the stream's kind.
std::string encode_usage_chunk(const CompletionHeader& header, const Usage& usage,
                               std::string_view object = "chat.completion.chunk");

// The usage object alone: {"prompt_tokens":…,"completion_tokens":…,"total_tokens":…,…details}.
void append_usage(std::string& out, const Usage& usage);
void append_logprobs(std::string& out, const std::vector<TokenLogprob>& logprobs);
// `{"id":…,"object":"<object>","created":…,"model":…[,"system_fingerprint":…]` (left open for more fields).
void append_header(std::string& out, const CompletionHeader& header, std::string_view object);

}  // namespace sovra::api::openai
