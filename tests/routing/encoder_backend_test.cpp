// EncoderBackend: embeddings and rerank scores through the worker thread, with the OpenAI-level rules (limits,
// truncation, dimensions, normalization, token-id inputs) and refusals of generative calls.
#include "routing/encoder_backend.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <future>
#include <thread>

#include "support/encoder_fixture.hpp"

namespace sovra::routing {
namespace {

using testing::make_encoder;

template <typename T>
Result<T> wait(std::future<Result<T>>& f) {
  EXPECT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  return f.get();
}

Result<api::EmbeddingResult> embed(EncoderBackend& b, api::EmbeddingRequest r, std::thread::id* thread = nullptr) {
  auto p = std::make_shared<std::promise<Result<api::EmbeddingResult>>>();
  auto f = p->get_future();
  b.embed(std::move(r), [p, thread](Result<api::EmbeddingResult> res) {
    if (thread) *thread = std::this_thread::get_id();
    p->set_value(std::move(res));
  });
  return wait(f);
}

Result<api::RerankResult> rerank(EncoderBackend& b, api::RerankRequest r) {
  auto p = std::make_shared<std::promise<Result<api::RerankResult>>>();
  auto f = p->get_future();
  b.rerank(std::move(r), [p](Result<api::RerankResult> res) { p->set_value(std::move(res)); });
  return wait(f);
}

double norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s);
}

TEST(EncoderBackend, EmbedsOnItsWorkerNormalizedInOrder) {
  auto fx = make_encoder({.n_ctx = 32, .matryoshka = true});
  ASSERT_TRUE(fx.model);
  EncoderBackend backend(fx.model, {.model_name = "emb", .threads = 2});
  std::thread::id worker;
  api::EmbeddingRequest req{.model = "emb", .inputs = {std::string("hello world"), std::string("a"),
                                                       std::vector<std::int32_t>{2, 10, 3}}};
  auto r = embed(backend, req, &worker);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(worker, std::this_thread::get_id());
  ASSERT_EQ(r->embeddings.size(), 3u);
  for (const auto& v : r->embeddings) {
    EXPECT_EQ(v.size(), 64u);
    EXPECT_NEAR(norm(v), 1.0, 1e-5);
  }
  EXPECT_EQ(r->prompt_tokens, 4 + 3 + 3);
  // The same input alone gives the same vector (batching and order are invisible).
  auto one = embed(backend, {.model = "emb", .inputs = {std::string("a")}});
  ASSERT_TRUE(one);
  for (std::size_t d = 0; d < 64; ++d) EXPECT_NEAR(one->embeddings[0][d], r->embeddings[1][d], 1e-5);
  // Matryoshka: truncated prefix, re-normalized.
  req.dimensions = 16;
  auto small = embed(backend, req);
  ASSERT_TRUE(small) << small.error().message;
  ASSERT_EQ(small->embeddings[0].size(), 16u);
  EXPECT_NEAR(norm(small->embeddings[0]), 1.0, 1e-5);
  const double scale = small->embeddings[0][0] / r->embeddings[0][0];
  for (std::size_t d = 0; d < 16; ++d) EXPECT_NEAR(small->embeddings[0][d], r->embeddings[0][d] * scale, 1e-5);
}

TEST(EncoderBackend, LimitsAndRefusals) {
  auto fx = make_encoder({.n_ctx = 8});
  ASSERT_TRUE(fx.model);
  EncoderBackend backend(fx.model, {.model_name = "emb", .threads = 1});
  const std::string long_text = "the quick brown fox jumps over the lazy dog";
  auto r = embed(backend, {.model = "emb", .inputs = {long_text}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status(), 400);
  EXPECT_EQ(r.error().param, "input");
  EXPECT_NE(r.error().message.find("8 tokens"), std::string::npos) << r.error().message;
  r = embed(backend, {.model = "emb", .inputs = {long_text}, .truncate = true});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompt_tokens, 8);
  r = embed(backend, {.model = "emb", .inputs = {std::string("a")}, .dimensions = 16});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status(), 400);
  EXPECT_EQ(r.error().param, "dimensions");
  r = embed(backend, {.model = "emb", .inputs = {std::string("a")}, .dimensions = 64});
  EXPECT_TRUE(r);  // the full size is always allowed
  r = embed(backend, {.model = "emb", .inputs = {std::vector<std::int32_t>{2, 999999, 3}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().param, "input");
  auto chat = backend.start_chat({}, [](api::ChatEvent) {});
  ASSERT_FALSE(chat);
  EXPECT_EQ(chat.error().status(), 400);
  EXPECT_EQ(chat.error().param, "model");
  EXPECT_FALSE(backend.start_text({}, [](api::TextEvent) {}));
  auto rr = rerank(backend, {.model = "emb", .query = "q", .documents = {"d"}});
  ASSERT_FALSE(rr);
  EXPECT_EQ(rr.error().status(), 400);
}

TEST(EncoderBackend, RerankScoresEveryDocumentLikeTheModelDoes) {
  auto fx = make_encoder({.n_ctx = 24, .pooling = model::Pooling::kRank});
  ASSERT_TRUE(fx.model);
  EncoderBackend backend(fx.model, {.model_name = "rr", .threads = 2});
  const std::vector<std::string> docs = {"the quick brown fox", "lazy dog", "hello world",
                                         "a very long document w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16"};
  auto r = rerank(backend, {.model = "rr", .query = "fox", .documents = docs});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->scores.size(), docs.size());
  // Each score is sigmoid of the model's logit for (query, document), computed here one pair at a time.
  kernels::ThreadPool pool(1);
  std::int64_t tokens = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto ids = fx.model->tokenize_pair("fox", docs[i]);
    if (ids.size() > 24) {
      const auto last = ids.back();
      ids.resize(24);
      ids.back() = last;
    }
    tokens += static_cast<std::int64_t>(ids.size());
    std::vector<std::vector<tokenizer::TokenId>> one = {ids};
    auto out = fx.model->forward(one, pool);
    ASSERT_TRUE(out);
    EXPECT_NEAR(r->scores[i], 1.0 / (1.0 + std::exp(-(*out)[0][0])), 1e-5);
    EXPECT_GE(r->scores[i], 0.0f);
    EXPECT_LE(r->scores[i], 1.0f);
  }
  EXPECT_EQ(r->prompt_tokens, tokens);
  auto e = embed(backend, {.model = "rr", .inputs = {std::string("a")}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().param, "model");
}

TEST(EncoderBackend, DestructionAnswersQueuedCalls) {
  auto fx = make_encoder({.n_ctx = 64});
  ASSERT_TRUE(fx.model);
  std::vector<std::future<Result<api::EmbeddingResult>>> futures;
  {
    EncoderBackend backend(fx.model, {.model_name = "emb", .threads = 1});
    for (int i = 0; i < 20; ++i) {
      auto p = std::make_shared<std::promise<Result<api::EmbeddingResult>>>();
      futures.push_back(p->get_future());
      backend.embed({.model = "emb", .inputs = {std::string("hello world w") + std::to_string(i)}},
                    [p](Result<api::EmbeddingResult> r) { p->set_value(std::move(r)); });
    }
  }
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    auto r = f.get();
    if (!r) {
      EXPECT_EQ(r.error().status(), 503);
    }
  }
}

}  // namespace
}  // namespace sovra::routing
