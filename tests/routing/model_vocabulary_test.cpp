// ModelVocabulary::open: a model's tokenizer and chat template from a GGUF file's metadata alone count exactly what
// the loaded model (LocalBackend) counts.
#include "routing/model_vocabulary.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "routing/local_backend_support.hpp"

namespace sovra::routing {
namespace {

using namespace testing;

#define REQUIRE_MODEL(file) \
  if (!std::filesystem::exists(shared_model(file))) GTEST_SKIP() << shared_model(file) << " is absent (../shared)"

TEST(ModelVocabulary, CountsAChatPromptAsTheLoadedModelDoes) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto opened = ModelVocabulary::open("stories", shared_model("stories260K-chat.gguf"));
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  const auto& vocab = **opened;
  auto l = load_backend("stories260K-chat.gguf", "mv-count");
  ASSERT_TRUE(l.backend);
  EXPECT_TRUE(vocab.has_chat_template());
  EXPECT_EQ(vocab.vocab_size(), 512);
  EXPECT_EQ(vocab.context_length(), 2048);  // llama.context_length of the file

  auto req = user_chat("stories", "Tell me a story about a cat.");
  api::ToolDefinition tool{.name = "get_weather",
                           .description = "Weather of a city",
                           .parameters_json = R"({"type":"object","properties":{"city":{"type":"string"}}})"};
  for (const bool with_tools : {false, true}) {
    if (with_tools) req.tools = {tool};
    auto local = l.backend->count_chat_tokens(req);
    ASSERT_TRUE(local.has_value());
    auto tokens = vocab.chat_prompt_tokens(req, tools_offered(req));
    ASSERT_TRUE(tokens.has_value()) << tokens.error().message;
    EXPECT_EQ(static_cast<std::int64_t>(tokens->size()), local->tokens) << "tools " << with_tools;
    auto local_tokens = l.backend->tokenize_chat(req, {});
    ASSERT_TRUE(local_tokens.has_value());
    EXPECT_EQ(*tokens, *local_tokens);
  }
  EXPECT_EQ(vocab.tokenize("Once upon a time", false, false), *l.backend->tokenize_text("Once upon a time", false));
}

TEST(ModelVocabulary, AVocabularyOnlyFileHasNoTemplate) {
  REQUIRE_MODEL("vocab/ggml-vocab-llama-spm.gguf");
  auto opened = ModelVocabulary::open("llama", shared_model("vocab/ggml-vocab-llama-spm.gguf"));
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_FALSE((*opened)->has_chat_template());
  EXPECT_EQ((*opened)->vocab_size(), 32000);
  EXPECT_FALSE((*opened)->tokenize("Hello world", false, false).empty());
  auto chat = (*opened)->chat_prompt_tokens(user_chat("llama", "Hi"), false);
  ASSERT_FALSE(chat.has_value());
  EXPECT_EQ(chat.error().param, "model");
}

TEST(ModelVocabulary, ErrorsNameThePath) {
  auto missing = ModelVocabulary::open("m", "/nonexistent/vocab.gguf");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("/nonexistent/vocab.gguf"), std::string::npos) << missing.error().message;

  const auto junk = std::filesystem::temp_directory_path() / "sovra-model-vocabulary-junk.gguf";
  std::ofstream(junk) << "not a gguf file at all";
  auto bad = ModelVocabulary::open("m", junk);
  std::filesystem::remove(junk);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find(junk.string()), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace sovra::routing
