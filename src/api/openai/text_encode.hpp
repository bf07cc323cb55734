#pragma once
// api::TextCompletion / TextDelta → OpenAI's legacy `text_completion` JSON (POST /v1/completions): the response
// object and its stream chunks, which share one shape (choices[].text, finish_reason null until the last chunk).
// Logprobs use the legacy layout: parallel arrays tokens / token_logprobs / top_logprobs (one {token: logprob}
// object per position) / text_offset (bytes into the choice's text).
#include <cstddef>
#include <string>
#include <vector>

#include "api/types/events.hpp"
#include "api/types/text_completion.hpp"

namespace sovra::api::openai {

std::string encode_text_completion(const TextCompletion& completion);

// One chunk carrying `delta` for one choice; `text_offset` is the length in bytes of the choice's text streamed
// before this delta (for the logprobs' text_offset). `with_usage_null`: stream_options.include_usage was asked.
std::string encode_text_chunk(const CompletionHeader& header, const TextDelta& delta, std::size_t text_offset,
                              bool with_usage_null);

// The final chunk of a stream with include_usage: no choices, the request's usage.
std::string encode_text_usage_chunk(const CompletionHeader& header, const Usage& usage);

// The legacy logprobs object for `tokens`, the first of which starts `text_offset` bytes into the choice's text.
void append_legacy_logprobs(std::string& out, const std::vector<TokenLogprob>& tokens, std::size_t text_offset);

}  // namespace sovra::api::openai
