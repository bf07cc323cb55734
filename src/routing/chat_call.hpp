#pragma once
// ChatCall: a chat completion on the local engine. Each choice's generated text goes through its own
// chat::OutputParser (the model's output syntax), so the stream carries content, reasoning_content and tool-call
// deltas (id and name on a call's first delta, then argument pieces); a choice's first delta has the role, its
// last the finish reason: tool_calls when it produced a call, length when max_tokens or the context cut it,
// otherwise stop. See engine_call.hpp for the threading contract.
#include <memory>
#include <vector>

#include "api/types/events.hpp"
#include "chat/parse/output_parser.hpp"
#include "routing/engine_call.hpp"

namespace sovra::routing {

class ChatCall final : public EngineCall {
 public:
  // `parsers`: one per choice. `logprobs`: attach per-token logprobs to the deltas. `single_tool_call`
  // (parallel_tool_calls = false): a choice ends as soon as its first tool call is complete (its engine request is
  // cancelled there; finish_reason tool_calls, usage the tokens actually generated); whatever the model wrote
  // after it is dropped.
  ChatCall(std::shared_ptr<engine::Engine> engine, const tokenizer::Tokenizer& tokenizer,
           std::vector<chat::OutputParser> parsers, bool logprobs, bool single_tool_call, api::ChatSink sink);

 private:
  struct Choice {
    chat::OutputParser parser;
    bool role_sent = false;
    bool call_done = false;  // single_tool_call: the first call is complete, later output is ignored
  };

  void on_token(std::size_t choice, engine::GenerationEvent& ev) override;
  void on_choice_finished(std::size_t choice, engine::GenerationEvent& ev) override;
  void on_all_finished(const api::Usage& usage, std::optional<Error> error) override;

  // Folds parser events into `delta`; returns whether any reasoning text was produced.
  bool fold(const std::vector<chat::ParseEvent>& events, api::ChatDelta& delta) const;
  void emit(std::size_t choice, api::ChatDelta&& delta);

  const tokenizer::Tokenizer& tokenizer_;
  std::vector<Choice> choices_;
  bool logprobs_;
  bool single_tool_call_;
  api::ChatSink sink_;
  std::vector<chat::ParseEvent> scratch_;
};

// The logprobs of one generated token as the API reports them (token text as bytes of its piece).
api::TokenLogprob token_logprob(const tokenizer::Tokenizer& tokenizer, const engine::GenerationEvent& ev);

}  // namespace sovra::routing
