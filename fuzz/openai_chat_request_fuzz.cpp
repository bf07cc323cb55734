// Fuzzes the /v1/chat/completions and /v1/completions request parsers: any JSON body either parses into a request whose invariants
// hold or fails with a message and a status of 400.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/openai/chat_request.hpp"
#include "api/openai/completion_request.hpp"
#include "common/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = sovra::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  // The legacy completions parser reads the same bodies.
  if (auto completion = sovra::api::openai::parse_completion_request(*json)) {
    if (completion->prompts.empty() || !completion->params.max_tokens) std::abort();
  } else if (completion.error().message.empty() || completion.error().status() != 400) {
    std::abort();
  }
  auto request = sovra::api::openai::parse_chat_request(*json);
  if (!request) {
    if (request.error().message.empty() || request.error().status() != 400) std::abort();
    return 0;
  }
  const sovra::api::ChatRequest& r = *request;
  if (r.model.empty() && !json->as_object().contains("model")) std::abort();
  if (r.messages.empty() || r.params.n < 1 || r.params.n > 128) std::abort();
  if (r.params.temperature < 0.0f || r.params.temperature > 2.0f) std::abort();
  if (r.params.top_logprobs > 0 && !r.params.logprobs) std::abort();
  if (r.tool_choice.mode == sovra::api::ToolChoice::Mode::kFunction) {
    bool found = false;
    for (const auto& t : r.tools) found = found || t.name == r.tool_choice.function_name;
    if (!found) std::abort();
  }
  if (!r.stream && r.include_usage) std::abort();
  return 0;
}
