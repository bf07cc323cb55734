#include "platform/billing/calendar.hpp"

#include <gtest/gtest.h>

namespace sovra::platform::billing {
namespace {

TEST(Calendar, MonthsAndBoundariesInUtc) {
  EXPECT_EQ(month_start({1970, 1}), 0);
  EXPECT_EQ(month_start({2026, 11}), 1793491200);  // date -u -d 2026-11-01 +%s
  EXPECT_EQ(month_start({2024, 3}) - month_start({2024, 2}), 29 * 86400);  // leap year
  EXPECT_EQ(month_of(1793491200), (Month{2026, 11}));
  EXPECT_EQ(month_of(1793491199), (Month{2026, 10}));
  EXPECT_EQ(next_month({2026, 12}), (Month{2027, 1}));
  EXPECT_EQ(format_month({2026, 1}), "2026-01");
}

TEST(Calendar, ParsesMonthsAndTimes) {
  EXPECT_EQ(*parse_month("2026-11"), (Month{2026, 11}));
  for (const char* bad : {"2026-13", "2026-1", "26-11", "2026/11", "", "2026-00"}) EXPECT_FALSE(parse_month(bad)) << bad;
  EXPECT_EQ(*parse_utc_time("2026-11-01"), 1793491200);
  EXPECT_EQ(*parse_utc_time("2026-11-01T01:02:03Z"), 1793491200 + 3723);
  EXPECT_EQ(*parse_utc_time("1793491200"), 1793491200);
  for (const char* bad : {"2026-02-30", "2026-11-01T25:00:00Z", "2026-11-01T01:02:03", "yesterday", ""}) {
    EXPECT_FALSE(parse_utc_time(bad)) << bad;
  }
  EXPECT_EQ(format_utc_date(1793491200 + 3723), "2026-11-01T01:02:03Z");
}

}  // namespace
}  // namespace sovra::platform::billing
