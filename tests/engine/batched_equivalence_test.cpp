// Batched-vs-alone equivalence: 16 greedy requests with different prompt lengths, run together through the
// scheduler and one batched forward pass per step, each produce exactly the tokens they produce alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/model_runner.hpp"
#include "engine/scheduler/scheduler.hpp"
#include "kernels/quant/half.hpp"
#include "model/model.hpp"

namespace sovra::engine {
namespace {

namespace fs = std::filesystem;

const fs::path kModels = fs::path(SOVRA_SHARED_DIR) / "models";

using Outputs = std::map<SeqId, std::vector<TokenId>>;

Outputs generate(const model::Model& m, const std::vector<std::vector<TokenId>>& prompts, std::int32_t max_tokens,
                 SchedulerConfig cfg, std::int32_t n_threads) {
  Scheduler s(cfg);
  ModelRunner r(m, {.n_blocks = cfg.n_blocks, .block_size = cfg.block_size, .n_threads = n_threads});
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    SequenceParams p;
    p.prompt = prompts[i];
    p.max_tokens = max_tokens;
    p.ignore_eos = true;
    p.sampler = std::make_unique<sampling::Sampler>(*sampling::Sampler::create({.temperature = 0.0f}));
    EXPECT_TRUE(s.add(i, std::move(p)).has_value());
  }
  Outputs out;
  for (int step = 0; step < 10000 && s.has_work(); ++step) {
    const SchedulerOutput so = s.schedule();
    const RunnerOutput ro = so.empty() ? RunnerOutput{} : r.execute(so);
    for (const auto& ev : s.update(so, ro).events) {
      EXPECT_NE(ev.finish, FinishReason::kError);
      if (ev.sample) out[ev.id].push_back(ev.sample->token);
    }
  }
  EXPECT_EQ(s.pool().used(), 0);
  return out;
}

std::vector<std::vector<TokenId>> make_prompts(std::uint32_t n_vocab, std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<TokenId>> prompts;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t len = 1 + (i * 7 + 3) % 33;  // 1 … 33 tokens
    std::vector<TokenId> p;
    p.push_back(1);  // BOS
    for (std::size_t j = 1; j < len; ++j) p.push_back(static_cast<TokenId>(3 + rng() % (n_vocab - 3)));
    prompts.push_back(std::move(p));
  }
  return prompts;
}

void expect_batched_equals_alone(const fs::path& path) {
  if (!fs::exists(path)) GTEST_SKIP() << path << " is absent (needs ../shared/models)";
  auto model = model::Model::load(path);
  ASSERT_TRUE(model.has_value()) << model.error().message;
  const auto prompts = make_prompts((*model)->hparams().n_vocab, 16, 7);
  constexpr std::int32_t kMaxTokens = 8;
  // A small step budget forces chunked prefill mixed with decodes.
  const SchedulerConfig batched{.block_size = 8, .n_blocks = 160, .max_num_seqs = 16, .max_batched_tokens = 48};
  const Outputs together = generate(**model, prompts, kMaxTokens, batched, 2);
  ASSERT_EQ(together.size(), prompts.size());
  const SchedulerConfig lone{.block_size = 8, .n_blocks = 16, .max_batched_tokens = 512};
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const Outputs alone = generate(**model, {prompts[i]}, kMaxTokens, lone, 1);
    ASSERT_EQ(alone.at(0).size(), static_cast<std::size_t>(kMaxTokens));
    EXPECT_EQ(together.at(i), alone.at(0))
        << path.filename() << " request " << i << " (prompt of " << prompts[i].size() << " tokens)";
  }
}

TEST(BatchedEquivalence, Stories260K) { expect_batched_equals_alone(kModels / "stories260K.gguf"); }

class RandomModels : public ::testing::TestWithParam<std::string> {};

