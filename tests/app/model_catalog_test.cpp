#include "app/model_catalog.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "api/openai/models.hpp"
#include "common/json.hpp"
#include "support/openapi_schema.hpp"

namespace sovra::app {
namespace {

const std::string kChatModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";
const std::string kPlainModel = SOVRA_SHARED_DIR "/models/stories260K.gguf";

TEST(ModelCatalog, DescribesStories260KFromItsHeader) {
  if (!std::filesystem::exists(kChatModel) || !std::filesystem::exists(kPlainModel)) {
    GTEST_SKIP() << "../shared/models/stories260K*.gguf absent";
  }
  auto models = describe_models({{.name = "chat", .path = kChatModel}, {.name = "plain", .path = kPlainModel}});
  ASSERT_TRUE(models) << models.error().message;
  ASSERT_EQ(models->size(), 2u);
  const api::ModelInfo& chat = (*models)[0];
  EXPECT_EQ(chat.id, "chat");
  EXPECT_EQ(chat.architecture, "llama");
  EXPECT_GT(chat.context_length, 0);
  EXPECT_GT(chat.created, 1600000000);
  // stories260K has ~260K weights (the name says so); count them from the tensor shapes.
  EXPECT_GT(chat.parameters, 200'000u);
  EXPECT_LT(chat.parameters, 400'000u);
  EXPECT_TRUE(chat.capabilities.chat);
  EXPECT_TRUE(chat.capabilities.completions);
  EXPECT_FALSE(chat.capabilities.embeddings);
  EXPECT_FALSE((*models)[1].capabilities.chat);  // no tokenizer.chat_template
}

TEST(ModelCatalog, MissingFileNamesTheModel) {
  auto models = describe_models({{.name = "ghost", .path = "/nonexistent/ghost.gguf"}});
  ASSERT_FALSE(models);
  EXPECT_NE(models.error().message.find("ghost"), std::string::npos);
}

TEST(ModelCatalog, FileTypeNames) {
  EXPECT_STREQ(file_type_name(15), "Q4_K_M");
  EXPECT_STREQ(file_type_name(7), "Q8_0");
  EXPECT_STREQ(file_type_name(2), "Q4_0");
  EXPECT_STREQ(file_type_name(1000), "");
}

TEST(ModelsEncode, MatchesOpenAISchemas) {
  std::string why;
  auto spec = testing::OpenApiSchemas::load(SOVRA_SHARED_DIR "/specs/openai-openapi.json", &why);
  if (!spec) GTEST_SKIP() << why;
  const api::ModelInfo m{.id = "llama-3.2-1b",
                         .created = 1700000000,
                         .architecture = "llama",
                         .context_length = 131072,
                         .quantization = "Q4_K_M",
                         .parameters = 1'235'814'400};
  auto one = parse_json(api::openai::encode_model(m));
  ASSERT_TRUE(one);
  EXPECT_TRUE(spec->validate(*one, "Model").empty());
  EXPECT_EQ(one->at("quantization"), "Q4_K_M");
  auto list = parse_json(api::openai::encode_model_list({m, m}));
  ASSERT_TRUE(list);
  for (const auto& e : spec->validate(*list, "ListModelsResponse")) ADD_FAILURE() << e;
  EXPECT_EQ(list->at("data").as_array().size(), 2u);
}

TEST(ModelsEncode, CarriesTransparencyMetadata) {
  api::ModelInfo m{.id = "m", .context_length = 4096, .quantization = "Q8_0", .parameters = 42};
  m.transparency.provider = "Example Lab";
  m.transparency.license = "apache-2.0";
  m.transparency.regions = {"se-sto-1", "fi-hel-1"};
  auto v = parse_json(api::openai::encode_model(m));
  ASSERT_TRUE(v);
  const auto& t = v->at("transparency");
  EXPECT_EQ(t.at("provider"), "Example Lab");
  EXPECT_EQ(t.at("license"), "apache-2.0");
  EXPECT_EQ(t.at("parameters"), 42);
  EXPECT_EQ(t.at("quantization"), "Q8_0");
  EXPECT_EQ(t.at("context_length"), 4096);
  EXPECT_TRUE(t.at("intended_use").is_null());
  EXPECT_EQ(t.at("regions").as_array().size(), 2u);
  EXPECT_EQ(t.at("regions").as_array()[1], "fi-hel-1");
}

}  // namespace
}  // namespace sovra::app
