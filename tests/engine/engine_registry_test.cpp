#include "engine/engine_registry.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>

namespace sovra::engine {
namespace {

namespace fs = std::filesystem;
const fs::path kRandom = fs::path(SOVRA_SHARED_DIR) / "models" / "random";

ModelDeployment deployment(const std::string& name, const std::string& file) {
  return {.name = name,
          .path = kRandom / file,
          .options = {.kv_budget_bytes = 4 << 20, .max_num_seqs = 4, .max_seq_len = 128, .n_threads = 1}};
}

// Runs one greedy request to the end; returns its finish reason.
FinishReason generate(Engine& e) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<FinishReason> done;
  GenerationRequest r;
  r.prompt_tokens = {1, 20, 30, 40};
  r.sampling.temperature = 0.0f;
  r.max_tokens = 5;
  r.ignore_eos = true;
  auto id = e.submit(std::move(r), [&](GenerationEvent&& ev) {
    if (ev.kind != GenerationEvent::Kind::kFinished) return;
    std::lock_guard lock(mu);
    done = ev.finish;
    cv.notify_all();
  });
  EXPECT_TRUE(id.has_value());
  std::unique_lock lock(mu);
  cv.wait_for(lock, std::chrono::seconds(60), [&] { return done.has_value(); });
  return done.value_or(FinishReason::kNone);
}

TEST(EngineRegistry, ServesSeveralModelsEachWithItsOwnEngineWithinTheBudget) {
  const auto llama = deployment("llama", "rand-llama-d256-Q4_0.gguf");
  const auto qwen = deployment("qwen", "rand-qwen2-d256-Q8_0.gguf");
  if (!fs::exists(llama.path) || !fs::exists(qwen.path)) GTEST_SKIP() << "needs ../shared/models/random";
  const std::uint64_t cost_llama = fs::file_size(llama.path) + (4 << 20) + EngineRegistry::kScratchAllowance;
  const std::uint64_t cost_qwen = fs::file_size(qwen.path) + (4 << 20) + EngineRegistry::kScratchAllowance;
  // Room for both, but not for a third.
  EngineRegistry reg(cost_llama + cost_qwen + (1 << 20));
  ASSERT_TRUE(reg.load(llama).has_value());
  ASSERT_TRUE(reg.load(qwen).has_value());
  EXPECT_EQ(reg.used_bytes(), cost_llama + cost_qwen);
  const Status third = reg.load(deployment("third", "rand-llama-d256-Q8_0.gguf"));
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(third.error().message.find("does not fit"), std::string::npos) << third.error().message;
  const Status dup = reg.load(llama);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(reg.load(deployment("missing", "no-such-file.gguf")).has_value());

  auto a = reg.find("llama");
  auto b = reg.find("qwen");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a.get(), b.get());
  EXPECT_EQ(reg.find("nope"), nullptr);
  EXPECT_EQ(generate(*a), FinishReason::kLength);
  EXPECT_EQ(generate(*b), FinishReason::kLength);

  // Unloading frees its share of the budget; an engine still held by a caller keeps working.
  ASSERT_TRUE(reg.unload("qwen").has_value());
  EXPECT_EQ(generate(*b), FinishReason::kLength);
  EXPECT_EQ(reg.used_bytes(), cost_llama);
  EXPECT_FALSE(reg.unload("qwen").has_value());
  ASSERT_TRUE(reg.load(deployment("third", "rand-llama-d256-Q8_0.gguf")).has_value());
  EXPECT_EQ(reg.loaded().size(), 2u);
}

}  // namespace
}  // namespace sovra::engine
