// Fuzzes the /v1/completions request parser from completion-shaped seeds (prompt as string / strings / token ids /
// token-id arrays, echo, logprobs, suffix, stream_options): any JSON body either parses into a request whose
// invariants hold or fails with a message and a status of 400. A parsed request's prompts are then echoed through
// the text_completion encoders, whose output must always be valid JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "api/openai/completion_request.hpp"
#include "api/openai/text_encode.hpp"
#include "common/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sovra::api;
  auto json = sovra::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  auto request = openai::parse_completion_request(*json);
  if (!request) {
    if (request.error().message.empty() || request.error().status() != 400) std::abort();
    return 0;
  }
  const TextCompletionRequest& r = *request;
  if (r.model.empty() && !json->as_object().contains("model")) std::abort();
  if (r.prompts.empty() || r.prompts.size() > openai::kMaxPrompts) std::abort();
  if (!r.params.max_tokens || r.params.n < 1) std::abort();
  if (r.params.top_logprobs > openai::kMaxLegacyLogprobs || (r.params.top_logprobs > 0 && !r.params.logprobs)) {
    std::abort();
  }
  if (!r.stream && r.include_usage) std::abort();
  TextCompletion completion{.header = {.id = "cmpl-x", .created = 1, .model = r.model}};
  for (std::size_t i = 0; i < r.prompts.size() && i < 16; ++i) {
    TextChoice choice{.index = static_cast<std::int32_t>(i)};
    if (const auto* text = std::get_if<std::string>(&r.prompts[i])) {
      choice.text = *text;
      choice.logprobs = std::vector<TokenLogprob>{{.token = *text, .logprob = -1.0f, .top = {{*text, -1.0f}}}};
    } else if (std::get<std::vector<std::int32_t>>(r.prompts[i]).empty()) {
      std::abort();
    }
    completion.choices.push_back(std::move(choice));
  }
  if (!sovra::parse_json(openai::encode_text_completion(completion))) std::abort();
  return 0;
}
