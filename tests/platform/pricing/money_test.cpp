#include "platform/pricing/money.hpp"

#include <gtest/gtest.h>

namespace sovra::platform::pricing {
namespace {

TEST(Money, ParsesAndFormatsExactDecimals) {
  EXPECT_EQ(parse_money("0")->nanos, 0);
  EXPECT_EQ(parse_money("12")->nanos, 12'000'000'000);
  EXPECT_EQ(parse_money("0.5")->nanos, 500'000'000);
  EXPECT_EQ(parse_money("-3.000000125")->nanos, -3'000'000'125);
  EXPECT_EQ(parse_money("0.000000001")->nanos, 1);
  for (const char* s : {"0", "12", "0.5", "-3.000000125", "0.000000001", "9223372036.854775807"}) {
    auto m = parse_money(s);
    ASSERT_TRUE(m) << s;
    EXPECT_EQ(format_money(*m), s);
  }
}

TEST(Money, RejectsWhatIsNotAnExactDecimal) {
  for (const char* s : {"", "-", ".5", "5.", "1e3", "+1", "0.0000000001", "1,5", "abc", "1.2.3", " 1",
                        "9223372037"}) {
    EXPECT_FALSE(parse_money(s)) << s;
  }
}

TEST(Money, SumsOfTenthsAreExactWhereDoublesAreNot) {
  Money total;
  const Money tenth = *parse_money("0.1");
  for (int i = 0; i < 1000; ++i) total = *add(total, tenth);
  EXPECT_EQ(format_money(total), "100");
}

TEST(Money, FixedFormattingRoundsHalfAwayFromZero) {
  EXPECT_EQ(format_money_fixed(*parse_money("1.005"), 2), "1.01");
  EXPECT_EQ(format_money_fixed(*parse_money("1.004999999"), 2), "1.00");
  EXPECT_EQ(format_money_fixed(*parse_money("-1.005"), 2), "-1.01");
  EXPECT_EQ(format_money_fixed(*parse_money("-0.001"), 2), "0.00");
  EXPECT_EQ(format_money_fixed(*parse_money("7"), 0), "7");
  EXPECT_EQ(format_money_fixed(*parse_money("0.123456789"), 9), "0.123456789");
}

TEST(Money, ArithmeticFailsInsteadOfOverflowing) {
  const Money big{INT64_MAX - 1};
  EXPECT_FALSE(add(big, Money{2}));
  EXPECT_FALSE(multiply(big, 2));
  EXPECT_TRUE(multiply(Money{3}, -2));
  EXPECT_EQ(multiply(Money{3}, -2)->nanos, -6);
  EXPECT_FALSE(multiply_ratio(big, 3, 1));
  EXPECT_FALSE(multiply_ratio(Money{1}, 1, 0));
}

TEST(Money, RatioRoundsHalfAwayFromZero) {
  EXPECT_EQ(multiply_ratio(Money{10}, 1, 4)->nanos, 3);    // 2.5 → 3
  EXPECT_EQ(multiply_ratio(Money{10}, 1, 3)->nanos, 3);    // 3.33 → 3
  EXPECT_EQ(multiply_ratio(Money{-10}, 1, 4)->nanos, -3);  // -2.5 → -3
  EXPECT_EQ(multiply_ratio(Money{INT64_MAX}, 1000, 1000)->nanos, INT64_MAX);  // no 64-bit intermediate overflow
}

}  // namespace
}  // namespace sovra::platform::pricing
