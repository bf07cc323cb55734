#pragma once
// Tracks a legacy completion's choices while its TextDelta stream arrives: applies `echo` (the prompt in front
// of a choice's first text), knows each choice's text so far (the byte offsets of legacy logprobs) and, for
// non-streaming responses, collects everything into one api::TextCompletion. Not thread-safe (a call's events
// never arrive concurrently).
#include <cstddef>
#include <string>
#include <vector>

#include "api/types/events.hpp"
#include "api/types/text_completion.hpp"

namespace sovra::api::openai {

class TextCollector {
 public:
  // `echo[i]`: the text put in front of choice i (empty: none); its size is the number of choices.
  TextCollector(std::vector<std::string> echo, bool logprobs);

  // Adds the delta (echo applied to a choice's first one, in place) and returns the text offset of its first
  // token: the bytes of the choice's text before it. A delta's prompt_logprobs (the echoed prompt's tokens) are
  // moved to the front of its logprobs, and its offset is then 0: the echo is made of those tokens.
  std::size_t add(TextDelta& delta);
  // Choices that never received a delta: the deltas that carry their echo (streaming sends them at the end).
  std::vector<TextDelta> untouched_echoes();
  TextCompletion take(CompletionHeader header, const Usage& usage);

 private:
  TextChoice& choice(std::int32_t index);

  std::vector<TextChoice> choices_;
  std::vector<std::string> echo_;
  std::vector<bool> touched_;
  bool logprobs_;
};

}  // namespace sovra::api::openai
