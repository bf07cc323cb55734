#include "engine/sampling/sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "engine/sampling/rng.hpp"

namespace sovra::sampling {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Sampler make(SamplerParams params) {
  auto s = Sampler::create(std::move(params));
  EXPECT_TRUE(s) << s.error().message;
  return std::move(s).value();
}

TokenId sample_ok(Sampler& s, std::span<const float> logits, std::span<const TokenId> recent = {}) {
  auto r = s.sample(logits, recent);
  EXPECT_TRUE(r) << r.error().message;
  return r ? r->token : -1;
}

std::vector<TokenId> run(SamplerParams params, const std::vector<float>& logits, int n) {
  Sampler s = make(std::move(params));
  std::vector<TokenId> out;
  for (int i = 0; i < n; ++i) out.push_back(sample_ok(s, logits));
  return out;
}

TEST(SamplerRng, MatchesPublishedXoshiro256StarStarFromSplitmix64) {
  // xoshiro256** with its state filled by splitmix64(0), as published by the authors and reproduced by
  // independent implementations.
  Rng rng(0);
  EXPECT_EQ(rng.next_u64(), 0x99ec5f36cb75f2b4ULL);
  EXPECT_EQ(rng.next_u64(), 0xbf6e1f784956452aULL);
  EXPECT_EQ(rng.next_u64(), 0x1a5f849d4933e6e0ULL);
  EXPECT_EQ(rng.next_u64(), 0x6aa594f1262d2d2cULL);
  Rng u(7);
  for (int i = 0; i < 1000; ++i) {
    const double x = u.uniform();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
  }
}

struct BadParams {
  SamplerParams params;
  const char* param;
};

TEST(SamplerParamsTest, RejectsOutOfRangeAndNaN) {
  const std::vector<BadParams> cases = {
      {{.temperature = -0.1f}, "temperature"},
      {{.temperature = kNaN}, "temperature"},
      {{.temperature = kInf}, "temperature"},
      {{.top_k = -1}, "top_k"},
      {{.top_p = 0.0f}, "top_p"},
      {{.top_p = 1.5f}, "top_p"},
      {{.top_p = kNaN}, "top_p"},
      {{.min_p = -0.1f}, "min_p"},
      {{.min_p = kNaN}, "min_p"},
      {{.repetition_penalty = 0.0f}, "repetition_penalty"},
      {{.repetition_penalty = kNaN}, "repetition_penalty"},
      {{.presence_penalty = 2.5f}, "presence_penalty"},
      {{.frequency_penalty = kNaN}, "frequency_penalty"},
      {{.penalty_window = -2}, "penalty_window"},
      {{.logit_bias = {{.token = 1, .bias = kNaN}}}, "logit_bias"},
      {{.logit_bias = {{.token = 1, .bias = kInf}}}, "logit_bias"},
      {{.logit_bias = {{.token = -3, .bias = 1.0f}}}, "logit_bias"},
      {{.stop_token_ids = {-1}}, "stop_token_ids"},
      {{.logprobs = true, .top_logprobs = kMaxTopLogprobs + 1}, "top_logprobs"},
      {{.top_logprobs = 2}, "top_logprobs"},
  };
  for (const BadParams& c : cases) {
    auto s = Sampler::create(c.params);
    ASSERT_FALSE(s) << c.param;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << c.param;
    EXPECT_EQ(s.error().param, c.param);
    EXPECT_FALSE(s.error().message.empty());
  }
  EXPECT_TRUE(Sampler::create({.temperature = 0.7f, .top_p = 0.9f, .seed = 42}));
  EXPECT_TRUE(Sampler::create({.logit_bias = {{.token = 3, .bias = -kInf}}}));
}

TEST(SamplerTest, GreedyPicksArgmaxAndLowestIdOnTies) {
  Sampler s = make({.temperature = 0.0f});
  const std::vector<float> logits = {0.1f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(sample_ok(s, logits), 1);
  const std::vector<float> single = {-3.0f};
  EXPECT_EQ(sample_ok(s, single), 0);
  // Below kGreedyBelowTemperature a temperature behaves as 0.
  Sampler tiny = make({.temperature = 1e-7f, .seed = 3});
  for (int i = 0; i < 50; ++i) EXPECT_EQ(sample_ok(tiny, logits), 1);
}

TEST(SamplerTest, RejectsNaNInfAndEmptyLogits) {
  Sampler s = make({.temperature = 0.8f});
  const std::vector<float> nan_row = {0.0f, kNaN, 1.0f};
  auto r = s.sample(nan_row);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("logit 1"), std::string::npos) << r.error().message;
  const std::vector<float> inf_row = {0.0f, kInf};
  EXPECT_FALSE(s.sample(inf_row));
  EXPECT_FALSE(s.sample(std::span<const float>{}));
  // Greedy checks too: an argmax over NaN would be meaningless.
  Sampler g = make({.temperature = 0.0f});
  EXPECT_FALSE(g.sample(nan_row));
}

TEST(SamplerTest, AllBannedButOneAlwaysPicksIt) {
  const std::vector<float> logits = {-kInf, -kInf, 0.5f, -kInf, -kInf};
  for (const SamplerParams& p : std::vector<SamplerParams>{{.temperature = 0.0f},
                                                           {.temperature = 1.0f, .seed = 1},
                                                           {.temperature = 1.5f, .top_k = 2, .seed = 2},
                                                           {.temperature = 0.5f, .top_p = 0.1f, .seed = 3},
                                                           {.temperature = 1.0f, .min_p = 1.0f, .seed = 4},
                                                           {.logprobs = true, .top_logprobs = 3}}) {
    Sampler s = make(p);
    for (int i = 0; i < 20; ++i) {
      auto r = s.sample(logits);
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ(r->token, 2);
      if (p.logprobs) {
        EXPECT_FLOAT_EQ(r->logprob, 0.0f);
        ASSERT_EQ(r->top_logprobs.size(), 1u);  // banned tokens are never alternatives
        EXPECT_EQ(r->top_logprobs[0].token, 2);
      }
    }
  }
}

TEST(SamplerTest, EverythingBannedIsAnError) {
  const std::vector<float> logits = {-kInf, -kInf};
  Sampler s = make({});
  auto r = s.sample(logits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  Sampler banned =
      make({.temperature = 0.0f, .logit_bias = {{.token = 0, .bias = -kInf}, {.token = 1, .bias = -kInf}}});
  const std::vector<float> finite = {1.0f, 2.0f};
  EXPECT_FALSE(banned.sample(finite));
}

TEST(SamplerTest, LogitBiasBansAndPromotes) {
  const std::vector<float> logits = {1.0f, 3.0f, 2.0f};
  Sampler ban = make({.temperature = 0.0f, .logit_bias = {{.token = 1, .bias = -kInf}}});
  EXPECT_EQ(sample_ok(ban, logits), 2);
  Sampler promote = make({.temperature = 0.0f, .logit_bias = {{.token = 0, .bias = 5.0f}}});
  EXPECT_EQ(sample_ok(promote, logits), 0);
  // Entries for the same token add up.
  Sampler twice = make({.temperature = 0.0f, .logit_bias = {{.token = 0, .bias = 1.5f}, {.token = 0, .bias = 1.0f}}});
  EXPECT_EQ(sample_ok(twice, logits), 0);
  // A banned token is never sampled, whatever the seed.
  Sampler hot = make({.temperature = 2.0f, .logit_bias = {{.token = 1, .bias = -kInf}}, .seed = 9});
  for (int i = 0; i < 500; ++i) EXPECT_NE(sample_ok(hot, logits), 1);
  Sampler outside = make({.logit_bias = {{.token = 3, .bias = 1.0f}}});
  auto r = outside.sample(logits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().param, "logit_bias");
}

TEST(SamplerTest, PenaltyWindowLimitsWhichTokensArePenalised) {
  const std::vector<float> logits = {3.0f, 2.9f, 0.0f};
  const std::vector<TokenId> recent = {0, 2};
  // Token 0 is in the window: presence drops it below token 1.
  Sampler all = make({.temperature = 0.0f, .presence_penalty = 1.0f, .penalty_window = -1});
  EXPECT_EQ(sample_ok(all, logits, recent), 1);
  // Only the last entry (token 2) is in a window of 1.
  Sampler last = make({.temperature = 0.0f, .presence_penalty = 1.0f, .penalty_window = 1});
  EXPECT_EQ(sample_ok(last, logits, recent), 0);
  Sampler off = make({.temperature = 0.0f, .presence_penalty = 1.0f, .penalty_window = 0});
  EXPECT_EQ(sample_ok(off, logits, recent), 0);
  // Repetition penalty divides the positive logit: 3 / 1.1 < 2.9.
  Sampler rep = make({.temperature = 0.0f, .repetition_penalty = 1.1f});
  EXPECT_EQ(sample_ok(rep, logits, recent), 1);
  const std::vector<TokenId> bad = {0, 7};
  auto r = all.sample(logits, bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(SamplerTest, OverflowAfterPenaltiesIsAnError) {
  const std::vector<float> logits = {3e38f, 1.0f};
  const std::vector<TokenId> recent = {0};
  Sampler s = make({.temperature = 0.0f, .repetition_penalty = 0.01f});
  EXPECT_FALSE(s.sample(logits, recent));
}

TEST(SamplerTest, StopTokenIsReportedAsFinishReason) {
  const std::vector<float> logits = {0.0f, 5.0f, 1.0f};
  Sampler s = make({.temperature = 0.0f, .stop_token_ids = {1}});
  auto r = s.sample(logits);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->token, 1);
  EXPECT_EQ(r->finish, FinishReason::kStopToken);
  Sampler other = make({.temperature = 0.0f, .stop_token_ids = {2}});
  auto r2 = other.sample(logits);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->finish, FinishReason::kNone);
}

TEST(SamplerTest, SameSeedSameTokensDifferentSeedDifferentTokens) {
  std::vector<float> logits(50);
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i)) * 2.0f;
  const SamplerParams p{.temperature = 1.3f, .top_k = 30, .top_p = 0.95f, .min_p = 0.01f, .seed = 1234};
  const auto a = run(p, logits, 1000);
  const auto b = run(p, logits, 1000);
  EXPECT_EQ(a, b);
  SamplerParams q = p;
  q.seed = 1235;
  EXPECT_NE(run(q, logits, 1000), a);
}

