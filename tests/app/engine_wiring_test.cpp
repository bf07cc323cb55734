// The engine.* settings: parsed from YAML and the environment, validated, turned into EngineOptions, and used by
// start_engines (which refuses a model over the budget with the figures).
#include "app/engine_wiring.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "config/load.hpp"

namespace sovra::app {
namespace {

TEST(EngineWiring, SettingsComeFromYamlAndEnvironmentAndBecomeEngineOptions) {
  auto c = load_config({.environment = {{"SOVRA_ENGINE_THREADS", "3"}, {"SOVRA_SERVER_REGION", "se-sto-1"}}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->engine.threads, 3);
  EXPECT_EQ(c->server.region, "se-sto-1");
  Config y;
  ASSERT_TRUE(apply_yaml(y,
                         "engine:\n  kv_cache_mib: 64\n  max_batched_tokens: 512\n  context_length: 1024\n"
                         "  max_running_sequences: 4\n  max_waiting: 9\n  prefill_group_tokens: 32\n",
                         "t.yaml"));
  ASSERT_TRUE(validate_config(y));
  const engine::EngineOptions o = engine_options(y.engine);
  EXPECT_EQ(o.kv_budget_bytes, 64ull << 20);
  EXPECT_EQ(o.max_batched_tokens, 512);
  EXPECT_EQ(o.max_seq_len, 1024);
  EXPECT_EQ(o.max_num_seqs, 4);
  EXPECT_EQ(o.max_waiting, 9);
  EXPECT_EQ(o.prefill_group_tokens, 32);
  EXPECT_EQ(engine_options(EngineConfig{}).prefill_group_tokens, 64);  // the default
  Config bad;
  ASSERT_TRUE(apply_yaml(bad, "engine:\n  prefill_group_tokens: -1\n", "t.yaml"));
  EXPECT_FALSE(validate_config(bad).has_value());
  EXPECT_GE(o.n_threads, 1);
  EXPECT_EQ(o.kv_elem, kernels::KvElem::kF16);  // the default
  Config f32;
  ASSERT_TRUE(apply_yaml(f32, "engine:\n  kv_cache_type: f32\n", "t.yaml"));
  ASSERT_TRUE(validate_config(f32));
  EXPECT_EQ(engine_options(f32.engine).kv_elem, kernels::KvElem::kF32);
  auto env = load_config({.environment = {{"SOVRA_ENGINE_KV_CACHE_TYPE", "f32"}}});
  ASSERT_TRUE(env.has_value()) << env.error().message;
  EXPECT_EQ(engine_options(env->engine).kv_elem, kernels::KvElem::kF32);
  EXPECT_EQ(engine_memory_budget({.memory_budget_mib = 100}), 100ull << 20);
  EXPECT_GT(engine_memory_budget({}), 0u);  // automatic: a share of physical memory
}

TEST(EngineWiring, KvCacheIsSizedFromTheModelUnlessConfigured) {
  const EngineConfig automatic{.max_running_sequences = 4};
  const std::uint64_t per_token = 1000;
  // Room for 4 sequences of 1000 tokens, in whole MiB.
  EXPECT_EQ(kv_cache_bytes(automatic, per_token, 1000, 1ull << 40), 4ull << 20);
  // At most a quarter of the budget ...
  EXPECT_EQ(kv_cache_bytes(automatic, per_token, 1000, 8ull << 20), 2ull << 20);
  // ... but never less than one sequence.
  EXPECT_EQ(kv_cache_bytes(automatic, per_token, 1000, 1ull << 20), 1ull << 20);
  EXPECT_EQ(kv_cache_bytes(automatic, 10'000, 1000, 1ull << 20), 10ull << 20);
  EXPECT_EQ(kv_cache_bytes({.kv_cache_mib = 7}, per_token, 1000, 1ull << 40), 7ull << 20);
}

TEST(EngineWiring, InvalidSettingsNameTheKey) {
  for (const auto& [yaml, key] : std::vector<std::pair<std::string, std::string>>{
           {"engine:\n  kv_cache_mib: -1\n", "engine.kv_cache_mib"},
           {"engine:\n  kv_cache_type: q8_0\n", "engine.kv_cache_type"},
           {"engine:\n  max_waiting: -1\n", "engine.max_waiting"},
           {"engine:\n  threads: 5000\n", "engine.threads"},
           {"engine:\n  memory_budget_mib: -2\n", "engine.memory_budget_mib"},
           {"engine:\n  context_length: -1\n", "engine.context_length"}}) {
    Config c;
    ASSERT_TRUE(apply_yaml(c, yaml, "t.yaml")) << yaml;
    auto st = validate_config(c);
    ASSERT_FALSE(st.has_value()) << yaml;
    EXPECT_EQ(st.error().param, key);
  }
}

TEST(EngineWiring, LoadsModelsAndRoutesThemOrRefusesWhatDoesNotFit) {
  const auto path = std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "stories260K-chat.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent (../shared)";
  Config c;
  c.models = {{.name = "wired-stories", .path = path.string()}};
  c.engine.threads = 1;  // kv_cache_mib 0: sized from the model
  c.server.region = "se-sto-1";
  c.server.jurisdiction = "SE";
  auto w = start_engines(c, {});
  ASSERT_TRUE(w.has_value()) << w.error().message;
  ASSERT_EQ(w->backends.size(), 1u);
  auto route = w->router->route({.model = "wired-stories"});
  ASSERT_TRUE(route.has_value()) << route.error().message;
  EXPECT_TRUE(route->deployment.local);
  EXPECT_EQ(route->deployment.region, "se-sto-1");
  EXPECT_EQ(route->deployment.context_length, 2048);
  ASSERT_EQ(w->router->models().size(), 1u);
  EXPECT_TRUE(w->router->models()[0].capabilities.chat);

  c.models[0].name = "wired-too-big";
  c.engine.memory_budget_mib = 16;
  auto refused = start_engines(c, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("cannot load model 'wired-too-big'"), std::string::npos);
  EXPECT_NE(refused.error().message.find("does not fit"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace sovra::app
