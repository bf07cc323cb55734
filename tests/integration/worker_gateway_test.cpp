// `sovra worker` (shared-secret API, no platform) and `sovra gateway` with upstream deployments, as real processes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/json.hpp"
#include "integration/auth_support.hpp"
#include "routing/mock_upstream.hpp"
#include "routing/model_vocabulary.hpp"
#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";
const std::string kSecret = "worker-shared-secret-0123456789";

// Writes a YAML file for SOVRA_CONFIG; returns its path.
std::string write_config(const std::string& name, const std::string& yaml) {
  const auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << yaml;
  return path.string();
}

constexpr const char* kRouting = R"(
routing:
  deployments:
    - name: worker-a
      model: llama
      base_url: http://127.0.0.1:9/v1
      api_key: sk-upstream-secret
      region: se-sto-1
      jurisdiction: SE
      zones: [EU]
  aliases:
    gpt-4o: llama
)";

constexpr const char* kLocal = R"(
routing:
  deployments:
    - name: local-m
      model: m
      local: m
)";

TEST(Worker, RequiresItsSharedSecretOnTheApi) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " absent";
  ServerProcess worker("worker", {"--model", "stories=" + kModel, "--set", "worker.secret=" + kSecret});
  ASSERT_TRUE(worker.started()) << worker.log();
  EXPECT_EQ(http_request(worker.port(), "GET", "/v1/models").status, 401);
  EXPECT_EQ(http_request(worker.port(), "GET", "/v1/models", {}, "application/json",
                         {{"authorization", "Bearer not-the-secret"}})
                .status,
            401);
  auto ok = http_request(worker.port(), "GET", "/v1/models", {}, "application/json",
                         {{"authorization", "Bearer " + kSecret}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.body.find("stories"), std::string::npos);
  EXPECT_EQ(http_request(worker.port(), "GET", "/healthz").status, 200);  // operational routes stay open
  EXPECT_EQ(worker.log().find(kSecret), std::string::npos);              // the secret is never logged
}

TEST(Worker, RefusesToStartWithoutASecret) {
  std::string out;
  std::string err;
  EXPECT_EQ(run_sovra({"worker", "--listen", "127.0.0.1:0"}, &out, &err), 2);
  EXPECT_NE(err.find("worker.secret"), std::string::npos) << err;
}

TEST(Gateway, ListsItsUpstreamModelsAndRefusesABadRoutingConfig) {
  ServerProcess gateway("gateway", {"--set", "routing.health_interval_ms=0"},
                        {"SOVRA_CONFIG=" + write_config("gateway-routing", kRouting)});
  ASSERT_TRUE(gateway.started()) << gateway.log();
  const std::map<std::string, std::string> auth{
      {"authorization", "Bearer " + read_file(gateway.data_dir() + "/data/initial-api-key")}};
  auto list = http_request(gateway.port(), "GET", "/v1/models", {}, "application/json", auth);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("\"llama\""), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("\"gpt-4o\""), std::string::npos) << list.body;
  EXPECT_EQ(gateway.log().find("sk-upstream-secret"), std::string::npos);

  std::string out;
  std::string err;
  EXPECT_EQ(run_sovra({"gateway", "--listen", "127.0.0.1:0", "--model", "m=" + kModel, "--set",
                       "routing.local_region=x"},
                      &out, &err, {"SOVRA_CONFIG=" + write_config("gateway-local", kLocal)}),
            2);
  EXPECT_NE(err.find("runs no engine"), std::string::npos) << err;
}

