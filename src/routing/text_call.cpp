#include "routing/text_call.hpp"

#include "routing/chat_call.hpp"

namespace sovra::routing {

TextCall::TextCall(std::shared_ptr<engine::Engine> engine, const tokenizer::Tokenizer& tokenizer,
                   std::vector<std::string> echo, bool logprobs, api::TextSink sink)
    : EngineCall(std::move(engine), echo.size()),
      tokenizer_(tokenizer),
      echo_(std::move(echo)),
      logprobs_(logprobs),
      sink_(std::move(sink)) {}

void TextCall::emit(std::size_t choice, api::TextDelta&& delta) {
  if (!echo_[choice].empty()) {
    delta.text.insert(0, echo_[choice]);
    echo_[choice].clear();
  }
  if (delta.text.empty() && !delta.logprobs && !delta.finish_reason) return;
  delta.index = static_cast<std::int32_t>(choice);
  sink_(api::TextEvent{.kind = api::TextEvent::Kind::kDelta, .delta = std::move(delta)});
}

void TextCall::on_token(std::size_t choice, engine::GenerationEvent& ev) {
  api::TextDelta delta;
  delta.text = std::move(ev.text);
  if (logprobs_) delta.logprobs = std::vector<api::TokenLogprob>{token_logprob(tokenizer_, ev)};
  emit(choice, std::move(delta));
}

void TextCall::on_choice_finished(std::size_t choice, engine::GenerationEvent& ev) {
  api::TextDelta delta;
  delta.text = std::move(ev.text_tail);
  delta.finish_reason = ev.finish == engine::FinishReason::kLength ? api::FinishReason::kLength
                                                                    : api::FinishReason::kStop;
  emit(choice, std::move(delta));
}

void TextCall::on_all_finished(const api::Usage& usage, std::optional<Error> error) {
  sink_(api::TextEvent{.kind = api::TextEvent::Kind::kFinished, .usage = usage, .error = std::move(error)});
}

}  // namespace sovra::routing
