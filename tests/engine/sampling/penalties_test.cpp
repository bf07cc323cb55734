#include "engine/sampling/penalties.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace sovra::sampling {
namespace {

TEST(SamplerPenalties, RepetitionDividesPositiveAndMultipliesNegativeLogitsOncePerToken) {
  std::vector<float> logits = {2.0f, -2.0f, 1.0f, 0.0f};
  std::vector<std::int32_t> scratch;
  const std::vector<std::int32_t> window = {0, 1, 1, 1, 3};
  ASSERT_TRUE(apply_penalties(logits, window, {.repetition = 2.0f}, scratch));
  EXPECT_FLOAT_EQ(logits[0], 1.0f);
  EXPECT_FLOAT_EQ(logits[1], -4.0f);  // three occurrences, penalised once (CTRL)
  EXPECT_FLOAT_EQ(logits[2], 1.0f);   // not in the window
  EXPECT_FLOAT_EQ(logits[3], 0.0f);   // zero stays zero
}

TEST(SamplerPenalties, PresenceOnceFrequencyPerOccurrence) {
  std::vector<float> logits = {2.0f, -2.0f, 1.0f};
  std::vector<std::int32_t> scratch;
  const std::vector<std::int32_t> window = {1, 0, 1, 1};
  ASSERT_TRUE(apply_penalties(logits, window, {.presence = 0.5f, .frequency = 0.25f}, scratch));
  EXPECT_FLOAT_EQ(logits[0], 2.0f - 0.25f - 0.5f);
  EXPECT_FLOAT_EQ(logits[1], -2.0f - 3 * 0.25f - 0.5f);
  EXPECT_FLOAT_EQ(logits[2], 1.0f);
  // Negative values encourage repeats (OpenAI allows -2..2).
  std::vector<float> again = {0.0f};
  const std::vector<std::int32_t> one = {0};
  ASSERT_TRUE(apply_penalties(again, one, {.presence = -1.0f}, scratch));
  EXPECT_FLOAT_EQ(again[0], 1.0f);
}

TEST(SamplerPenalties, CombinedRepetitionThenPresenceAndFrequency) {
  std::vector<float> logits = {3.0f, -1.0f};
  std::vector<std::int32_t> scratch;
  const std::vector<std::int32_t> window = {0, 0, 1};
  ASSERT_TRUE(apply_penalties(logits, window, {.repetition = 1.5f, .presence = 0.1f, .frequency = 0.2f}, scratch));
  EXPECT_FLOAT_EQ(logits[0], 3.0f / 1.5f - 2 * 0.2f - 0.1f);
  EXPECT_FLOAT_EQ(logits[1], -1.0f * 1.5f - 0.2f - 0.1f);
}

TEST(SamplerPenalties, BannedStaysBannedAndBadTokensChangeNothing) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::vector<float> logits = {-kInf, 1.0f};
  std::vector<std::int32_t> scratch;
  const std::vector<std::int32_t> window = {0};
  ASSERT_TRUE(apply_penalties(logits, window, {.repetition = 1.3f, .presence = -2.0f, .frequency = -2.0f}, scratch));
  EXPECT_EQ(logits[0], -kInf);
  const std::vector<std::int32_t> bad = {1, 2};
  auto s = apply_penalties(logits, bad, {.presence = 1.0f}, scratch);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FLOAT_EQ(logits[1], 1.0f);  // checked before anything changed
  const std::vector<std::int32_t> negative = {-1};
  EXPECT_FALSE(apply_penalties(logits, negative, {.presence = 1.0f}, scratch));
  // Inactive penalties do not even look at the window.
  EXPECT_TRUE(apply_penalties(logits, bad, {}, scratch));
}

}  // namespace
}  // namespace sovra::sampling
