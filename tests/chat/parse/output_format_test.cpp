#include "chat/parse/output_format.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sovra::chat {
namespace {

namespace fs = std::filesystem;

std::string read_template(const std::string& name) {
  const fs::path p = fs::path(SOVRA_SHARED_DIR) / "chat-templates" / "templates" / name;
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OutputFormat, DetectsTheFamilyFromRealChatTemplates) {
  if (!fs::exists(fs::path(SOVRA_SHARED_DIR) / "chat-templates" / "templates")) {
    GTEST_SKIP() << "../shared/chat-templates/templates is absent: cannot check detection on real templates";
  }
  const struct {
    const char* file;
    OutputSyntax expected;
  } cases[] = {
      {"Qwen-Qwen2.5-7B-Instruct.jinja", {OutputFormat::kHermes, ReasoningSyntax::kNone}},
      {"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja", {OutputFormat::kHermes, ReasoningSyntax::kNone}},
      {"Qwen-Qwen3-0.6B.jinja", {OutputFormat::kHermes, ReasoningSyntax::kThinkTags}},
      {"Qwen-QwQ-32B.jinja", {OutputFormat::kHermes, ReasoningSyntax::kThinkTags}},
      {"meta-llama-Llama-3.1-8B-Instruct.jinja", {OutputFormat::kLlama3, ReasoningSyntax::kNone}},
      {"meta-llama-Llama-3.3-70B-Instruct.jinja", {OutputFormat::kLlama3, ReasoningSyntax::kNone}},
      {"mistralai-Mistral-Nemo-Instruct-2407.jinja", {OutputFormat::kMistral, ReasoningSyntax::kNone}},
      {"Mistral-Small-3.2-24B-Instruct-2506.jinja", {OutputFormat::kMistral, ReasoningSyntax::kNone}},
      {"mistralai-Ministral-3-14B-Reasoning-2512.jinja", {OutputFormat::kMistral, ReasoningSyntax::kMistralThink}},
      {"openai-gpt-oss-120b.jinja", {OutputFormat::kHarmony, ReasoningSyntax::kNone}},
      {"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", {OutputFormat::kDeepSeekR1, ReasoningSyntax::kThinkTags}},
      {"google-gemma-2-2b-it.jinja", {OutputFormat::kPlain, ReasoningSyntax::kNone}},
  };
  for (const auto& c : cases) {
    const std::string text = read_template(c.file);
    ASSERT_FALSE(text.empty()) << c.file;
    const OutputSyntax got = detect_output_syntax({.chat_template = text});
    EXPECT_EQ(got.format, c.expected.format) << c.file << ": " << output_format_name(got.format);
    EXPECT_EQ(got.reasoning, c.expected.reasoning) << c.file;
  }
}

TEST(OutputFormat, FallsBackToArchitectureAndModelName) {
  EXPECT_EQ(detect_output_syntax({.architecture = "gpt-oss"}).format, OutputFormat::kHarmony);
  EXPECT_EQ(detect_output_syntax({.architecture = "qwen3"}),
            (OutputSyntax{OutputFormat::kHermes, ReasoningSyntax::kThinkTags}));
  EXPECT_EQ(detect_output_syntax({.model_name = "DeepSeek-R1-Distill-Llama-8B"}).format, OutputFormat::kDeepSeekR1);
  EXPECT_EQ(detect_output_syntax({.model_name = "Meta-Llama-3.1-8B-Instruct"}).format, OutputFormat::kLlama3);
  EXPECT_EQ(detect_output_syntax({.model_name = "Mistral-Nemo-Instruct-2407"}).format, OutputFormat::kMistral);
  EXPECT_EQ(detect_output_syntax({.architecture = "llama", .model_name = "stories260K"}), OutputSyntax{});
  // A template's markers win over a misleading name.
  EXPECT_EQ(detect_output_syntax({.chat_template = "{{ '<tool_call>' }}", .model_name = "mistral"}).format,
            OutputFormat::kHermes);
}

TEST(OutputFormat, PromptOpeningTheReasoningBlock) {
  EXPECT_TRUE(prompt_opens_reasoning("<｜User｜>hi<｜Assistant｜><think>\n", ReasoningSyntax::kThinkTags));
  EXPECT_FALSE(prompt_opens_reasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n", ReasoningSyntax::kThinkTags));
  EXPECT_FALSE(prompt_opens_reasoning("<|im_start|>assistant\n", ReasoningSyntax::kThinkTags));
  EXPECT_FALSE(prompt_opens_reasoning("<think>\n", ReasoningSyntax::kNone));
  EXPECT_TRUE(prompt_opens_reasoning("[INST]q[/INST][THINK]", ReasoningSyntax::kMistralThink));
}

TEST(OutputFormat, NamesRoundTrip) {
  for (auto f : {OutputFormat::kPlain, OutputFormat::kHermes, OutputFormat::kLlama3, OutputFormat::kMistral,
                 OutputFormat::kHarmony, OutputFormat::kDeepSeekR1}) {
    EXPECT_EQ(output_format_from_name(output_format_name(f)), f);
  }
  EXPECT_FALSE(output_format_from_name("chatml").has_value());
}

}  // namespace
}  // namespace sovra::chat