// Two workers behind one gateway: the gateway authenticates with its own keys, routes an alias to the workers'
// model, relays plain and streamed answers, and records the call in its usage ledger and audit trail.
TEST(Gateway, ServesChatThroughTwoWorkers) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " absent";
  ServerProcess a("worker", {"--model", "stories=" + kModel, "--set", "worker.secret=" + kSecret});
  ServerProcess b("worker", {"--model", "stories=" + kModel, "--set", "worker.secret=" + kSecret});
  ASSERT_TRUE(a.started()) << a.log();
  ASSERT_TRUE(b.started()) << b.log();
  std::string yaml = "routing:\n  deployments:\n";
  for (const auto* w : {&a, &b}) {
    const std::string name = w == &a ? "worker-a" : "worker-b";
    yaml += "    - name: " + name + "\n      model: stories\n      base_url: http://127.0.0.1:" +
            std::to_string(w->port()) + "/v1\n      api_key: " + kSecret +
            "\n      region: se-sto-1\n      jurisdiction: SE\n";
  }
  yaml += "  aliases:\n    gpt-4o: stories\n";
  ServerProcess gateway("gateway", {"--set", "routing.health_interval_ms=0"},
                        {"SOVRA_CONFIG=" + write_config("gateway-workers", yaml)});
  ASSERT_TRUE(gateway.started()) << gateway.log();
  const std::map<std::string, std::string> auth{
      {"authorization", "Bearer " + read_file(gateway.data_dir() + "/data/initial-api-key")}};

  // Without the gateway's key: refused at the gateway (the workers' secret is not a gateway key either).
  EXPECT_EQ(http_request(gateway.port(), "POST", "/v1/chat/completions",
                         R"({"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]})", "application/json",
                         {{"authorization", "Bearer " + kSecret}})
                .status,
            401);
  for (int i = 0; i < 4; ++i) {
    auto r = http_request(gateway.port(), "POST", "/v1/chat/completions",
                          R"({"model":"gpt-4o","max_tokens":4,"temperature":0,)"
                          R"("messages":[{"role":"user","content":"Hi"}]})",
                          "application/json", auth);
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = parse_json(r.body);
    ASSERT_TRUE(body) << r.body;
    const auto& o = body->as_object();
    EXPECT_EQ(o.at("model").as_string(), "gpt-4o");  // the name the client used
    EXPECT_EQ(o.at("usage").as_object().at("completion_tokens").as_int64(), 4);
  }
  auto streamed = http_request(gateway.port(), "POST", "/v1/chat/completions",
                               R"({"model":"stories","max_tokens":3,"stream":true,)"
                               R"("stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]})",
                               "application/json", auth);
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_NE(streamed.body.find("\"completion_tokens\":3"), std::string::npos) << streamed.body;
  EXPECT_NE(streamed.body.find("data: [DONE]"), std::string::npos);

  // The gateway's audit trail names the upstream deployment and its region.
  const std::map<std::string, std::string> admin{
      {"authorization", "Bearer " + read_file(gateway.data_dir() + "/data/initial-admin-key")}};
  auto audit = http_request(gateway.port(), "GET", "/v1/organization/audit_logs?limit=20", {}, "application/json",
                            admin);
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_NE(audit.body.find("\"region\":\"se-sto-1\""), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("\"local\":false"), std::string::npos) << audit.body;
  EXPECT_EQ(gateway.log().find(kSecret), std::string::npos);  // the upstream's key is never logged
}

// An upstream that reports no usage, behind a deployment with `tokenizer`: the gateway answers with usage counted by
// the model's own tokenizer and chat template — the prompt count a `sovra worker` serving that model reports for the
// same request, and the relayed text's tokens plus the end token.
TEST(Gateway, CountsAnUpstreamsUsageWithTheDeploymentsTokenizer) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " absent";
  MockUpstream mock([](MockConnection& c, const MockRequest& req) {
    if (req.method == "GET") {
      c.write(json_response(200, R"({"object":"list","data":[]})"));
      return;
    }
    c.write(sse_head() + sse_event(chat_chunk("Once upon a time")) + sse_event(chat_chunk(" there was", "stop")) +
            sse_event("[DONE]") + chunked_end());
  });
  ServerProcess worker("worker", {"--model", "stories=" + kModel, "--set", "worker.secret=" + kSecret});
  ASSERT_TRUE(worker.started()) << worker.log();
  const std::string yaml =
      "routing:\n  deployments:\n    - name: no-usage\n      model: stories\n"
      "      base_url: http://127.0.0.1:" +
      std::to_string(mock.port()) + "/v1\n      tokenizer: " + kModel + "\n";
  ServerProcess gateway("gateway", {"--set", "routing.health_interval_ms=0"},
                        {"SOVRA_CONFIG=" + write_config("gateway-tokenizer", yaml)});
  ASSERT_TRUE(gateway.started()) << gateway.log();
  const std::map<std::string, std::string> auth{
      {"authorization", "Bearer " + read_file(gateway.data_dir() + "/data/initial-api-key")}};
  const std::string request =
      R"({"model":"stories","max_tokens":4,"messages":[{"role":"system","content":"You tell stories."},)"
      R"({"role":"user","content":"Tell me a story about a dog"}]})";

  auto direct = http_request(worker.port(), "POST", "/v1/chat/completions", request, "application/json",
                             {{"authorization", "Bearer " + kSecret}});
  ASSERT_EQ(direct.status, 200) << direct.body;
  auto via = http_request(gateway.port(), "POST", "/v1/chat/completions", request, "application/json", auth);
  ASSERT_EQ(via.status, 200) << via.body;
  auto direct_body = parse_json(direct.body);
  auto via_body = parse_json(via.body);
  ASSERT_TRUE(direct_body && via_body) << direct.body << via.body;
  const auto& usage = via_body->as_object().at("usage").as_object();
  EXPECT_EQ(
      via_body->as_object().at("choices").as_array()[0].as_object().at("message").as_object().at("content").as_string(),
      "Once upon a time there was");
  EXPECT_EQ(usage.at("prompt_tokens").as_int64(),
            direct_body->as_object().at("usage").as_object().at("prompt_tokens").as_int64());

  auto vocab = routing::ModelVocabulary::open("stories", kModel);
  ASSERT_TRUE(vocab.has_value());
  EXPECT_EQ(usage.at("completion_tokens").as_int64(),
            static_cast<std::int64_t>((*vocab)->tokenize("Once upon a time there was", false, false).size()) + 1);
}

}  // namespace
}  // namespace sovra::test