TEST_P(RandomModels, SixteenConcurrentGreedyRequestsMatchRunningAlone) {
  expect_batched_equals_alone(kModels / "random" / GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    BatchedEquivalence, RandomModels,
    ::testing::Values("rand-llama-d256-F16.gguf", "rand-llama-d256-BF16.gguf", "rand-llama-d256-Q8_0.gguf",
                      "rand-llama-d256-Q4_0.gguf", "rand-llama-d256-Q4_1.gguf", "rand-llama-d256-Q5_0.gguf",
                      "rand-llama-d256-Q5_1.gguf", "rand-llama-d256-Q2_K.gguf", "rand-llama-d256-Q3_K_M.gguf",
                      "rand-llama-d256-Q4_K_M.gguf", "rand-llama-d256-Q5_K_M.gguf", "rand-llama-d256-Q6_K.gguf",
                      "rand-qwen2-d256-F16.gguf", "rand-qwen2-d256-BF16.gguf", "rand-qwen2-d256-Q8_0.gguf",
                      "rand-qwen2-d256-Q4_0.gguf", "rand-qwen2-d256-Q4_1.gguf", "rand-qwen2-d256-Q5_0.gguf",
                      "rand-qwen2-d256-Q5_1.gguf", "rand-qwen2-d256-Q2_K.gguf", "rand-qwen2-d256-Q3_K_M.gguf",
                      "rand-qwen2-d256-Q4_K_M.gguf", "rand-qwen2-d256-Q5_K_M.gguf", "rand-qwen2-d256-Q6_K.gguf"),
    [](const ::testing::TestParamInfo<std::string>& p) {
      std::string name = p.param.substr(5, p.param.size() - 5 - 5);
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

// The paged batched pass agrees with the single-sequence Context (contiguous f32 cache) on the logits, with an f32
// paged cache.
TEST(BatchedEquivalence, PagedForwardMatchesContextLogits) {
  const auto path = kModels / "stories260K.gguf";
  if (!fs::exists(path)) GTEST_SKIP() << path << " is absent (needs ../shared/models)";
  auto model = model::Model::load(path);
  ASSERT_TRUE(model.has_value());
  const auto prompts = make_prompts((*model)->hparams().n_vocab, 3, 11);
  kernels::ThreadPool pool(2);
  model::PagedKvCache kv((*model)->hparams(), 32, 4, kernels::KvElem::kF32);
  model::BatchedForward fwd(**model, pool);
  // Scattered, non-contiguous block tables.
  std::vector<std::vector<std::int32_t>> tables(3);
  for (std::int32_t b = 0; b < 30; ++b) tables[static_cast<std::size_t>(b % 3)].push_back(29 - b);
  std::vector<model::BatchItem> items;
  for (std::size_t i = 0; i < 3; ++i) items.push_back({prompts[i + 0], 0, tables[i], true});
  std::vector<float> logits;
  ASSERT_TRUE(fwd.forward(items, kv, logits).has_value());
  const std::size_t n_vocab = (*model)->hparams().n_vocab;
  for (std::size_t i = 0; i < 3; ++i) {
    model::Context ctx(**model, {.n_ctx = 64, .n_threads = 2});
    auto ref = ctx.eval(prompts[i]);
    ASSERT_TRUE(ref.has_value());
    for (std::size_t v = 0; v < n_vocab; ++v) {
      ASSERT_NEAR(logits[i * n_vocab + v], (*ref)[v], 1e-3f) << "sequence " << i << " token " << v;
    }
  }
  // Bad input is refused, nothing written.
  std::vector<std::int32_t> short_table{0};
  std::vector<std::int32_t> toks(9, 1);
  model::BatchItem bad{toks, 0, short_table, true};
  EXPECT_FALSE(fwd.forward(std::span(&bad, 1), kv, logits).has_value());
  std::vector<std::int32_t> oov{static_cast<std::int32_t>(n_vocab)};
  model::BatchItem bad2{oov, 0, tables[0], true};
  EXPECT_FALSE(fwd.forward(std::span(&bad2, 1), kv, logits).has_value());
}

// The f16 cache (the engine's default) stores each K and V value rounded to nearest binary16 and stays close to
// the f32 pass: the same greedy choice and logits within f16's rounding, carried through the layers.
TEST(BatchedEquivalence, F16CacheHoldsRoundedRowsAndStaysCloseToF32) {
  const auto path = kModels / "stories260K.gguf";
  if (!fs::exists(path)) GTEST_SKIP() << path << " is absent (needs ../shared/models)";
  auto model = model::Model::load(path);
  ASSERT_TRUE(model.has_value());
  const auto& hp = (*model)->hparams();
  const auto prompts = make_prompts(hp.n_vocab, 3, 40);
  kernels::ThreadPool pool(2);
  model::PagedKvCache kv32(hp, 32, 4, kernels::KvElem::kF32);
  model::PagedKvCache kv16(hp, 32, 4);
  EXPECT_EQ(kv16.elem(), kernels::KvElem::kF16);
  EXPECT_EQ(kv16.bytes() * 2, kv32.bytes());
  EXPECT_EQ(model::PagedKvCache::block_bytes(hp, 4) * 2,
            model::PagedKvCache::block_bytes(hp, 4, kernels::KvElem::kF32));
  model::BatchedForward fwd(**model, pool);
  std::vector<std::vector<std::int32_t>> tables(3);
  for (std::int32_t b = 0; b < 30; ++b) tables[static_cast<std::size_t>(b % 3)].push_back(29 - b);
  std::vector<model::BatchItem> items;
  for (std::size_t i = 0; i < 3; ++i) items.push_back({prompts[i], 0, tables[i], true});
  std::vector<float> l32, l16;
  ASSERT_TRUE(fwd.forward(items, kv32, l32).has_value());
  ASSERT_TRUE(fwd.forward(items, kv16, l16).has_value());
  // Layer 0's rows come from the embeddings alone, so they are the same values, rounded.
  const std::int32_t n_slots = 32 * 4;
  for (std::int32_t slot = 0; slot < n_slots; ++slot) {
    for (std::int64_t d = 0; d < kv16.kv_dim(); ++d) {
      const float k = kv32.k_at(0, slot / 4, slot % 4, d);
      const float v = kv32.v_at(0, slot / 4, slot % 4, d);
      ASSERT_EQ(kv16.k_at(0, slot / 4, slot % 4, d), kernels::fp16_to_fp32(kernels::fp32_to_fp16(k)));
      ASSERT_EQ(kv16.v_at(0, slot / 4, slot % 4, d), kernels::fp16_to_fp32(kernels::fp32_to_fp16(v)));
    }
  }
  const std::size_t n_vocab = hp.n_vocab;
  float max_diff = 0.0f;
  bool any_diff = false;
  for (std::size_t i = 0; i < 3; ++i) {
    std::size_t best32 = 0, best16 = 0;
    for (std::size_t v = 0; v < n_vocab; ++v) {
      const float a = l32[i * n_vocab + v];
      const float b = l16[i * n_vocab + v];
      max_diff = std::max(max_diff, std::fabs(a - b));
      any_diff = any_diff || a != b;
      if (a > l32[i * n_vocab + best32]) best32 = v;
      if (b > l16[i * n_vocab + best16]) best16 = v;
    }
    EXPECT_EQ(best16, best32) << "sequence " << i;
  }
  EXPECT_TRUE(any_diff) << "the f16 cache changed nothing: is it f16?";
  EXPECT_LT(max_diff, 0.05f);
  std::printf("f16 vs f32 KV cache, stories260K, three prompts: max |logit difference| %.2e\n", max_diff);
}

}  // namespace
}  // namespace sovra::engine
