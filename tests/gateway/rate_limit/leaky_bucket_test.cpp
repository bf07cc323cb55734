#include "gateway/rate_limit/leaky_bucket.hpp"

#include <gtest/gtest.h>

#include "gateway/rate_limit/counters.hpp"
#include "gateway/rate_limit/rate_limit_headers.hpp"

namespace sovra::gateway::rate_limit {
namespace {

TEST(LeakyBucket, AdmitsExactlyTheLimitAtOnceThenOneUnitPerIntervalOfTime) {
  Bucket b;
  const std::int64_t limit = 600;  // per minute: one unit every 100 ms (100 ticks of 1 ms)
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) {
    auto c = check(b, 0, limit, 1);
    if (c.admitted) {
      ++admitted;
      b = {c.level, 0};
    } else {
      EXPECT_EQ(c.retry_after_ticks, 100);
    }
  }
  EXPECT_EQ(admitted, 600);
  EXPECT_FALSE(check(b, 99, limit, 1).admitted);
  EXPECT_TRUE(check(b, 100, limit, 1).admitted);
  EXPECT_EQ(remaining_units(drained(b, 60'000, limit), limit), 600);  // a full window later: all back
  EXPECT_EQ(ticks_to_empty(b.level, limit), 60'000);
}

TEST(LeakyBucket, CostLargerThanTheLimitIsNeverAdmitted) {
  auto c = check({}, 0, 100, 101);
  EXPECT_FALSE(c.admitted);
  EXPECT_EQ(c.retry_after_ticks, -1);
  EXPECT_TRUE(check({}, 0, 100, 100).admitted);
}

TEST(LeakyBucket, AdjustGivesBackAndChargesWithoutGoingBelowZero) {
  Bucket b{check({}, 0, 1000, 800).level, 0};
  EXPECT_EQ(remaining_units(b.level, 1000), 200);
  b.level = adjusted(b, 0, 1000, -700);  // used 100 of 800 reserved
  EXPECT_EQ(remaining_units(b.level, 1000), 900);
  b.level = adjusted(b, 0, 1000, -5000);
  EXPECT_EQ(b.level, 0);
  b.level = adjusted(b, 0, 1000, 1500);  // more than the limit: a debt that must drain first
  EXPECT_EQ(remaining_units(b.level, 1000), 0);
  EXPECT_FALSE(check(b, 0, 1000, 1).admitted);
}

TEST(LeakyBucket, LongIdleBucketsDoNotOverflow) {
  const std::int64_t limit = kMaxLimit;
  Bucket b{check({}, 0, limit, limit).level, 0};
  EXPECT_EQ(drained(b, std::int64_t{1} << 60, limit), 0);
  EXPECT_EQ(tick_of(1'700'000'000'000, kDayMs), 1'700'000'000'000 / 1440);
}

TEST(RateLimitHeaders, DurationsAreFormattedLikeOpenAIs) {
  EXPECT_EQ(format_duration(0), "0ms");
  EXPECT_EQ(format_duration(20), "20ms");
  EXPECT_EQ(format_duration(1000), "1s");
  EXPECT_EQ(format_duration(1500), "1.5s");
  EXPECT_EQ(format_duration(360'000), "6m0s");
  EXPECT_EQ(format_duration(61'250), "1m1.25s");
  EXPECT_EQ(format_duration(3'723'000), "1h2m3s");
  std::vector<http::Header> h;
  add_retry_after(h, 1001);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].name, "retry-after");
  EXPECT_EQ(h[0].value, "2");
  EXPECT_EQ(h[1].value, "1001");
}

}  // namespace
}  // namespace sovra::gateway::rate_limit