TEST(SamplerTest, FixedSeedGivesARecordedSequence) {
  // Pins the whole pipeline (PRNG, draw order, arithmetic): a change here changes every seeded request.
  const std::vector<float> logits = {0.0f, 1.0f, 2.0f, 0.5f, -1.0f};
  const auto tokens = run({.temperature = 1.0f, .seed = 42}, logits, 12);
  // Computed independently (Python, float64) from the published generator and the documented draw rule.
  const std::vector<TokenId> expected = {1, 2, 2, 3, 4, 2, 2, 3, 2, 2, 2, 2};
  EXPECT_EQ(tokens, expected);
}

TEST(SamplerTest, TopKLargerThanVocabAndTopPOneAreNoOps) {
  std::vector<float> logits(20);
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = std::cos(static_cast<float>(i) * 0.7f);
  const auto base = run({.temperature = 0.9f, .seed = 5}, logits, 300);
  EXPECT_EQ(run({.temperature = 0.9f, .top_k = 1000, .seed = 5}, logits, 300), base);
  EXPECT_EQ(run({.temperature = 0.9f, .top_k = 20, .seed = 5}, logits, 300), base);
  EXPECT_EQ(run({.temperature = 0.9f, .top_p = 1.0f, .seed = 5}, logits, 300), base);
  EXPECT_EQ(run({.temperature = 0.9f, .min_p = 0.0f, .seed = 5}, logits, 300), base);
}

