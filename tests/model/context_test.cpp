#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "app/gguf_random.hpp"
#include "model/model.hpp"

namespace sovra::model {
namespace {

namespace fs = std::filesystem;

class ContextTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = fs::temp_directory_path() / ("sovra-ctx-" + std::to_string(::getpid()) + ".gguf");
    ASSERT_TRUE(
        app::write_random_model({.shape = "llama-tiny", .type = "q4_k_m", .output = path_.string(), .threads = 2}));
    auto m = Model::load(path_);
    ASSERT_TRUE(m) << m.error().message;
    model_ = m->release();
  }
  static void TearDownTestSuite() {
    delete model_;
    fs::remove(path_);
  }
  static fs::path path_;
  static Model* model_;
};
fs::path ContextTest::path_;
Model* ContextTest::model_ = nullptr;

TEST_F(ContextTest, BatchedPromptMatchesTokenByToken) {
  const std::vector<std::int32_t> prompt = {1, 17, 300, 42, 99, 7, 250, 511, 3};
  Context batched(*model_, {.n_ctx = 32, .n_threads = 2});
  auto all = batched.eval(prompt, /*all_logits=*/true);
  ASSERT_TRUE(all) << all.error().message;
  const std::size_t nv = model_->hparams().n_vocab;
  ASSERT_EQ(all->size(), prompt.size() * nv);
  const std::vector<float> rows(all->begin(), all->end());
  Context single(*model_, {.n_ctx = 32, .n_threads = 1});
  for (std::size_t t = 0; t < prompt.size(); ++t) {
    auto l = single.eval(std::span<const std::int32_t>(&prompt[t], 1));
    ASSERT_TRUE(l);
    for (std::size_t k = 0; k < nv; ++k) {
      // Same activation rounding per row; only the summation order of the batched kernel differs.
      ASSERT_NEAR(rows[t * nv + k], (*l)[k], 1e-3f) << "token " << t << " logit " << k;
    }
  }
  EXPECT_EQ(batched.n_past(), static_cast<std::int32_t>(prompt.size()));
}

TEST_F(ContextTest, SmallBatchesGiveTheSameLastLogits) {
  const std::vector<std::int32_t> prompt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  Context whole(*model_, {.n_ctx = 32, .n_threads = 2});
  Context chunked(*model_, {.n_ctx = 32, .n_threads = 2, .n_batch = 4});
  auto a = whole.eval(prompt);
  ASSERT_TRUE(a);
  const std::vector<float> want(a->begin(), a->end());
  auto b = chunked.eval(prompt);
  ASSERT_TRUE(b);
  for (std::size_t k = 0; k < want.size(); ++k) ASSERT_NEAR(want[k], (*b)[k], 1e-3f);
}

TEST_F(ContextTest, RejectsBadInputWithoutChangingState) {
  Context ctx(*model_, {.n_ctx = 4, .n_threads = 1});
  EXPECT_FALSE(ctx.eval({}));
  const std::int32_t bad[] = {1, 512};
  auto r = ctx.eval(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("outside the vocabulary"), std::string::npos);
  const std::int32_t neg[] = {-1};
  EXPECT_FALSE(ctx.eval(neg));
  EXPECT_EQ(ctx.n_past(), 0);
  const std::int32_t four[] = {1, 2, 3, 4};
  ASSERT_TRUE(ctx.eval(four));
  const std::int32_t one[] = {5};
  auto full = ctx.eval(one);
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message.find("context is full"), std::string::npos);
  EXPECT_EQ(ctx.n_past(), 4);
  ctx.reset();
  EXPECT_TRUE(ctx.eval(one));
}

TEST(ModelLoad, ErrorsNameTheProblem) {
  auto missing = Model::load("/nonexistent/model.gguf");
  ASSERT_FALSE(missing);
  const auto vocab = fs::path(SOVRA_SHARED_DIR) / "models" / "vocab";
  if (!fs::exists(vocab)) GTEST_SKIP() << vocab << " is absent";
  for (const auto& e : fs::directory_iterator(vocab)) {
    if (e.path().extension() != ".gguf") continue;
    auto m = Model::load(e.path());  // vocabulary-only files: no weights
    ASSERT_FALSE(m) << e.path();
    EXPECT_FALSE(m.error().message.empty());
  }
}

}  // namespace
}  // namespace sovra::model
