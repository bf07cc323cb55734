#include "gateway/budget/budget_hook.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api/openai/error.hpp"
#include "platform/metering/ledger_db.hpp"
#include "platform/metering/ledger_sql.hpp"
#include "platform/metering/ledger_writer.hpp"
#include "support/eventually.hpp"

namespace sovra::gateway::budget {
namespace {

namespace pricing = platform::pricing;
using namespace std::chrono_literals;

const auto kStart = std::chrono::system_clock::time_point(std::chrono::seconds(1'793'491'200 + 86400));  // 2026-11-02

struct World {
  std::shared_ptr<BudgetBook> budgets = std::make_shared<BudgetBook>();
  std::shared_ptr<pricing::PricingState> pricing = std::make_shared<pricing::PricingState>("EUR");
  std::int64_t ledger_spend = 0;  // what the "ledger" holds for every scope
  std::atomic<int> loads{0};
  std::shared_ptr<SpendTracker> tracker = std::make_shared<SpendTracker>([this](const ScopeKey&) -> Result<std::int64_t> {
    ++loads;
    return ledger_spend;
  });
  std::shared_ptr<store::Executor> executor = std::make_shared<store::Executor>(2);
  std::shared_ptr<CallHook> hook;

  World() {
    pricing::Price p;
    p.id = "price_1";
    p.model = "tiny";
    p.currency = "EUR";
    p.input_per_1m = *pricing::parse_money("1");   // 0.000001 per token
    p.output_per_1m = *pricing::parse_money("2");  // 0.000002 per token
    pricing->set(std::make_shared<const pricing::PriceBook>(std::vector<pricing::Price>{p}), {});
    hook = make_budget_hook({.budgets = budgets, .tracker = tracker, .pricing = pricing, .executor = executor});
  }

  CallInfo info(std::int64_t prompt, std::int64_t max_out, std::string project = "proj_1") {
    CallInfo i;
    i.request_id = "req";
    auto who = std::make_shared<platform::Principal>();
    who->org_id = "org_1";
    who->project_id = std::move(project);
    who->key_id = "k";
    i.principal = who;
    i.model = "tiny";
    i.prompt_tokens = prompt;
    i.max_output_tokens = max_out;
    i.started = kStart;
    return i;
  }

  struct Outcome {
    std::optional<Result<Admission>> admission;
    std::vector<http::Header> headers;
  };
  std::shared_ptr<Outcome> admit(const CallInfo& i) {
    auto out = std::make_shared<Outcome>();
    std::atomic<bool> done{false};
    hook->admit(i, out->headers, [&, out](Result<Admission> a) {
      out->admission = std::move(a);
      done = true;
    });
    EXPECT_TRUE(sovra::test::eventually([&] { return done.load(); }));
    return out;
  }
};

CallResult used(std::int64_t prompt, std::int64_t completion) {
  CallResult r;
  r.usage.prompt_tokens = prompt;
  r.usage.completion_tokens = completion;
  r.ended = kStart + 1s;
  return r;
}

TEST(BudgetHook, WithoutABudgetEveryCallPassesWithoutATicket) {
  World w;
  auto o = w.admit(w.info(1000, 1000));
  ASSERT_TRUE(*o->admission);
  EXPECT_EQ((*o->admission)->ticket, nullptr);
  EXPECT_EQ(w.loads.load(), 0);
}

TEST(BudgetHook, RefusesUpFrontWhenTheWorstCaseWouldCrossAHardBudget) {
  World w;
  w.ledger_spend = pricing::parse_money("0.009")->nanos;
  w.budgets->set({{"org_1", "", *pricing::parse_money("0.01"), true, 0}});
  // worst case: 500 × 0.000001 + 300 × 0.000002 = 0.0011 > 0.001 left
  auto o = w.admit(w.info(500, 300));
  ASSERT_FALSE(*o->admission);
  const Error& e = o->admission->error();
  EXPECT_EQ(e.status(), 429);
  EXPECT_EQ(e.api_code, "insufficient_quota");
  EXPECT_NE(api::openai::error_json(e).find(R"("type":"insufficient_quota")"), std::string::npos);
  EXPECT_NE(e.message.find("0.0011 EUR"), std::string::npos) << e.message;
  // A smaller call fits: 500 × 0.000001 + 200 × 0.000002 = 0.0009 <= 0.001.
  auto ok = w.admit(w.info(500, 200));
  ASSERT_TRUE(*ok->admission);
  ASSERT_NE((*ok->admission)->ticket, nullptr);
  EXPECT_EQ(w.loads.load(), 1);  // loaded once, then in memory
}

TEST(BudgetHook, SettlementReplacesTheReservationWithTheExactCost) {
  World w;
  w.budgets->set({{"org_1", "proj_1", *pricing::parse_money("1"), true, 0}});
  auto o = w.admit(w.info(1000, 1000));
  ASSERT_TRUE(*o->admission);
  const ScopeKey key{"org_1", "proj_1", platform::billing::month_of(1'793'491'200)};
  EXPECT_EQ(w.tracker->reserved(key), 1000 * 1000 + 1000 * 2000);
  bool done = false;
  (*o->admission)->ticket->finish(used(1000, 10), [&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_EQ(w.tracker->reserved(key), 0);
  EXPECT_EQ(w.tracker->spent(key), 1000 * 1000 + 10 * 2000);
}

TEST(BudgetHook, SoftBudgetsAdmitAndFlag) {
  World w;
  w.budgets->set({{"org_1", "", *pricing::parse_money("0.001"), false, 0}});
  auto o = w.admit(w.info(1000, 1000));
  ASSERT_TRUE(*o->admission);
  ASSERT_EQ(o->headers.size(), 1u);
  EXPECT_EQ(o->headers[0].name, "x-sovra-budget-warning");
  EXPECT_NE(o->headers[0].value.find("organization org_1"), std::string::npos);
  auto under = World{};
  under.budgets->set({{"org_1", "", *pricing::parse_money("1"), false, 0}});
  EXPECT_TRUE(under.admit(under.info(10, 10))->headers.empty());
}

TEST(BudgetHook, ConcurrentCallsNearAHardBudgetNeverCrossIt) {
  World w;
  const auto budget = *pricing::parse_money("0.05");  // 50'000'000 nanos
  w.budgets->set({{"org_1", "", budget, true, 0}});
  // Each call: worst 0.0003 (100 in + 100 out), actual 100 in + a random share of the output.
  std::atomic<std::int64_t> actual_total{0};
  std::atomic<int> admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        auto o = w.admit(w.info(100, 100));
        if (!*o->admission) {
          ++refused;
          continue;
        }
        ++admitted;
        const std::int64_t out = (t * 7 + i * 13) % 101;
        actual_total += 100 * 1000 + out * 2000;
        (*o->admission)->ticket->finish(used(100, out), [] {});
      }
    });
  }
  for (auto& th : threads) th.join();
  const ScopeKey key{"org_1", "", platform::billing::month_of(1'793'491'200)};
  EXPECT_GT(refused.load(), 0);
  EXPECT_GT(admitted.load(), 0);
  EXPECT_EQ(w.tracker->reserved(key), 0);
  EXPECT_EQ(w.tracker->spent(key), actual_total.load());
  EXPECT_LE(w.tracker->spent(key), budget.nanos);
}

TEST(BudgetHook, SpendIsLoadedFromTheLedgerOfTheCallsMonth) {
  platform::test::SqliteLedgerDb b;
  auto db = platform::test::open_ledger_db(b);
  ASSERT_NE(db, nullptr);
  {
    platform::metering::LedgerWriter writer(db, {});
    platform::metering::UsageRecord in_month, last_month, other_project;
    in_month.id = "usage_1";
    in_month.org_id = "org_1";
    in_month.project_id = "proj_1";
    in_month.started_ms = 1'793'491'200'000;  // 2026-11-01 00:00:00.000
    in_month.cost = {700};
    last_month = in_month;
    last_month.id = "usage_2";
    last_month.started_ms -= 1;
    last_month.cost = {5000};
    other_project = in_month;
    other_project.id = "usage_3";
    other_project.project_id = "proj_2";
    other_project.cost = {11};
    writer.submit(in_month, {});
    writer.submit(last_month, {});
    writer.submit(other_project, {});
  }
  SpendTracker tracker([&](const ScopeKey& k) {
    const auto from = platform::billing::month_start(k.month) * 1000;
    const auto to = platform::billing::month_start(platform::billing::next_month(k.month)) * 1000;
    return platform::metering::spend_nanos(*db, k.org_id,
                                           k.project_id.empty() ? std::nullopt : std::optional(k.project_id), from,
                                           to);
  });
  const auto nov = platform::billing::Month{2026, 11};
  ASSERT_TRUE(tracker.load({"org_1", "proj_1", nov}));
  ASSERT_TRUE(tracker.load({"org_1", "", nov}));
  EXPECT_EQ(tracker.spent({"org_1", "proj_1", nov}), 700);
  EXPECT_EQ(tracker.spent({"org_1", "", nov}), 711);
}

}  // namespace
}  // namespace sovra::gateway::budget
