#include "api/openai/text_collect.hpp"

#include <algorithm>

namespace sovra::api::openai {

TextCollector::TextCollector(std::vector<std::string> echo, bool logprobs)
    : echo_(std::move(echo)), logprobs_(logprobs) {
  for (std::size_t i = 0; i < std::max<std::size_t>(echo_.size(), 1); ++i) choice(static_cast<std::int32_t>(i));
}

TextChoice& TextCollector::choice(std::int32_t index) {
  const auto i = static_cast<std::size_t>(std::max(index, 0));
  while (choices_.size() <= i) {
    TextChoice c;
    c.index = static_cast<std::int32_t>(choices_.size());
    if (logprobs_) c.logprobs.emplace();
    choices_.push_back(std::move(c));
    touched_.push_back(false);
  }
  return choices_[i];
}

std::size_t TextCollector::add(TextDelta& d) {
  TextChoice& c = choice(d.index);
  const auto i = static_cast<std::size_t>(c.index);
  std::size_t echoed = 0;
  if (!touched_[i]) {
    touched_[i] = true;
    if (i < echo_.size() && !echo_[i].empty()) {
      d.text.insert(0, echo_[i]);
      echoed = echo_[i].size();
      c.logprobs_text_offset = echoed;
    }
  }
  if (d.prompt_logprobs) {
    if (logprobs_) {
      auto& all = *d.prompt_logprobs;
      if (d.logprobs) all.insert(all.end(), d.logprobs->begin(), d.logprobs->end());
      d.logprobs = std::move(all);
      c.logprobs_text_offset = c.text.size();
      echoed = 0;  // the delta's tokens start with the echo's
    }
    d.prompt_logprobs.reset();
  }
  const std::size_t offset = c.text.size() + echoed;  // the delta's tokens follow the echo it carries
  c.text += d.text;
  if (d.logprobs && c.logprobs) c.logprobs->insert(c.logprobs->end(), d.logprobs->begin(), d.logprobs->end());
  if (d.finish_reason) c.finish_reason = *d.finish_reason;
  return offset;
}

std::vector<TextDelta> TextCollector::untouched_echoes() {
  std::vector<TextDelta> out;
  for (std::size_t i = 0; i < choices_.size(); ++i) {
    if (touched_[i] || i >= echo_.size() || echo_[i].empty()) continue;
    TextDelta d{.index = static_cast<std::int32_t>(i)};
    add(d);
    out.push_back(std::move(d));
  }
  return out;
}

TextCompletion TextCollector::take(CompletionHeader header, const Usage& usage) {
  for (std::size_t i = 0; i < choices_.size(); ++i) {
    if (!touched_[i] && i < echo_.size()) choices_[i].text = echo_[i];
  }
  return TextCompletion{.header = std::move(header), .choices = std::move(choices_), .usage = usage};
}

}  // namespace sovra::api::openai
