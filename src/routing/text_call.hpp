#pragma once
// TextCall: a legacy completion on the local engine: choice index = prompt × n + j (OpenAI's order), echo puts
// the prompt's text in front of a choice's first delta, logprobs per token (and the prompt's, when asked). Finish
// reason length when max_tokens or the context cut the choice, else stop. See engine_call.hpp for the threading
// contract.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "api/types/events.hpp"
#include "routing/engine_call.hpp"

namespace sovra::routing {

// One token of an echoed prompt and the bytes of the prompt's text it accounts for: the texts of a prompt's
// tokens concatenate to the prompt's decoded text (a BOS contributes "", a leading space the tokenizer adds is not
// counted), so legacy text_offset values point into the echoed text.
struct EchoToken {
  engine::TokenId id = 0;
  std::string text;
};

// The EchoTokens of `tokens`, in linear time (each token's text is the difference of two decodes of a few tokens).
std::vector<EchoToken> echo_tokens(const tokenizer::Tokenizer& tokenizer, std::span<const engine::TokenId> tokens);

class TextCall final : public EngineCall {
 public:
  // `echo[i]`: text put in front of choice i's output (empty: none). `echo_tokens[i]` (missing or empty: none):
  // the tokens of choice i's prompt, reported with their logprobs (GenerationRequest::prompt_logprobs) as the
  // first delta's prompt_logprobs.
  TextCall(std::shared_ptr<engine::Engine> engine, const tokenizer::Tokenizer& tokenizer, std::vector<std::string> echo,
           bool logprobs, api::TextSink sink, std::vector<std::vector<EchoToken>> echo_tokens = {});

 private:
  void on_token(std::size_t choice, engine::GenerationEvent& ev) override;
  void on_choice_finished(std::size_t choice, engine::GenerationEvent& ev) override;
  void on_all_finished(const api::Usage& usage, std::optional<Error> error) override;
  void emit(std::size_t choice, api::TextDelta&& delta);
  // Sets delta.prompt_logprobs from the choice's first engine event, once.
  void add_prompt_logprobs(std::size_t choice, engine::GenerationEvent& ev, api::TextDelta& delta);

  const tokenizer::Tokenizer& tokenizer_;
  std::vector<std::string> echo_;
  bool logprobs_;
  api::TextSink sink_;
  std::vector<std::vector<EchoToken>> echo_tokens_;
};

}  // namespace sovra::routing
