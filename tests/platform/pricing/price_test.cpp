#include "platform/pricing/price.hpp"

#include <gtest/gtest.h>

#include "platform/billing/calendar.hpp"
#include "platform/pricing/price_book.hpp"
#include "platform/pricing/price_json.hpp"

namespace sovra::platform::pricing {
namespace {

Price price(std::string in, std::string cached, std::string out, std::int64_t from = 0) {
  Price p;
  p.id = "price_" + std::to_string(from);
  p.model = "tiny";
  p.currency = "EUR";
  p.effective_from = from;
  p.input_per_1m = *parse_money(in);
  p.cached_input_per_1m = *parse_money(cached);
  p.output_per_1m = *parse_money(out);
  return p;
}

TEST(Price, CostIsExactPerToken) {
  const Price p = price("0.125", "0.05", "0.4");
  // 1000 uncached × 0.000000125 + 500 cached × 0.00000005 + 333 output × 0.0000004
  auto c = cost_of(p, {.input_tokens = 1500, .cached_tokens = 500, .output_tokens = 333});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->nanos, 1000 * 125 + 500 * 50 + 333 * 400);
  EXPECT_EQ(format_money(*c), "0.0002832");
}

TEST(Price, CachedTokensNeverExceedInputAndNegativeCountsCostNothing) {
  const Price p = price("1", "0.5", "2");
  EXPECT_EQ(cost_of(p, {.input_tokens = 10, .cached_tokens = 99})->nanos, 10 * 500);
  EXPECT_EQ(cost_of(p, {.input_tokens = -5, .output_tokens = -1})->nanos, 0);
}

TEST(Price, AudioIsBilledByTheMillisecondAndPagesEach) {
  Price p = price("0", "0", "0");
  p.audio_minute = *parse_money("0.006");
  p.page = *parse_money("0.0015");
  EXPECT_EQ(format_money(*cost_of(p, {.audio_ms = 60'000})), "0.006");
  EXPECT_EQ(format_money(*cost_of(p, {.audio_ms = 11'000})), "0.0011");
  EXPECT_EQ(format_money(*cost_of(p, {.pages = 3})), "0.0045");
}

TEST(Price, WorstCaseAssumesNoCacheAndEveryOutputToken) {
  const Price p = price("1", "0.1", "3");
  EXPECT_EQ(worst_case_cost(p, 1000, 200)->nanos, 1000 * 1000 + 200 * 3000);
}

TEST(Price, ValidationNamesTheField) {
  Price p = price("0.1234", "0", "0");
  auto st = validate_price(p);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().param, "input_per_1m");
  p = price("0.1", "0", "0");
  p.currency = "eur";
  EXPECT_EQ(validate_price(p).error().param, "currency");
  p.currency = "SEK";
  EXPECT_TRUE(validate_price(p));
  p.output_per_1m = Money{-1'000'000};
  EXPECT_EQ(validate_price(p).error().param, "output_per_1m");
}

TEST(PriceBook, FindsThePriceInForceAtATime) {
  PriceBook book({price("2", "0", "0", 200), price("1", "0", "0", 100), price("3", "0", "0", 300)});
  EXPECT_EQ(book.find("tiny", "EUR", 99), nullptr);
  EXPECT_EQ(book.find("tiny", "EUR", 100)->id, "price_100");
  EXPECT_EQ(book.find("tiny", "EUR", 299)->id, "price_200");
  EXPECT_EQ(book.find("tiny", "EUR", 1000)->id, "price_300");
  EXPECT_EQ(book.find("tiny", "SEK", 1000), nullptr);
  EXPECT_EQ(book.find("other", "EUR", 1000), nullptr);
  auto now = book.current(250);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].id, "price_200");
}

TEST(PriceJson, ParsesStringsAndRejectsDoubles) {
  auto list = prices_from_json_text(
      R"({"prices":[{"model":"tiny","currency":"SEK","effective_from":"2026-11-01","input_per_1m":"1.5",)"
      R"("output_per_1m":3}]})",
      0);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].effective_from, *billing::parse_utc_time("2026-11-01"));
  EXPECT_EQ(format_money((*list)[0].input_per_1m), "1.5");
  EXPECT_EQ(format_money((*list)[0].output_per_1m), "3");
  auto bad = prices_from_json_text(R"([{"model":"tiny","currency":"EUR","input_per_1m":0.1}])", 0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().param, "input_per_1m");
  EXPECT_FALSE(prices_from_json_text(R"([{"model":"tiny","currency":"EUR","colour":"red"}])", 0));
  EXPECT_FALSE(prices_from_json_text(R"({"nope":1})", 0));
  EXPECT_FALSE(prices_from_json_text("[1", 0));
}

TEST(PriceJson, RoundTrips) {
  const Price p = price("0.125", "0.05", "0.4", 1700000000);
  const auto o = price_json(p);
  auto back = price_from_json(o, 0);
  ASSERT_TRUE(back) << back.error().message;
  Price expected = p;
  expected.id.clear();
  back->id.clear();
  EXPECT_EQ(*back, expected);
}

}  // namespace
}  // namespace sovra::platform::pricing
