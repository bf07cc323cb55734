#include "routing/text_call.hpp"

#include "routing/chat_call.hpp"

namespace sovra::routing {

std::vector<EchoToken> echo_tokens(const tokenizer::Tokenizer& tokenizer, std::span<const engine::TokenId> tokens) {
  // Decoding only a short window before each token keeps this linear; the window is long enough for a character
  // split over byte tokens (4) and starts at 0 for the first tokens, where decode() strips the added space.
  constexpr std::size_t kWindow = 4;
  std::vector<EchoToken> out;
  out.reserve(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::size_t from = i < kWindow ? 0 : i - kWindow;
    const std::string before = tokenizer.decode(tokens.subspan(from, i - from));
    const std::string with = tokenizer.decode(tokens.subspan(from, i + 1 - from));
    EchoToken t{.id = tokens[i]};
    if (with.compare(0, before.size(), before) == 0) {
      t.text = with.substr(before.size());
    } else {
      t.text = std::string(tokenizer.token_to_piece(tokens[i]));
    }
    out.push_back(std::move(t));
  }
  return out;
}

TextCall::TextCall(std::shared_ptr<engine::Engine> engine, const tokenizer::Tokenizer& tokenizer,
                   std::vector<std::string> echo, bool logprobs, api::TextSink sink,
                   std::vector<std::vector<EchoToken>> echo_tokens)
    : EngineCall(std::move(engine), echo.size()),
      tokenizer_(tokenizer),
      echo_(std::move(echo)),
      logprobs_(logprobs),
      sink_(std::move(sink)),
      echo_tokens_(std::move(echo_tokens)) {
  echo_tokens_.resize(echo_.size());
}

void TextCall::add_prompt_logprobs(std::size_t choice, engine::GenerationEvent& ev, api::TextDelta& delta) {
  std::vector<EchoToken>& prompt = echo_tokens_[choice];
  if (prompt.empty()) return;
  auto& out = delta.prompt_logprobs.emplace();
  out.reserve(prompt.size());
  for (std::size_t i = 0; i < prompt.size(); ++i) {
    engine::GenerationEvent token;
    token.token = prompt[i].id;
    if (i > 0 && i - 1 < ev.prompt_logprobs.size()) token.logprobs = std::move(ev.prompt_logprobs[i - 1]);
    api::TokenLogprob lp = token_logprob(tokenizer_, token);
    lp.token = std::move(prompt[i].text);
    lp.first_prompt_token = i == 0;
    out.push_back(std::move(lp));
  }
  prompt.clear();  // once
}

void TextCall::emit(std::size_t choice, api::TextDelta&& delta) {
  if (!echo_[choice].empty()) {
    delta.text.insert(0, echo_[choice]);
    echo_[choice].clear();
  }
  if (delta.text.empty() && !delta.logprobs && !delta.prompt_logprobs && !delta.finish_reason) return;
  delta.index = static_cast<std::int32_t>(choice);
  sink_(api::TextEvent{.kind = api::TextEvent::Kind::kDelta, .delta = std::move(delta)});
}

void TextCall::on_token(std::size_t choice, engine::GenerationEvent& ev) {
  api::TextDelta delta;
  delta.text = std::move(ev.text);
  if (logprobs_) delta.logprobs = std::vector<api::TokenLogprob>{token_logprob(tokenizer_, ev)};
  add_prompt_logprobs(choice, ev, delta);
  emit(choice, std::move(delta));
}

void TextCall::on_choice_finished(std::size_t choice, engine::GenerationEvent& ev) {
  api::TextDelta delta;
  delta.text = std::move(ev.text_tail);
  delta.finish_reason =
      ev.finish == engine::FinishReason::kLength ? api::FinishReason::kLength : api::FinishReason::kStop;
  add_prompt_logprobs(choice, ev, delta);
  emit(choice, std::move(delta));
}

void TextCall::on_all_finished(const api::Usage& usage, std::optional<Error> error) {
  sink_(api::TextEvent{.kind = api::TextEvent::Kind::kFinished, .usage = usage, .error = std::move(error)});
}

}  // namespace sovra::routing
