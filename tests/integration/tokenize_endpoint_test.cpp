// POST /tokenize and /detokenize on the real binary serving stories260K-chat (the engine loaded at start).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "common/json.hpp"
#include "integration/auth_support.hpp"
#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";

TEST(TokenizeEndpoint, TokenizesPromptsAndConversationsAndDetokenizes) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " absent";
  ServerProcess server({"--model", "stories=" + kModel});  // KV cache sized from the model
  ASSERT_TRUE(server.started()) << server.log();
  const std::map<std::string, std::string> auth{
      {"authorization", "Bearer " + read_file(server.data_dir() + "/data/initial-api-key")}};
  const std::string prompt = R"({"model":"stories","prompt":"Once upon a time"})";
  EXPECT_EQ(http_request(server.port(), "POST", "/tokenize", prompt).status, 401);

  auto r = http_request(server.port(), "POST", "/tokenize", prompt, "application/json", auth);
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse_json(r.body);
  ASSERT_TRUE(v) << r.body;
  const auto& tokens = v->at("tokens").as_array();
  EXPECT_EQ(v->at("count").as_int64(), static_cast<std::int64_t>(tokens.size()));
  EXPECT_EQ(v->at("max_model_len").as_int64(), 2048);
  ASSERT_GT(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].as_int64(), 1) << "BOS first";

  // Round trip through /v1/detokenize.
  std::string ids = "[";
  for (std::size_t i = 0; i < tokens.size(); ++i) ids += (i ? "," : "") + std::to_string(tokens[i].as_int64());
  auto d = http_request(server.port(), "POST", "/v1/detokenize", R"({"model":"stories","tokens":)" + ids + "]}",
                        "application/json", auth);
  ASSERT_EQ(d.status, 200) << d.body;
  auto dv = parse_json(d.body);
  ASSERT_TRUE(dv) << d.body;
  EXPECT_EQ(dv->at("prompt"), "Once upon a time");

  // A conversation: more tokens with the generation prompt than without; the model may be left out.
  const std::string chat = R"({"messages":[{"role":"user","content":"Hi"}])";
  auto with = http_request(server.port(), "POST", "/v1/tokenize", chat + "}", "application/json", auth);
  auto without = http_request(server.port(), "POST", "/v1/tokenize", chat + R"(,"add_generation_prompt":false})",
                              "application/json", auth);
  ASSERT_EQ(with.status, 200) << with.body;
  ASSERT_EQ(without.status, 200) << without.body;
  EXPECT_GT(parse_json(with.body)->at("count").as_int64(), parse_json(without.body)->at("count").as_int64());

  auto missing = http_request(server.port(), "POST", "/tokenize", R"({"model":"gpt-5","prompt":"x"})",
                              "application/json", auth);
  EXPECT_EQ(missing.status, 404);
  auto e = parse_json(missing.body);
  ASSERT_TRUE(e) << missing.body;
  EXPECT_EQ(e->at("error").at("code"), "model_not_found");
  auto bad = http_request(server.port(), "POST", "/detokenize", R"({"model":"stories","tokens":[1,-4]})",
                          "application/json", auth);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(parse_json(bad.body)->at("error").at("param"), "tokens[1]");
  auto outside = http_request(server.port(), "POST", "/detokenize", R"({"model":"stories","tokens":[100000]})",
                              "application/json", auth);
  EXPECT_EQ(outside.status, 400);

  // The engine is up: its metrics are on /metrics, readiness says the model is loaded.
  auto metrics = http_request(server.port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find(R"(sovra_engine_kv_blocks_free{model="stories"})"), std::string::npos);
  auto ready = http_request(server.port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
}

TEST(TokenizeEndpoint, AModelOverTheMemoryBudgetStopsStartUp) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " absent";
  std::string out, err;
  const int rc = run_sovra({"serve", "--listen", "127.0.0.1:0", "--data-dir",
                            ::testing::TempDir() + "/sovra-budget-" + std::to_string(::getpid()), "--model",
                            "stories=" + kModel, "--set", "engine.memory_budget_mib=32"},
                           &out, &err);
  EXPECT_EQ(rc, 1) << err;
  EXPECT_NE(err.find("cannot load model 'stories'"), std::string::npos) << err;
  EXPECT_NE(err.find("does not fit"), std::string::npos) << err;
}

}  // namespace
}  // namespace sovra::test
