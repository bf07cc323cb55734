// Prompt logprobs (GenerationRequest::prompt_logprobs): the engine reports, on a request's first event, the model's
// log-softmax at every prompt position — checked against the model run token by token through model::Context.
#include <gtest/gtest.h>

#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "engine/engine.hpp"
#include "engine/sampling/logprobs.hpp"
#include "model/model.hpp"
#include "tokenizer/load.hpp"

namespace sovra::engine {
namespace {

namespace fs = std::filesystem;
const fs::path kStories = fs::path(SOVRA_SHARED_DIR) / "models" / "stories260K.gguf";

struct Record {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<GenerationEvent> events;
  bool finished = false;
  EventSink sink() {
    return [this](GenerationEvent&& e) {
      std::lock_guard lock(mu);
      finished = finished || e.kind == GenerationEvent::Kind::kFinished;
      events.push_back(std::move(e));
      cv.notify_all();
    };
  }
  bool wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(60), [&] { return finished; });
  }
};

struct Reference {
  std::vector<float> logprobs;                           // entry i: prompt token i + 1
  std::vector<std::vector<sampling::TokenLogprob>> top;  // entry i: the 3 most likely after prompt[0..i]
};

// One token at a time through a single-sequence Context: the plainest way to run the model.
Reference token_by_token(const model::Model& m, const std::vector<TokenId>& prompt) {
  model::Context ctx(m, {.n_ctx = 256, .n_threads = 1, .n_batch = 1});
  Reference ref;
  for (std::size_t i = 0; i + 1 < prompt.size(); ++i) {
    auto logits = ctx.eval(std::span<const TokenId>(&prompt[i], 1));
    EXPECT_TRUE(logits.has_value());
    if (!logits) return ref;
    const double norm = sampling::log_normalizer(*logits);
    ref.logprobs.push_back(
        static_cast<float>(static_cast<double>((*logits)[static_cast<std::size_t>(prompt[i + 1])]) - norm));
    sampling::top_logprobs(*logits, norm, 3, ref.top.emplace_back());
  }
  return ref;
}

void expect_matches(const std::vector<TokenLogprobs>& got, const Reference& ref) {
  ASSERT_EQ(got.size(), ref.logprobs.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i].logprob, ref.logprobs[i], 1e-4) << "prompt token " << i + 1;
    ASSERT_EQ(got[i].top.size(), ref.top[i].size()) << "prompt token " << i + 1;
    for (std::size_t k = 0; k < got[i].top.size(); ++k) {
      EXPECT_NEAR(got[i].top[k].logprob, ref.top[i][k].logprob, 1e-4) << "prompt token " << i + 1 << " top " << k;
    }
  }
}

TEST(EnginePromptLogprobs, EqualTheModelRunTokenByToken) {
  if (!fs::exists(kStories)) GTEST_SKIP() << kStories << " is absent (needs ../shared/models)";
  auto m = model::Model::load(kStories);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  auto t = tokenizer::load_from_gguf((*m)->gguf());
  ASSERT_TRUE(t.has_value());
  std::shared_ptr<const model::Model> model(std::move(*m));
  std::shared_ptr<const tokenizer::Tokenizer> tok(std::move(*t));
  // A small step budget splits the prompt into chunks; the prefix cache is on (and must be bypassed: the same
  // prompt runs twice). An f32 KV cache, as the Context's, so the two runs of the model agree to float rounding.
  auto engine = Engine::create(model, tok,
                               {.model_name = "test-prompt-lp",
                                .kv_budget_bytes = 8 << 20,
                                .block_size = 4,
                                .max_batched_tokens = 7,
                                .max_seq_len = 256,
                                .prefix_caching = true,
                                .kv_elem = kernels::KvElem::kF32});
  ASSERT_TRUE(engine.has_value()) << engine.error().message;

  const std::vector<TokenId> prompt = tok->encode("Once upon a time there was a little girl named Lily. She", true);
  ASSERT_GT(prompt.size(), 10u);
  const Reference ref = token_by_token(*model, prompt);

  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE(run == 0 ? "cold" : "prompt in the prefix cache");
    Record rec;
    GenerationRequest r;
    r.prompt_tokens = prompt;
    r.max_tokens = 4;
    r.sampling.temperature = 0.0f;
    r.sampling.logprobs = true;
    r.sampling.top_logprobs = 3;
    r.prompt_logprobs = true;
    ASSERT_TRUE((*engine)->submit(std::move(r), rec.sink()).has_value());
    ASSERT_TRUE(rec.wait());
    std::lock_guard lock(rec.mu);
    ASSERT_GE(rec.events.size(), 2u);
    expect_matches(rec.events.front().prompt_logprobs, ref);
    for (std::size_t i = 1; i < rec.events.size(); ++i) {
      EXPECT_TRUE(rec.events[i].prompt_logprobs.empty()) << "only the first event carries them";
    }
    EXPECT_EQ(rec.events.back().usage.cached_prompt_tokens, 0);
  }

  // Without the flag: nothing (and the prompt may come from the cache).
  Record plain;
  GenerationRequest r;
  r.prompt_tokens = prompt;
  r.max_tokens = 2;
  r.sampling.temperature = 0.0f;
  ASSERT_TRUE((*engine)->submit(std::move(r), plain.sink()).has_value());
  ASSERT_TRUE(plain.wait());
  std::lock_guard lock(plain.mu);
  for (const auto& e : plain.events) EXPECT_TRUE(e.prompt_logprobs.empty());
  EXPECT_GT(plain.events.back().usage.cached_prompt_tokens, 0) << "the earlier runs registered the prompt's blocks";
}

TEST(EnginePromptLogprobs, AOneTokenPromptHasNone) {
  if (!fs::exists(kStories)) GTEST_SKIP() << kStories << " is absent (needs ../shared/models)";
  auto m = model::Model::load(kStories);
  ASSERT_TRUE(m.has_value());
  auto t = tokenizer::load_from_gguf((*m)->gguf());
  ASSERT_TRUE(t.has_value());
  auto engine = Engine::create(std::shared_ptr<const model::Model>(std::move(*m)),
                               std::shared_ptr<const tokenizer::Tokenizer>(std::move(*t)),
                               {.model_name = "test-prompt-lp1", .kv_budget_bytes = 8 << 20, .max_seq_len = 64});
  ASSERT_TRUE(engine.has_value());
  Record rec;
  GenerationRequest r;
  r.prompt_tokens = {1};
  r.max_tokens = 2;
  r.prompt_logprobs = true;
  ASSERT_TRUE((*engine)->submit(std::move(r), rec.sink()).has_value());
  ASSERT_TRUE(rec.wait());
  std::lock_guard lock(rec.mu);
  for (const auto& e : rec.events) EXPECT_TRUE(e.prompt_logprobs.empty());
  EXPECT_EQ(rec.events.back().finish, FinishReason::kLength);
}

}  // namespace
}  // namespace sovra::engine
