#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/sampling/sampler.hpp"
#include "engine/sampling/token_mask.hpp"

namespace sovra::sampling {
namespace {

TEST(TokenMask, ResetAllowBanCount) {
  TokenMask m;
  m.reset(70, true);
  EXPECT_EQ(m.count(), 70u);
  m.ban(69);
  m.ban(0);
  EXPECT_FALSE(m.allowed(69));
  EXPECT_TRUE(m.allowed(68));
  EXPECT_EQ(m.count(), 68u);
  m.reset(70, false);
  EXPECT_EQ(m.count(), 0u);
  m.allow(64);
  EXPECT_TRUE(m.allowed(64));
  EXPECT_EQ(m.count(), 1u);
}

TEST(SamplerMask, GreedyPicksTheBestAllowedToken) {
  auto s = Sampler::create({.temperature = 0.0f});
  ASSERT_TRUE(s);
  const std::vector<float> logits = {5.0f, 1.0f, 3.0f, 4.0f};
  TokenMask mask;
  mask.reset(4, false);
  mask.allow(1);
  mask.allow(2);
  auto t = s->sample(logits, {}, &mask);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->token, 2);
  auto unmasked = s->sample(logits, {});
  ASSERT_TRUE(unmasked);
  EXPECT_EQ(unmasked->token, 0);
}

TEST(SamplerMask, SampledTokensAreAlwaysAllowedAndLogprobsRenormalise) {
  auto s = Sampler::create({.temperature = 1.5f, .seed = 3, .logprobs = true, .top_logprobs = 5});
  ASSERT_TRUE(s);
  std::vector<float> logits(200);
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>((i * 37) % 11);
  TokenMask mask;
  mask.reset(logits.size(), false);
  for (TokenId t : {3, 64, 65, 130, 199}) mask.allow(t);
  for (int i = 0; i < 200; ++i) {
    auto t = s->sample(logits, {}, &mask);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_TRUE(mask.allowed(t->token));
    double total = 0;
    for (const TokenLogprob& lp : t->top_logprobs) {
      EXPECT_TRUE(mask.allowed(lp.token));
      total += std::exp(static_cast<double>(lp.logprob));
    }
    EXPECT_NEAR(total, 1.0, 1e-4);  // the five allowed tokens carry all the mass
  }
}

TEST(SamplerMask, WrongSizeAndAllBannedAreErrors) {
  auto s = Sampler::create({});
  ASSERT_TRUE(s);
  const std::vector<float> logits = {1.0f, 2.0f};
  TokenMask mask;
  mask.reset(3, true);
  auto wrong = s->sample(logits, {}, &mask);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("token mask"), std::string::npos);
  mask.reset(2, false);
  auto none = s->sample(logits, {}, &mask);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("token mask"), std::string::npos);
}

}  // namespace
}  // namespace sovra::sampling
