#include "api/anthropic/ratelimit_headers.hpp"

#include <gtest/gtest.h>

namespace sovra::api::anthropic {
namespace {

using std::chrono::milliseconds;

TEST(AnthropicRateLimitHeaders, ParsesOpenAIDurations) {
  EXPECT_EQ(parse_reset_duration("1s"), milliseconds(1000));
  EXPECT_EQ(parse_reset_duration("6m0s"), milliseconds(360000));
  EXPECT_EQ(parse_reset_duration("1h2m3.5s"), milliseconds(3723500));
  EXPECT_EQ(parse_reset_duration("20ms"), milliseconds(20));
  EXPECT_EQ(parse_reset_duration("30"), milliseconds(30000));
  EXPECT_FALSE(parse_reset_duration(""));
  EXPECT_FALSE(parse_reset_duration("soon"));
  EXPECT_FALSE(parse_reset_duration("5x"));
  EXPECT_FALSE(parse_reset_duration("-1s"));
}

TEST(AnthropicRateLimitHeaders, AddsAnthropicNamesAndKeepsTheRest) {
  // 2026-01-01T00:00:00Z
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
  auto out = anthropic_headers({{"x-ratelimit-limit-tokens", "10000"},
                                {"x-ratelimit-remaining-tokens", "9000"},
                                {"x-ratelimit-reset-tokens", "1m30s"},
                                {"retry-after", "2"}},
                               now);
  std::map<std::string, std::string> h;
  for (const auto& x : out) h[x.name] = x.value;
  EXPECT_EQ(h.size(), 7u);
  EXPECT_EQ(h["anthropic-ratelimit-tokens-limit"], "10000");
  EXPECT_EQ(h["anthropic-ratelimit-tokens-remaining"], "9000");
  EXPECT_EQ(h["anthropic-ratelimit-tokens-reset"], "2026-01-01T00:01:30Z");
  EXPECT_EQ(h["retry-after"], "2");
  EXPECT_EQ(h["x-ratelimit-reset-tokens"], "1m30s");
}

}  // namespace
}  // namespace sovra::api::anthropic
