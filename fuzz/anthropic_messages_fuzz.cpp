// Fuzzes the Anthropic /v1/messages and /v1/messages/count_tokens request parser: any JSON body either parses into
// a request whose invariants hold or fails with a message, a status of 400 and an error body that is valid JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/anthropic/error.hpp"
#include "api/anthropic/messages_request.hpp"
#include "common/json.hpp"

namespace {

using sovra::api::ChatRequest;
using sovra::api::Role;
using sovra::api::anthropic::RequestKind;

void check_refusal(const sovra::Error& e) {
  if (e.message.empty() || e.status() != 400) std::abort();
  if (!sovra::parse_json(sovra::api::anthropic::error_json(e, "req_fuzz"))) std::abort();
}

bool is_json_object(std::string_view text) {
  auto v = sovra::parse_json(text);
  return v && v->is_object();
}

void check(const ChatRequest& r, RequestKind kind) {
  if (r.model.empty() || r.messages.empty()) std::abort();
  if (r.messages.back().role == Role::kAssistant) std::abort();
  if (kind == RequestKind::kMessages) {
    if (!r.params.max_tokens || *r.params.max_tokens < 1) std::abort();
    if (r.params.temperature < 0.0f || r.params.temperature > 1.0f) std::abort();
    if (r.params.top_p < 0.0f || r.params.top_p > 1.0f || r.params.top_k < 0) std::abort();
    if (r.enable_thinking.value_or(false) && r.thinking_budget_tokens >= *r.params.max_tokens) std::abort();
  }
  if (r.enable_thinking.value_or(false) && r.thinking_budget_tokens < 1024) std::abort();
  for (const auto& s : r.params.stop)
    if (s.empty()) std::abort();
  for (const auto& t : r.tools)
    if (t.name.empty() || !is_json_object(t.parameters_json)) std::abort();
  if (r.tool_choice.mode == sovra::api::ToolChoice::Mode::kFunction) {
    bool found = false;
    for (const auto& t : r.tools) found = found || t.name == r.tool_choice.function_name;
    if (!found) std::abort();
  }
  for (const auto& m : r.messages) {
    if (m.role == Role::kTool && m.tool_call_id.empty()) std::abort();
    for (const auto& call : m.tool_calls)
      if (m.role != Role::kAssistant || call.id.empty() || !is_json_object(call.arguments)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = sovra::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  for (const RequestKind kind : {RequestKind::kMessages, RequestKind::kCountTokens}) {
    auto request = sovra::api::anthropic::parse_messages_request(*json, kind);
    if (request) {
      check(*request, kind);
    } else {
      check_refusal(request.error());
    }
  }
  return 0;
}