TEST(SamplerTest, TruncationLimitsTheSupport) {
  // softmax(log p) = p: probabilities 0.5, 0.3, 0.15, 0.05.
  const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  const auto support = [&](SamplerParams p) {
    std::set<TokenId> seen;
    for (TokenId t : run(std::move(p), logits, 2000)) seen.insert(t);
    return seen;
  };
  EXPECT_EQ(support({.seed = 1}), (std::set<TokenId>{0, 1, 2, 3}));
  EXPECT_EQ(support({.top_k = 1, .seed = 1}), (std::set<TokenId>{0}));
  EXPECT_EQ(support({.top_k = 2, .seed = 1}), (std::set<TokenId>{0, 1}));
  EXPECT_EQ(support({.top_p = 0.7f, .seed = 1}), (std::set<TokenId>{0, 1}));
  EXPECT_EQ(support({.top_p = 0.85f, .seed = 1}), (std::set<TokenId>{0, 1, 2}));
  EXPECT_EQ(support({.top_p = 0.01f, .seed = 1}), (std::set<TokenId>{0}));
  EXPECT_EQ(support({.min_p = 0.5f, .seed = 1}), (std::set<TokenId>{0, 1}));  // 0.3 >= 0.25, 0.15 < 0.25
  EXPECT_EQ(support({.min_p = 0.2f, .seed = 1}), (std::set<TokenId>{0, 1, 2}));
  // Temperature reshapes before truncation: at T = 0.5 the probabilities are ∝ p² (0.685, 0.247, ...), so
  // top_p 0.6 keeps token 0 alone, where at T = 1 it needs tokens 0 and 1.
  EXPECT_EQ(support({.temperature = 0.5f, .top_p = 0.6f, .seed = 1}), (std::set<TokenId>{0}));
}

