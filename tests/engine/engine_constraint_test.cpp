// The engine's per-request TokenConstraint hook: every token of a constrained request is sampled under the
// constraint's mask and then accepted by it; a refused token ends the request with an error; unconstrained
// requests in the same batch are untouched.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "engine/engine.hpp"
#include "model/model.hpp"
#include "tokenizer/load.hpp"

namespace sovra::engine {
namespace {

const std::filesystem::path kStories = std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "stories260K.gguf";

// Allows exactly one token; records what it was asked to accept.
class OneToken final : public sampling::TokenConstraint {
 public:
  OneToken(TokenId allowed, bool refuse) : allowed_(allowed), refuse_(refuse) {}
  void fill_mask(sampling::TokenMask& mask) override {
    mask.reset(512, false);
    mask.allow(allowed_);
  }
  Status accept(TokenId token) override {
    accepted.push_back(token);
    if (refuse_) return Error::invalid("refused");
    return {};
  }
  std::vector<TokenId> accepted;

 private:
  TokenId allowed_;
  bool refuse_;
};

struct Done {
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

TEST(EngineConstraint, ConstrainedRequestsSampleOnlyAllowedTokensAndRefusalsEndThem) {
  if (!std::filesystem::exists(kStories)) GTEST_SKIP() << kStories << " is absent (../shared)";
  auto m = model::Model::load(kStories);
  ASSERT_TRUE(m.has_value());
  auto t = tokenizer::load_from_gguf((*m)->gguf());
  ASSERT_TRUE(t.has_value());
  auto engine = Engine::create(std::shared_ptr<const model::Model>(std::move(*m)),
                               std::shared_ptr<const tokenizer::Tokenizer>(std::move(*t)),
                               {.model_name = "test-constraint", .kv_budget_bytes = 8 << 20, .max_seq_len = 128});
  ASSERT_TRUE(engine.has_value());

  auto allowed = std::make_shared<OneToken>(300, false);
  auto refusing = std::make_shared<OneToken>(301, true);
  GenerationRequest a{.prompt_text = "Once upon a time", .max_tokens = 6};
  a.sampling.temperature = 0.9f;
  a.constraint = allowed;
  GenerationRequest b = a;
  b.constraint = refusing;
  GenerationRequest free = a;
  free.constraint = nullptr;
  free.sampling.temperature = 0.0f;
  Done da, db, df;
  ASSERT_TRUE((*engine)->submit(a, da.sink()).has_value());
  ASSERT_TRUE((*engine)->submit(b, db.sink()).has_value());
  ASSERT_TRUE((*engine)->submit(free, df.sink()).has_value());
  ASSERT_TRUE(da.wait());
  ASSERT_TRUE(db.wait());
  ASSERT_TRUE(df.wait());

  std::vector<TokenId> tokens;
  for (const auto& e : da.events) {
    if (e.kind == GenerationEvent::Kind::kToken) tokens.push_back(e.token);
  }
  EXPECT_EQ(tokens, std::vector<TokenId>(6, 300));
  EXPECT_EQ(allowed->accepted, tokens);
  EXPECT_EQ(da.events.back().finish, FinishReason::kLength);

  EXPECT_EQ(refusing->accepted, std::vector<TokenId>{301});
  EXPECT_EQ(db.events.back().finish, FinishReason::kError);

  std::size_t free_tokens = 0;
  bool all_300 = true;
  for (const auto& e : df.events) {
    if (e.kind != GenerationEvent::Kind::kToken) continue;
    ++free_tokens;
    all_300 = all_300 && e.token == 300;
  }
  EXPECT_EQ(free_tokens, 6u);
  EXPECT_FALSE(all_300) << "the unconstrained request must not see another request's mask";
}

}  // namespace
}  // namespace sovra::engine
