#include "engine/sampling/row.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace sovra::sampling {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(SamplerRow, MaxAndArgmaxAtEveryPositionAndLength) {
  // Lengths around the 8-lane blocking; the maximum in every lane and in the tail.
  for (std::size_t n = 1; n <= 37; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      std::vector<float> row(n, -1.0f);
      row[at] = 2.5f;
      EXPECT_EQ(row_max(row), 2.5f) << n << " " << at;
      EXPECT_EQ(row_argmax(row), static_cast<TokenId>(at)) << n << " " << at;
    }
  }
}

TEST(SamplerRow, TiesGoToTheLowestIndexAndInfinitiesWork) {
  const std::vector<float> ties = {0.0f, 3.0f, 1.0f, 3.0f, 3.0f, 0.0f, 0.0f, 0.0f, 0.0f, 3.0f};
  EXPECT_EQ(row_argmax(ties), 1);
  const std::vector<float> banned(19, -kInf);
  EXPECT_EQ(row_max(banned), -kInf);
  EXPECT_EQ(row_argmax(banned), 0);
  std::vector<float> one(19, -kInf);
  one[17] = -1e30f;
  EXPECT_EQ(row_argmax(one), 17);
  const std::vector<float> negative = {-5.0f, -3.0f, -4.0f};
  EXPECT_EQ(row_max(negative), -3.0f);
}

}  // namespace
}  // namespace sovra::sampling
