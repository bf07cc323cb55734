// GET /v1/models and /v1/models/{id} on the real binary serving stories260K.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/json.hpp"
#include "integration/auth_support.hpp"
#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";

TEST(ModelsEndpoint, ListsAndRetrievesConfiguredModels) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " absent";
  ServerProcess server({"--model", "stories=" + kModel});
  ASSERT_TRUE(server.started()) << server.log();
  const std::map<std::string, std::string> auth{
      {"authorization", "Bearer " + read_file(server.data_dir() + "/data/initial-api-key")}};
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/models").status, 401);
  auto list = http_request(server.port(), "GET", "/v1/models", {}, "application/json", auth);
  ASSERT_EQ(list.status, 200) << list.body;
  auto v = parse_json(list.body);
  ASSERT_TRUE(v) << list.body;
  ASSERT_EQ(v->at("data").as_array().size(), 1u);
  const auto& m = v->at("data").as_array()[0];
  EXPECT_EQ(m.at("id"), "stories");
  EXPECT_EQ(m.at("object"), "model");
  EXPECT_EQ(m.at("architecture"), "llama");
  EXPECT_EQ(m.at("capabilities").at("chat"), true);
  // Transparency metadata (issue #10): always present, null where the file does not say.
  const auto& t = m.at("transparency");
  EXPECT_GT(t.at("parameters").as_int64(), 0);
  EXPECT_TRUE(t.at("regions").is_array());
  for (const char* k : {"provider", "license", "source_url", "training_data_url", "intended_use", "limitations"}) {
    EXPECT_TRUE(t.at(k).is_null() || t.at(k).is_string()) << k;
  }

  auto one = http_request(server.port(), "GET", "/v1/models/stories", {}, "application/json", auth);
  EXPECT_EQ(one.status, 200) << one.body;
  auto missing = http_request(server.port(), "GET", "/v1/models/gpt-5", {}, "application/json", auth);
  EXPECT_EQ(missing.status, 404);
  auto e = parse_json(missing.body);
  ASSERT_TRUE(e) << missing.body;
  EXPECT_EQ(e->at("error").at("code"), "model_not_found");
  EXPECT_EQ(e->at("error").at("param"), "model");
}

}  // namespace
}  // namespace sovra::test
