// Statistical and end-to-end checks of the sampler: empirical frequencies against softmax, and greedy decoding
// of real model logits.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/json.hpp"
#include "engine/sampling/sampler.hpp"

namespace sovra::sampling {
namespace {

// Draws `n` tokens and returns each token's empirical frequency.
std::vector<double> frequencies(SamplerParams params, const std::vector<float>& logits, int n) {
  auto s = Sampler::create(std::move(params));
  EXPECT_TRUE(s);
  std::vector<double> freq(logits.size(), 0.0);
  for (int i = 0; i < n; ++i) {
    auto r = s->sample(logits);
    EXPECT_TRUE(r);
    if (!r) break;
    freq[static_cast<std::size_t>(r->token)] += 1.0;
  }
  for (double& f : freq) f /= n;
  return freq;
}

std::vector<double> softmax(const std::vector<float>& logits, double temperature, std::size_t keep = 0) {
  std::vector<double> p(logits.size(), 0.0);
  double total = 0.0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (keep != 0 && i >= keep) continue;
    p[i] = std::exp(static_cast<double>(logits[i]) / temperature);
    total += p[i];
  }
  for (double& x : p) x /= total;
  return p;
}

// Each count is Binomial(n, p): its standard deviation is sqrt(n p (1 - p)). Five standard deviations bounds the
// chance that a correct sampler fails for a given seed at about 6e-7 per token, while a bias of 1% of the mass
// (at n = 200k, sigma <= 0.0011) cannot hide.
void expect_matches(const std::vector<double>& freq, const std::vector<double>& p, int n) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double sigma = std::sqrt(p[i] * (1.0 - p[i]) / n);
    EXPECT_NEAR(freq[i], p[i], 5.0 * sigma + 1e-12) << "token " << i;
  }
}

TEST(SamplerStatistics, TemperatureSamplingFrequenciesMatchSoftmax) {
  constexpr int kDraws = 200000;
  const std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 2.5f};
  for (const float temperature : {1.0f, 0.7f, 1.8f}) {
    const auto freq = frequencies({.temperature = temperature, .seed = 20240601}, logits, kDraws);
    expect_matches(freq, softmax(logits, temperature), kDraws);
  }
}

TEST(SamplerStatistics, TopKRenormalisesOverTheKept) {
  constexpr int kDraws = 200000;
  // Sorted descending so that "the first k" are the top k.
  const std::vector<float> logits = {2.0f, 1.5f, 1.0f, 0.2f, -0.3f};
  const auto freq = frequencies({.temperature = 0.9f, .top_k = 3, .seed = 77}, logits, kDraws);
  expect_matches(freq, softmax(logits, 0.9, 3), kDraws);
}

std::filesystem::path reference_path() {
  return std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "stories260K.reference.json";
}

TEST(SamplerReference, GreedyOnRealLogitsReproducesTheReferenceTokens) {
  const auto path = reference_path();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared test data missing: " << path;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto json = parse_json(text.str());
  ASSERT_TRUE(json) << json.error().message;
  const auto& logits_rows = json->at("logits_first4").as_array();
  const auto& generated = json->at("generated_token_ids").as_array();
  auto sampler = Sampler::create({.temperature = 0.0f, .logprobs = true, .top_logprobs = 5});
  ASSERT_TRUE(sampler);
  ASSERT_EQ(logits_rows.size(), 4u);
  for (std::size_t pos = 0; pos < logits_rows.size(); ++pos) {
    std::vector<float> logits;
    for (const auto& v : logits_rows[pos].as_array()) logits.push_back(static_cast<float>(v.to_number<double>()));
    ASSERT_EQ(logits.size(), 512u);
    auto r = sampler->sample(logits);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->token, generated[pos].to_number<std::int64_t>()) << "position " << pos;
    EXPECT_EQ(r->top_logprobs.front().token, r->token);
    EXPECT_LE(r->logprob, 0.0f);
  }
}

}  // namespace
}  // namespace sovra::sampling
