#include "engine/sampling/truncation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/sampling/rng.hpp"

namespace sovra::sampling {
namespace {

// Logits shifted so the largest is 0, as the sampler hands them over.
std::vector<Candidate> random_candidates(std::size_t n, std::uint64_t seed, double spread) {
  Rng rng(seed);
  std::vector<Candidate> c(n);
  float max = -1e30f;
  for (std::size_t i = 0; i < n; ++i) {
    c[i] = {static_cast<TokenId>(i), static_cast<float>((rng.uniform() - 0.5) * spread)};
    max = std::max(max, c[i].logit);
  }
  // Some exact ties, which the total order must settle by id.
  if (n > 10) c[n / 2].logit = c[n / 3].logit;
  for (Candidate& x : c) x.logit -= max;
  return c;
}

std::vector<TokenId> ids(const std::vector<Candidate>& c) {
  std::vector<TokenId> out;
  for (const Candidate& x : c) out.push_back(x.id);
  return out;
}

// Full sort, then the shortest prefix reaching top_p of the mass (summed in the input order, as the code does).
std::vector<TokenId> reference_top_p(std::vector<Candidate> c, float top_p) {
  double total = 0.0;
  for (const Candidate& x : c) total += std::exp(static_cast<double>(x.logit));
  std::sort(c.begin(), c.end(), ranks_before);
  double mass = 0.0;
  std::size_t kept = 0;
  while (kept < c.size()) {
    mass += std::exp(static_cast<double>(c[kept].logit));
    ++kept;
    if (mass >= static_cast<double>(top_p) * total) break;
  }
  c.resize(kept);
  return ids(c);
}

TEST(SamplerTruncation, TopKKeepsTheKBestSortedWithTiesByLowerId) {
  std::vector<Candidate> c = {{0, -1.0f}, {1, 0.0f}, {2, -0.5f}, {3, -0.5f}, {4, -3.0f}};
  EXPECT_TRUE(keep_top_k(c, 3));
  EXPECT_EQ(ids(c), (std::vector<TokenId>{1, 2, 3}));
  std::vector<Candidate> d = {{0, -1.0f}, {1, 0.0f}};
  EXPECT_FALSE(keep_top_k(d, 0));
  EXPECT_FALSE(keep_top_k(d, 2));
  EXPECT_FALSE(keep_top_k(d, 100));
  EXPECT_EQ(ids(d), (std::vector<TokenId>{0, 1}));  // untouched, unsorted
}

TEST(SamplerTruncation, TopPMatchesAFullSortAtEveryScale) {
  // Sizes around the incremental sort's chunk edges (64, 64 + 256, ...) and a 150k vocabulary.
  for (const std::size_t n : {1u, 2u, 63u, 64u, 65u, 320u, 321u, 5000u, 150000u}) {
    for (const double spread : {0.5, 8.0, 40.0}) {
      for (const float top_p : {0.05f, 0.5f, 0.9f, 0.999f}) {
        const std::vector<Candidate> input = random_candidates(n, n * 31 + static_cast<std::uint64_t>(spread), spread);
        std::vector<Candidate> got = input;
        keep_top_p(got, top_p, false);
        ASSERT_EQ(ids(got), reference_top_p(input, top_p)) << "n=" << n << " spread=" << spread << " p=" << top_p;
        ASSERT_FALSE(got.empty());
      }
    }
  }
}

TEST(SamplerTruncation, TopPOnAlreadySortedInputAndTopPOne) {
  std::vector<Candidate> c = {{3, 0.0f}, {1, std::log(0.5f)}, {0, std::log(0.25f)}};
  keep_top_p(c, 0.6f, true);  // mass 1/1.75 = 0.57 < 0.6, then 0.86
  EXPECT_EQ(ids(c), (std::vector<TokenId>{3, 1}));
  std::vector<Candidate> all = {{0, -2.0f}, {1, 0.0f}, {2, -1.0f}};
  keep_top_p(all, 1.0f, false);
  EXPECT_EQ(ids(all), (std::vector<TokenId>{0, 1, 2}));
}

TEST(SamplerTruncation, MinPKeepsTokensWithinTheRatioOfTheBest) {
  std::vector<Candidate> c = {{0, std::log(0.5f)}, {1, 0.0f}, {2, std::log(0.09f)}, {3, std::log(0.1f)}};
  keep_min_p(c, 0.1f);
  EXPECT_EQ(ids(c), (std::vector<TokenId>{0, 1, 3}));
  keep_min_p(c, 1.0f);
  EXPECT_EQ(ids(c), (std::vector<TokenId>{1}));
  std::vector<Candidate> d = {{0, -50.0f}, {1, 0.0f}};
  keep_min_p(d, 0.0f);
  EXPECT_EQ(d.size(), 2u);
}

TEST(SamplerTruncation, DrawWalksTheCumulativeMass) {
  std::vector<double> scratch;
  const auto draw = [&scratch](std::span<const Candidate> c, double u) { return draw_candidate(c, u, scratch); };
  // Probabilities 0.25, 0.5, 0.25 in list order.
  const std::vector<Candidate> c = {{7, std::log(0.5f)}, {3, 0.0f}, {9, std::log(0.5f)}};
  EXPECT_EQ(draw(c, 0.0), 7);
  EXPECT_EQ(draw(c, 0.2499), 7);
  EXPECT_EQ(draw(c, 0.2501), 3);
  EXPECT_EQ(draw(c, 0.7499), 3);
  EXPECT_EQ(draw(c, 0.7501), 9);
  EXPECT_EQ(draw(c, 0.9999999999999999), 9);
  // A candidate whose probability underflows to 0 is never drawn, even at the ends.
  const std::vector<Candidate> z = {{1, -1e30f}, {2, 0.0f}, {3, -1e30f}};
  EXPECT_EQ(draw(z, 0.0), 2);
  EXPECT_EQ(draw(z, 0.9999999999999999), 2);
}

}  // namespace
}  // namespace sovra::sampling
