#pragma once
// Which output format a model writes, and how to tell it from the model's chat template or name.
#include <optional>
#include <string_view>

namespace sovra::chat {

enum class OutputFormat {
  kPlain,       // everything is content
  kHermes,      // <tool_call>{json}</tool_call> — Hermes 2/3, Qwen2.5, Qwen3, QwQ
  kLlama3,      // {"name": …, "parameters": …} as the whole output, or <|python_tag|>… — Llama 3.1/3.2/3.3
  kMistral,     // [TOOL_CALLS][{…}] or [TOOL_CALLS]name[ARGS]{…} — Mistral Nemo/Small, Devstral, Ministral
  kHarmony,     // gpt-oss channels: analysis → reasoning, final → content, commentary to=functions.X → tool call
  kDeepSeekR1,  // <｜tool▁calls▁begin｜>… — DeepSeek R1 (and V3.1's variant)
};

enum class ReasoningSyntax {
  kNone,
  kThinkTags,     // <think>…</think>
  kMistralThink,  // [THINK]…[/THINK]
};

struct OutputSyntax {
  OutputFormat format = OutputFormat::kPlain;
  ReasoningSyntax reasoning = ReasoningSyntax::kNone;

  bool operator==(const OutputSyntax&) const = default;
};

struct FormatHints {
  std::string_view chat_template;  // tokenizer.chat_template (or the configured template file's text)
  std::string_view architecture;   // general.architecture, e.g. "gpt-oss", "qwen3"
  std::string_view model_name;     // general.name or the configured model id
};

// The template decides when it names a format's markers; otherwise architecture and model name; else plain.
OutputSyntax detect_output_syntax(const FormatHints& hints);

// True when the rendered prompt ends inside an opened reasoning block (e.g. "…<｜Assistant｜><think>\n"), so the
// output starts with reasoning: pass it as OutputParserOptions::reasoning_open.
bool prompt_opens_reasoning(std::string_view prompt, ReasoningSyntax reasoning);

const char* output_format_name(OutputFormat format);
std::optional<OutputFormat> output_format_from_name(std::string_view name);

}  // namespace sovra::chat
