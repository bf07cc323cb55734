#include "chat/parse/output_format.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace sovra::chat {
namespace {

bool has(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

constexpr std::array<std::pair<OutputFormat, const char*>, 6> kNames = {{
    {OutputFormat::kPlain, "plain"},
    {OutputFormat::kHermes, "hermes"},
    {OutputFormat::kLlama3, "llama3"},
    {OutputFormat::kMistral, "mistral"},
    {OutputFormat::kHarmony, "harmony"},
    {OutputFormat::kDeepSeekR1, "deepseek-r1"},
}};

std::optional<OutputSyntax> from_template(std::string_view t) {
  const ReasoningSyntax think = has(t, "<think>") ? ReasoningSyntax::kThinkTags : ReasoningSyntax::kNone;
  if (has(t, "<|channel|>")) return OutputSyntax{OutputFormat::kHarmony, ReasoningSyntax::kNone};
  if (has(t, "tool\u2581calls\u2581begin")) return OutputSyntax{OutputFormat::kDeepSeekR1, think};
  if (has(t, "[TOOL_CALLS]")) {
    return OutputSyntax{OutputFormat::kMistral,
                        has(t, "[THINK]") ? ReasoningSyntax::kMistralThink : ReasoningSyntax::kNone};
  }
  if (has(t, "<tool_call>")) return OutputSyntax{OutputFormat::kHermes, think};
  if (has(t, "<|python_tag|>") || (has(t, "<|start_header_id|>") && has(t, "ipython"))) {
    return OutputSyntax{OutputFormat::kLlama3, ReasoningSyntax::kNone};
  }
  if (think != ReasoningSyntax::kNone) return OutputSyntax{OutputFormat::kPlain, think};
  return std::nullopt;
}

std::optional<OutputSyntax> from_name(std::string_view arch, std::string_view model) {
  const std::string a = lower(arch);
  const std::string m = lower(model);
  const auto either = [&](std::string_view what) { return has(a, what) || has(m, what); };
  if (either("gpt-oss") || either("gpt_oss")) return OutputSyntax{OutputFormat::kHarmony, ReasoningSyntax::kNone};
  if (has(m, "deepseek-r1") || has(m, "deepseek_r1")) {
    return OutputSyntax{OutputFormat::kDeepSeekR1, ReasoningSyntax::kThinkTags};
  }
  if (either("qwen3") || has(m, "qwq")) return OutputSyntax{OutputFormat::kHermes, ReasoningSyntax::kThinkTags};
  if (either("qwen2") || has(m, "hermes")) return OutputSyntax{OutputFormat::kHermes, ReasoningSyntax::kNone};
  if (has(m, "magistral")) return OutputSyntax{OutputFormat::kMistral, ReasoningSyntax::kMistralThink};
  if (either("mistral") || has(m, "devstral") || has(m, "ministral")) {
    return OutputSyntax{OutputFormat::kMistral, ReasoningSyntax::kNone};
  }
  if (has(m, "llama-3") || has(m, "llama3") || has(m, "llama 3")) {
    return OutputSyntax{OutputFormat::kLlama3, ReasoningSyntax::kNone};
  }
  return std::nullopt;
}

}  // namespace

OutputSyntax detect_output_syntax(const FormatHints& hints) {
  if (auto s = from_template(hints.chat_template)) return *s;
  if (auto s = from_name(hints.architecture, hints.model_name)) return *s;
  return {};
}

bool prompt_opens_reasoning(std::string_view prompt, ReasoningSyntax reasoning) {
  std::string_view open;
  std::string_view close;
  switch (reasoning) {
    case ReasoningSyntax::kNone:
      return false;
    case ReasoningSyntax::kThinkTags:
      open = "<think>";
      close = "</think>";
      break;
    case ReasoningSyntax::kMistralThink:
      open = "[THINK]";
      close = "[/THINK]";
      break;
  }
  while (!prompt.empty() && (prompt.back() == '\n' || prompt.back() == ' ')) prompt.remove_suffix(1);
  if (!prompt.ends_with(open)) return false;
  // "<think>\n\n</think>" (thinking switched off) ends with the closing marker, not the opening one.
  return !prompt.substr(0, prompt.size() - open.size()).ends_with(close);
}

const char* output_format_name(OutputFormat format) {
  for (const auto& [f, name] : kNames) {
    if (f == format) return name;
  }
  return "plain";
}

std::optional<OutputFormat> output_format_from_name(std::string_view name) {
  for (const auto& [f, n] : kNames) {
    if (name == n) return f;
  }
  return std::nullopt;
}

}  // namespace sovra::chat
