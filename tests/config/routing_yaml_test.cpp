#include "config/routing_yaml.hpp"

#include <gtest/gtest.h>

#include "config/load.hpp"

namespace sovra {
namespace {

constexpr const char* kYaml = R"(
models:
  - name: qwen
    path: /m/qwen.gguf
routing:
  local_jurisdiction: SE
  deployments:
    - name: vllm-eu
      model: llama
      base_url: https://vllm.eu.example:8000/v1
      api_key: sk-upstream-secret
      upstream_model: meta-llama/Llama-3-8B
      region: se-sto-1
      jurisdiction: SE
      zones: [EU, EEA]
      weight: 3
      max_concurrency: 64
      first_byte_timeout_ms: 1000
      tokenizer: /m/llama-vocab.gguf
    - name: local-llama
      model: llama
      local: qwen
  aliases:
    gpt-4o: qwen
  fallbacks:
    llama: [qwen]
)";

Result<Config> load(const std::string& yaml) {
  Config c;
  SOVRA_CHECK(apply_yaml(c, yaml, "test.yaml"));
  SOVRA_CHECK(validate_config(c));
  return c;
}

TEST(RoutingConfig, ParsesDeploymentsAliasesAndFallbacks) {
  auto c = load(kYaml);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->routing.deployments.size(), 2u);
  const auto& d = c->routing.deployments[0];
  EXPECT_EQ(d.base_url, "https://vllm.eu.example:8000/v1");
  EXPECT_EQ(d.upstream_model, "meta-llama/Llama-3-8B");
  EXPECT_EQ(d.zones, (std::vector<std::string>{"EU", "EEA"}));
  EXPECT_EQ(d.weight, 3);
  EXPECT_EQ(d.first_byte_timeout_ms, 1000);
  EXPECT_EQ(d.connect_timeout_ms, 5000);  // default
  EXPECT_EQ(d.tokenizer, "/m/llama-vocab.gguf");
  EXPECT_EQ(c->routing.deployments[1].tokenizer, "");
  EXPECT_EQ(c->routing.deployments[1].local, "qwen");
  ASSERT_EQ(c->routing.aliases.size(), 1u);
  EXPECT_EQ(c->routing.aliases[0].model, "qwen");
  ASSERT_EQ(c->routing.fallbacks.size(), 1u);
  EXPECT_EQ(c->routing.fallbacks[0].to, (std::vector<std::string>{"qwen"}));
  EXPECT_EQ(c->routing.local_jurisdiction, "SE");
}

TEST(RoutingConfig, PrintRedactsTheUpstreamKeyAndRoundTrips) {
  auto c = load(kYaml);
  ASSERT_TRUE(c);
  const auto text = print_config_redacted(*c);
  EXPECT_EQ(text.find("sk-upstream-secret"), std::string::npos) << text;
  Config again;
  ASSERT_TRUE(apply_yaml(again, text, "printed")) << text;
  ASSERT_EQ(again.routing.deployments.size(), 2u);
  EXPECT_EQ(again.routing.deployments[0].api_key, "<redacted>");
  EXPECT_EQ(again.routing.deployments[0].zones, c->routing.deployments[0].zones);
  EXPECT_EQ(again.routing.deployments[0].tokenizer, "/m/llama-vocab.gguf");
  EXPECT_EQ(again.routing.aliases, c->routing.aliases);
  EXPECT_EQ(again.routing.fallbacks, c->routing.fallbacks);
}

void expect_error(const std::string& yaml, const std::string& needle) {
  auto c = load(yaml);
  ASSERT_FALSE(c) << yaml;
  EXPECT_NE(c.error().message.find(needle), std::string::npos) << c.error().message;
}

TEST(RoutingConfig, ClearErrors) {
  expect_error("routing:\n  deployments:\n    - name: a\n      model: m\n", "exactly one of 'local'");
  expect_error("routing:\n  deployments:\n    - name: a\n      model: m\n      base_url: ftp://x\n", "http://");
  expect_error("routing:\n  deployments:\n    - name: a\n      model: m\n      local: nope\n", "not one of the configured");
  expect_error("routing:\n  deployments:\n    - name: a\n      model: m\n      base_url: http://x\n      weight: 0\n",
               "'weight'");
  expect_error("routing:\n  deployments:\n    - name: a\n      model: m\n      base_url: http://x\n      wieght: 2\n",
               "routing.deployments.wieght");
  expect_error("routing:\n  deployments:\n    - name: a\n      model: m\n      base_url: http://x\n      weight: x\n",
               "test.yaml:6");
  expect_error(
      "models:\n  - {name: q, path: /m/q.gguf}\nrouting:\n  deployments:\n    - {name: a, model: m, local: q, "
      "tokenizer: /m/q.gguf}\n",
      "'tokenizer' is for upstreams");
  expect_error("routing:\n  aliases:\n    gpt-4o: nothing\n", "no deployment serves");
  expect_error("routing:\n  fallbacks:\n    nothing: [x]\n", "no deployment serves");
  expect_error("routing:\n  retry_budget_percent: 101\n", "routing.retry_budget_percent");
  expect_error(
      "routing:\n  deployments:\n    - {name: a, model: m, base_url: 'http://x'}\n    - {name: a, model: m, "
      "base_url: 'http://y'}\n",
      "listed twice");
}

}  // namespace
}  // namespace sovra