TEST(SamplerLogprobs, AreTheLogSoftmaxAfterPenaltiesAndBias) {
  const std::vector<float> logits = {1.0f, 2.0f, 3.0f, 0.0f};
  const double z = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0) + std::exp(0.0));
  for (const float temperature : {0.0f, 0.5f, 2.0f}) {
    Sampler s = make({.temperature = temperature, .top_k = 2, .seed = 8, .logprobs = true, .top_logprobs = 3});
    auto r = s.sample(logits);
    ASSERT_TRUE(r);
    // Temperature and truncation do not change what is reported.
    EXPECT_NEAR(r->logprob, logits[static_cast<std::size_t>(r->token)] - z, 1e-6);
    ASSERT_EQ(r->top_logprobs.size(), 3u);
    EXPECT_EQ(r->top_logprobs[0].token, 2);
    EXPECT_EQ(r->top_logprobs[1].token, 1);
    EXPECT_EQ(r->top_logprobs[2].token, 0);
    EXPECT_NEAR(r->top_logprobs[0].logprob, 3.0 - z, 1e-6);
    EXPECT_NEAR(r->top_logprobs[2].logprob, 1.0 - z, 1e-6);
  }
  // Bias counts: banning token 2 renormalises over the rest.
  Sampler b =
      make({.temperature = 0.0f, .logit_bias = {{.token = 2, .bias = -kInf}}, .logprobs = true, .top_logprobs = 4});
  auto r = b.sample(logits);
  ASSERT_TRUE(r);
  const double z2 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(0.0));
  EXPECT_EQ(r->token, 1);
  EXPECT_NEAR(r->logprob, 2.0 - z2, 1e-6);
  ASSERT_EQ(r->top_logprobs.size(), 3u);
  EXPECT_EQ(r->top_logprobs[2].token, 3);
  // Without logprobs nothing is computed.
  Sampler none = make({.temperature = 0.0f});
  auto n = none.sample(logits);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->top_logprobs.empty());
}

TEST(SamplerLogprobs, TiesAreOrderedByIdAndLargeLogitsStayFinite) {
  const std::vector<float> logits = {5.0f, 7.0f, 7.0f, 5.0f, 1000.0f};
  Sampler s = make({.temperature = 0.0f, .logprobs = true, .top_logprobs = 4});
  auto r = s.sample(logits);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->token, 4);
  EXPECT_NEAR(r->logprob, 0.0f, 1e-6);
  ASSERT_EQ(r->top_logprobs.size(), 4u);
  EXPECT_EQ(r->top_logprobs[1].token, 1);
  EXPECT_EQ(r->top_logprobs[2].token, 2);
  EXPECT_EQ(r->top_logprobs[3].token, 0);
  EXPECT_TRUE(std::isfinite(r->top_logprobs[3].logprob));
}

}  // namespace
}  // namespace sovra::sampling
