#pragma once
// Collects a chat call's delta stream (api/types/events.hpp) into one api::ChatCompletion, for non-streaming
// responses: every choice's content, reasoning_content, tool calls (assembled from their deltas by index),
// logprobs and finish_reason. Plain data; not thread-safe (a call's events never arrive concurrently).
#include <cstdint>
#include <vector>

#include "api/types/completion.hpp"

namespace sovra::api::openai {

class ChatCollector {
 public:
  // `choices`: the request's n (choices without any delta still appear, empty). `logprobs`: the request asked.
  ChatCollector(std::int32_t choices, bool logprobs);

  void add(const ChatDelta& delta);
  // The completion; a choice with neither content nor tool calls gets content "" (OpenAI never sends both null).
  ChatCompletion take(CompletionHeader header, const Usage& usage);

 private:
  ChatChoice& choice(std::int32_t index);

  std::vector<ChatChoice> choices_;
  bool logprobs_;
};

}  // namespace sovra::api::openai
