#include "api/openai/chat_collect.hpp"

#include <algorithm>

namespace sovra::api::openai {

ChatCollector::ChatCollector(std::int32_t choices, bool logprobs) : logprobs_(logprobs) {
  for (std::int32_t i = 0; i < std::max(choices, 1); ++i) choice(i);
}

ChatChoice& ChatCollector::choice(std::int32_t index) {
  // A backend names choices 0..n-1; a larger index grows the list rather than being dropped.
  const auto i = static_cast<std::size_t>(std::max(index, 0));
  while (choices_.size() <= i) {
    ChatChoice c;
    c.index = static_cast<std::int32_t>(choices_.size());
    if (logprobs_) c.logprobs.emplace();
    choices_.push_back(std::move(c));
  }
  return choices_[i];
}

void ChatCollector::add(const ChatDelta& d) {
  ChatChoice& c = choice(d.index);
  if (d.content) {
    if (!c.content) c.content.emplace();
    *c.content += *d.content;
  }
  if (d.reasoning_content) {
    if (!c.reasoning_content) c.reasoning_content.emplace();
    *c.reasoning_content += *d.reasoning_content;
  }
  for (const ToolCallDelta& t : d.tool_calls) {
    const auto at = static_cast<std::size_t>(std::max(t.index, 0));
    if (c.tool_calls.size() <= at) c.tool_calls.resize(at + 1);
    ToolCall& call = c.tool_calls[at];
    if (!t.id.empty()) call.id = t.id;
    if (!t.name.empty()) call.name += t.name;
    call.arguments += t.arguments;
  }
  if (d.logprobs && c.logprobs) c.logprobs->insert(c.logprobs->end(), d.logprobs->begin(), d.logprobs->end());
  if (d.finish_reason) c.finish_reason = *d.finish_reason;
}

ChatCompletion ChatCollector::take(CompletionHeader header, const Usage& usage) {
  for (ChatChoice& c : choices_) {
    if (!c.content && c.tool_calls.empty()) c.content.emplace();
  }
  return ChatCompletion{.header = std::move(header), .choices = std::move(choices_), .usage = usage};
}

}  // namespace sovra::api::openai
