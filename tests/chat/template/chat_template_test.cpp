// Where chat templates come from (GGUF metadata, files), the context ChatTemplate::render builds, special
// tokens from the GGUF vocabulary, and OpenAI-style tool-call arguments turned into objects.
#include "chat/template/chat_template.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "chat/template/special_tokens.hpp"
#include "chat/template/tool_call_arguments.hpp"
#include "common/json.hpp"
#include "gguf/reader.hpp"
#include "gguf/writer.hpp"

namespace sovra::chat {
namespace {

std::vector<std::byte> gguf_with(const std::vector<std::pair<std::string, std::string>>& strings) {
  gguf::Writer w;
  for (const auto& [k, v] : strings) EXPECT_TRUE(w.set(k, gguf::MetaValue::string(v)));
  const std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "hi"};
  EXPECT_TRUE(w.set("tokenizer.ggml.tokens", gguf::MetaValue::array(tokens)));
  EXPECT_TRUE(w.set("tokenizer.ggml.bos_token_id", gguf::MetaValue::u32(1)));
  EXPECT_TRUE(w.set("tokenizer.ggml.eos_token_id", gguf::MetaValue::u32(2)));
  EXPECT_TRUE(w.set("tokenizer.ggml.padding_token_id", gguf::MetaValue::u32(99)));  // out of range: skipped
  auto bytes = w.to_bytes();
  EXPECT_TRUE(bytes);
  return bytes ? *bytes : std::vector<std::byte>{};
}

TEST(ChatTemplateSource, ReadsDefaultAndNamedTemplatesFromGguf) {
  const auto bytes = gguf_with({{"tokenizer.chat_template", "default"}, {"tokenizer.chat_template.tool_use", "tools"}});
  auto reader = gguf::Reader::from_memory(bytes);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(*template_from_gguf(*reader), "default");
  EXPECT_EQ(*template_from_gguf(*reader, "tool_use"), "tools");
  auto missing = template_from_gguf(*reader, "rag");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("named variants: tool_use"), std::string::npos) << missing.error().message;
}

TEST(ChatTemplateSource, ModelWithoutTemplateIsNotFound) {
  const auto bytes = gguf_with({});
  auto reader = gguf::Reader::from_memory(bytes);
  ASSERT_TRUE(reader);
  auto t = template_from_gguf(*reader);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kNotFound);
}

TEST(ChatTemplateSource, SpecialTokensComeFromTheVocabularyUnlessGiven) {
  const auto bytes = gguf_with({});
  auto reader = gguf::Reader::from_memory(bytes);
  ASSERT_TRUE(reader);
  boost::json::object ctx{{"eos_token", "<|custom|>"}};
  add_special_tokens_from_gguf(*reader, ctx);
  EXPECT_EQ(ctx.at("bos_token").as_string(), "<s>");
  EXPECT_EQ(ctx.at("eos_token").as_string(), "<|custom|>");
  EXPECT_FALSE(ctx.contains("pad_token"));
  EXPECT_FALSE(ctx.contains("unk_token"));
}

TEST(ChatTemplateSource, RealModelTemplateRenders) {
  const auto path = std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "stories260K-chat.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "missing " << path;
  auto reader = gguf::Reader::open(path, {.allow_unsupported_types = true});
  ASSERT_TRUE(reader) << reader.error().message;
  auto source = template_from_gguf(*reader);
  ASSERT_TRUE(source) << source.error().message;
  auto tmpl = ChatTemplate::create(*source);
  ASSERT_TRUE(tmpl) << tmpl.error().message;
  boost::json::object ctx{{"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", "Hi"}}}},
                          {"add_generation_prompt", true}};
  auto out = tmpl->render(ctx);
  ASSERT_TRUE(out) << out.error().message;
  // Qwen2.5's template: default system prompt, then the turn and the generation prompt.
  EXPECT_EQ(*out, "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                  "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplateSource, FileTemplatesAndMissingFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("sovra_tmpl_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "t.jinja") << "{% for m in messages %}{{ m.content }}{% endfor %}\n";
  }
  auto src = template_from_file(dir / "t.jinja");
  ASSERT_TRUE(src);
  auto tmpl = ChatTemplate::create(*src);
  ASSERT_TRUE(tmpl);
  auto out = tmpl->render(boost::json::object{{"messages", boost::json::array{boost::json::object{{"content", "x"}}}}});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "x");
  EXPECT_FALSE(template_from_file(dir / "absent.jinja"));
  std::filesystem::remove_all(dir);
}

TEST(ChatTemplateRender, ContextDefaultsAsTransformers) {
  auto tmpl = ChatTemplate::create("{{ tools is defined }}|{{ add_generation_prompt }}|{{ messages|length }}");
  ASSERT_TRUE(tmpl);
  auto out = tmpl->render(boost::json::object{{"messages", boost::json::array{}}});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "False|False|0");
  auto no_messages = tmpl->render(boost::json::object{});
  ASSERT_FALSE(no_messages);
  EXPECT_EQ(no_messages.error().param, "messages");
}

TEST(ChatTemplateRender, RaisedErrorsCarryTheTemplatesMessage) {
  auto tmpl = ChatTemplate::create("{% if messages[0].role == 'system' %}\n{{ raise_exception('System role not supported') }}{% endif %}");
  ASSERT_TRUE(tmpl);
  auto out = tmpl->render(boost::json::object{{"messages", boost::json::array{boost::json::object{{"role", "system"}}}}});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "TemplateError: System role not supported (template line 2)");
}

TEST(ToolCallArguments, JsonStringsBecomeObjects) {
  auto messages = parse_json(R"([
    {"role": "user", "content": "hi"},
    {"role": "assistant", "tool_calls": [
      {"type": "function", "function": {"name": "f", "arguments": "{\"city\": \"Stockholm\", \"n\": [1]}"}},
      {"type": "function", "function": {"name": "g", "arguments": ""}},
      {"type": "function", "function": {"name": "h", "arguments": {"already": true}}}
    ]}
  ])");
  ASSERT_TRUE(messages);
  ASSERT_TRUE(parse_tool_call_arguments(messages->as_array()));
  const auto& calls = messages->as_array()[1].as_object().at("tool_calls").as_array();
  EXPECT_EQ(boost::json::serialize(calls[0].at("function").at("arguments")), R"({"city":"Stockholm","n":[1]})");
  EXPECT_EQ(boost::json::serialize(calls[1].at("function").at("arguments")), "{}");
  EXPECT_EQ(boost::json::serialize(calls[2].at("function").at("arguments")), R"({"already":true})");
}

TEST(ToolCallArguments, InvalidArgumentsNameTheField) {
  auto messages = parse_json(R"([{"role": "user"}, {"role": "assistant", "tool_calls": [
      {"function": {"name": "f", "arguments": "{}"}}, {"function": {"name": "g", "arguments": "[1, 2]"}}]}])");
  ASSERT_TRUE(messages);
  auto st = parse_tool_call_arguments(messages->as_array());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().param, "messages[1].tool_calls[1].function.arguments");
  auto bad = parse_json(R"([{"tool_calls": [{"function": {"arguments": "{oops"}}]}])");
  ASSERT_TRUE(bad);
  auto st2 = parse_tool_call_arguments(bad->as_array());
  ASSERT_FALSE(st2);
  EXPECT_EQ(st2.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace sovra::chat
