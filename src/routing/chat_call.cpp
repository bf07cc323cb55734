#include "routing/chat_call.hpp"

namespace sovra::routing {

namespace {

std::string piece_of(const tokenizer::Tokenizer& tok, std::int32_t id) {
  std::string_view piece = tok.token_to_piece(id);
  if (piece.empty()) piece = tok.token_text(id);
  return std::string(piece);
}

void append(std::optional<std::string>& field, const std::string& text) {
  if (!field) field.emplace();
  *field += text;
}

}  // namespace

api::TokenLogprob token_logprob(const tokenizer::Tokenizer& tok, const engine::GenerationEvent& ev) {
  api::TokenLogprob lp;
  lp.token = piece_of(tok, ev.token);
  if (ev.logprobs) {
    lp.logprob = ev.logprobs->logprob;
    for (const auto& t : ev.logprobs->top) lp.top.push_back({.token = piece_of(tok, t.token), .logprob = t.logprob});
  }
  return lp;
}

ChatCall::ChatCall(std::shared_ptr<engine::Engine> engine, const tokenizer::Tokenizer& tokenizer,
                   std::vector<chat::OutputParser> parsers, bool logprobs, bool single_tool_call, api::ChatSink sink)
    : EngineCall(std::move(engine), parsers.size()),
      tokenizer_(tokenizer),
      logprobs_(logprobs),
      single_tool_call_(single_tool_call),
      sink_(std::move(sink)) {
  choices_.reserve(parsers.size());
  for (auto& p : parsers) choices_.push_back({std::move(p), false});
}

bool ChatCall::fold(const std::vector<chat::ParseEvent>& events, api::ChatDelta& delta) const {
  bool reasoning = false;
  for (const chat::ParseEvent& e : events) {
    const bool tool_event = e.kind == chat::ParseEventKind::kToolCallStart ||
                            e.kind == chat::ParseEventKind::kToolCallArguments ||
                            e.kind == chat::ParseEventKind::kToolCallEnd;
    if (single_tool_call_ && tool_event && e.index > 0) continue;  // parallel_tool_calls = false
    switch (e.kind) {
      case chat::ParseEventKind::kContent:
        append(delta.content, e.text);
        break;
      case chat::ParseEventKind::kReasoning:
        append(delta.reasoning_content, e.text);
        reasoning = true;
        break;
      case chat::ParseEventKind::kToolCallStart:
        delta.tool_calls.push_back({.index = static_cast<std::int32_t>(e.index), .id = e.id, .name = e.name});
        break;
      case chat::ParseEventKind::kToolCallArguments:
        if (!delta.tool_calls.empty() && delta.tool_calls.back().index == static_cast<std::int32_t>(e.index)) {
          delta.tool_calls.back().arguments += e.text;
        } else {
          delta.tool_calls.push_back({.index = static_cast<std::int32_t>(e.index), .arguments = e.text});
        }
        break;
      case chat::ParseEventKind::kToolCallEnd:
      case chat::ParseEventKind::kToolCallDiscarded:  // its raw text follows as content
        break;
    }
  }
  return reasoning;
}

void ChatCall::emit(std::size_t choice, api::ChatDelta&& delta) {
  Choice& c = choices_[choice];
  const bool empty =
      !delta.content && !delta.reasoning_content && delta.tool_calls.empty() && !delta.logprobs && !delta.finish_reason;
  if (empty) return;
  delta.index = static_cast<std::int32_t>(choice);
  if (!c.role_sent) {
    delta.role = true;
    c.role_sent = true;
  }
  sink_(api::ChatEvent{.kind = api::ChatEvent::Kind::kDelta, .delta = std::move(delta)});
}

void ChatCall::on_token(std::size_t choice, engine::GenerationEvent& ev) {
  Choice& c = choices_[choice];
  if (c.call_done) return;  // generated before the cancellation took effect
  scratch_.clear();
  if (!ev.text.empty()) c.parser.feed(ev.text, scratch_);
  api::ChatDelta delta;
  const bool reasoning = fold(scratch_, delta);
  if (reasoning && !delta.content && delta.tool_calls.empty()) ++usage_.reasoning_tokens;
  if (logprobs_) delta.logprobs = std::vector<api::TokenLogprob>{token_logprob(tokenizer_, ev)};
  if (single_tool_call_) {
    for (const chat::ParseEvent& e : scratch_) {
      if (e.kind == chat::ParseEventKind::kToolCallEnd && e.index == 0) c.call_done = true;
    }
    if (c.call_done) cancel_choice(choice);
  }
  emit(choice, std::move(delta));
}

void ChatCall::on_choice_finished(std::size_t choice, engine::GenerationEvent& ev) {
  Choice& c = choices_[choice];
  scratch_.clear();
  if (!ev.text_tail.empty() && !c.call_done) c.parser.feed(ev.text_tail, scratch_);
  const chat::ParseResult result = c.parser.finish(scratch_);
  api::ChatDelta delta;
  fold(scratch_, delta);
  // Cut by max_tokens is "length" even with tool calls begun (the last may be incomplete), as OpenAI reports it;
  // a choice stopped after its single tool call (parallel_tool_calls=false) is "tool_calls".
  if (ev.finish == engine::FinishReason::kLength && !c.call_done) {
    delta.finish_reason = api::FinishReason::kLength;
  } else if (!result.tool_calls.empty()) {
    delta.finish_reason = api::FinishReason::kToolCalls;
  } else {
    delta.finish_reason = api::FinishReason::kStop;
    delta.stop_sequence = ev.stop_sequence;
  }
  emit(choice, std::move(delta));
}

void ChatCall::on_all_finished(const api::Usage& usage, std::optional<Error> error) {
  sink_(api::ChatEvent{.kind = api::ChatEvent::Kind::kFinished, .usage = usage, .error = std::move(error)});
}

}  // namespace sovra::routing
