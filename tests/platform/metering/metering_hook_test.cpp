#include "platform/metering/metering_hook.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "platform/metering/ledger_db.hpp"
#include "platform/metering/ledger_sql.hpp"
#include "support/eventually.hpp"

namespace sovra::platform::metering {
namespace {

using namespace std::chrono_literals;

pricing::Price price(std::string id, std::int64_t from, const char* in, const char* out) {
  pricing::Price p;
  p.id = std::move(id);
  p.model = "tiny";
  p.currency = "SEK";
  p.effective_from = from;
  p.input_per_1m = *pricing::parse_money(in);
  p.cached_input_per_1m = *pricing::parse_money("0.5");
  p.output_per_1m = *pricing::parse_money(out);
  return p;
}

gateway::CallInfo call(std::chrono::system_clock::time_point started) {
  gateway::CallInfo info;
  info.request_id = "req_1";
  info.endpoint = "/v1/chat/completions";
  auto who = std::make_shared<platform::Principal>();
  who->key_id = "key1";
  who->org_id = "org_s";
  who->project_id = "proj_s";
  info.principal = who;
  info.model = "alias";
  info.deployment.name = "local-tiny";
  info.deployment.model = "tiny";
  info.deployment.region = "se-sto-1";
  info.prompt_tokens = 100;
  info.max_output_tokens = 50;
  info.user = "u-42";
  info.started = started;
  return info;
}

TEST(MeteringHook, RecordsOneExactRowAtThePriceInForceWhenTheCallStarted) {
  test::SqliteLedgerDb b;
  auto db = test::open_ledger_db(b);
  ASSERT_NE(db, nullptr);
  auto writer = std::make_shared<LedgerWriter>(db, LedgerWriterOptions{});
  auto pricing_state = std::make_shared<pricing::PricingState>("EUR");
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'793'491'200));
  pricing_state->set(std::make_shared<const pricing::PriceBook>(std::vector<pricing::Price>{
                         price("price_old", 0, "1", "2"), price("price_new", 1'793'491'200 + 60, "10", "20")}),
                     {{"org_s", "SEK"}});
  auto hook = make_metering_hook({.writer = writer, .pricing = pricing_state});

  std::vector<http::Header> headers;
  std::optional<Result<gateway::Admission>> admitted;
  hook->admit(call(t0), headers, [&](Result<gateway::Admission> a) { admitted = std::move(a); });
  ASSERT_TRUE(admitted && *admitted);
  gateway::CallResult result;
  result.usage.prompt_tokens = 100;
  result.usage.cached_prompt_tokens = 40;
  result.usage.completion_tokens = 30;
  result.ended = t0 + 2min;  // ends after the price changed: still billed at the old price
  std::atomic<bool> done{false};
  (*admitted)->ticket->finish(result, [&] { done = true; });
  ASSERT_TRUE(sovra::test::eventually([&] { return done.load(); }));

  auto rows = records_of(*db, "org_s", 0, INT64_MAX);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  const auto& r = (*rows)[0];
  EXPECT_EQ(r.price_id, "price_old");
  EXPECT_EQ(r.currency, "SEK");
  EXPECT_EQ(r.cost.nanos, 60 * 1000 + 40 * 500 + 30 * 2000);
  EXPECT_EQ(r.model, "tiny");
  EXPECT_EQ(r.project_id, "proj_s");
  EXPECT_EQ(r.key_id, "key1");
  EXPECT_EQ(r.user_id, "u-42");
  EXPECT_EQ(r.region, "se-sto-1");
  EXPECT_EQ(r.deployment, "local-tiny");
  EXPECT_EQ(r.latency_ms, 120'000);
  EXPECT_EQ(r.input_tokens, 100);
  EXPECT_EQ(r.cached_tokens, 40);

  // A call that starts after the change pays the new price.
  admitted.reset();
  hook->admit(call(t0 + 61s), headers, [&](Result<gateway::Admission> a) { admitted = std::move(a); });
  done = false;
  result.ended = t0 + 62s;
  (*admitted)->ticket->finish(result, [&] { done = true; });
  ASSERT_TRUE(sovra::test::eventually([&] { return done.load(); }));
  rows = records_of(*db, "org_s", 0, INT64_MAX);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].price_id, "price_new");
  EXPECT_EQ((*rows)[1].cost.nanos, 60 * 10000 + 40 * 500 + 30 * 20000);
}

TEST(MeteringHook, CancelledAndRefusedCallsAreRecordedWithWhatTheyUsed) {
  auto info = call(std::chrono::system_clock::now());
  gateway::CallResult r;
  r.cancelled = true;
  r.http_status = 499;
  r.usage.prompt_tokens = 100;
  r.usage.completion_tokens = 7;
  r.ended = info.started + 1s;
  const auto p = price("p", 0, "1", "1");
  auto rec = make_usage_record(info, r, &p, "SEK");
  EXPECT_TRUE(rec.cancelled);
  EXPECT_EQ(rec.output_tokens, 7);
  EXPECT_EQ(rec.cost.nanos, 107 * 1000);
  auto refused = make_usage_record(info, gateway::refusal_result(Error{ErrorCode::kRateLimited, "x", {}, 429,
                                                                       "insufficient_quota"}),
                                   &p, "SEK");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.error_code, "insufficient_quota");
  EXPECT_EQ(refused.cost.nanos, 0);
  auto unpriced = make_usage_record(info, r, nullptr, "SEK");
  EXPECT_EQ(unpriced.price_id, "");
  EXPECT_EQ(unpriced.cost.nanos, 0);
}

}  // namespace
}  // namespace sovra::platform::metering
