#pragma once
// TextCall: a legacy completion on the local engine: choice index = prompt × n + j (OpenAI's order), echo puts
// the prompt's text in front of a choice's first delta, logprobs per token. Finish reason length when
// max_tokens or the context cut the choice, else stop. See engine_call.hpp for the threading contract.
#include <memory>
#include <string>
#include <vector>

#include "api/types/events.hpp"
#include "routing/engine_call.hpp"

namespace sovra::routing {

class TextCall final : public EngineCall {
 public:
  // `echo[i]`: text put in front of choice i's output (empty: none).
  TextCall(std::shared_ptr<engine::Engine> engine, const tokenizer::Tokenizer& tokenizer,
           std::vector<std::string> echo, bool logprobs, api::TextSink sink);

 private:
  void on_token(std::size_t choice, engine::GenerationEvent& ev) override;
  void on_choice_finished(std::size_t choice, engine::GenerationEvent& ev) override;
  void on_all_finished(const api::Usage& usage, std::optional<Error> error) override;
  void emit(std::size_t choice, api::TextDelta&& delta);

  const tokenizer::Tokenizer& tokenizer_;
  std::vector<std::string> echo_;
  bool logprobs_;
  api::TextSink sink_;
};

}  // namespace sovra::routing
