// Fuzzes the Jinja chat-template interpreter: any template text, rendered with a fixed chat context (messages
// with tool calls, tools, special tokens). Parsing and rendering must return a value or an Error: never crash,
// hang or grow without bound. Tight limits keep each input fast; they are the same mechanism production uses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "chat/jinja/template.hpp"
#include "common/json.hpp"

namespace {

constexpr std::string_view kContext = R"({
  "messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hej! Åsa 你好 🌍 <b>&'\""},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
      "function": {"name": "get_weather", "arguments": {"city": "Stockholm", "n": [1, 2.5, null, true]}}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "{\"t\": -3}"}
  ],
  "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
  "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "n": 3, "f": 1.5
})";

const sovra::chat::jinja::Value& context() {
  static const sovra::chat::jinja::Value ctx = [] {
    auto json = sovra::parse_json(kContext);
    if (!json) std::abort();
    return sovra::chat::jinja::from_json(*json);
  }();
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return 0;
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  auto tmpl = sovra::chat::jinja::Template::parse(source);
  if (!tmpl) {
    if (tmpl.error().message.empty()) std::abort();
    return 0;
  }
  const sovra::chat::jinja::RenderOptions options{
      .limits = {.max_steps = 50000, .max_output_bytes = 1u << 16, .max_list_items = 1u << 14, .max_call_depth = 24},
      .now_unix_seconds = 1795685400,
  };
  auto out = tmpl->render(context(), options);
  if (out && out->size() > options.limits.max_output_bytes) std::abort();
  if (!out && out.error().message.empty()) std::abort();
  return 0;
}
