// The group-commit writer on both backends: every submitted record is committed exactly once, `done` runs only
// after its commit, and concurrent submissions share transactions.
#include "platform/metering/ledger_writer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "platform/ids.hpp"
#include "platform/metering/ledger_db.hpp"
#include "platform/metering/ledger_sql.hpp"
#include "support/eventually.hpp"

namespace sovra::platform::metering {
namespace {

UsageRecord record(std::string id, std::string org, std::int64_t started_ms, std::int64_t cost) {
  UsageRecord r;
  r.id = std::move(id);
  r.request_id = "req_" + r.id;
  r.org_id = std::move(org);
  r.project_id = "proj_1";
  r.key_id = "k1";
  r.model = "tiny";
  r.endpoint = "/v1/chat/completions";
  r.input_tokens = 10;
  r.output_tokens = 5;
  r.started_ms = started_ms;
  r.ended_ms = started_ms + 7;
  r.latency_ms = 7;
  r.currency = "EUR";
  r.cost = {cost};
  return r;
}

template <typename B>
class LedgerWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = b_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    db_ = test::open_ledger_db(b_);
    ASSERT_NE(db_, nullptr);
  }
  B b_;
  std::shared_ptr<store::SqlDatabase> db_;
};
TYPED_TEST_SUITE(LedgerWriterTest, test::LedgerDbs, test::LedgerDbNames);

TYPED_TEST(LedgerWriterTest, RoundTripsEveryField) {
  UsageRecord r = record("usage_a", "org_1", 1'700'000'000'123, 123456789);
  r.user_id = "end-user-7";
  r.cached_tokens = 3;
  r.audio_ms = 11000;
  r.pages = 2;
  r.status = 499;
  r.error_code = "client_closed";
  r.cancelled = true;
  r.region = "se-sto-1";
  r.deployment = "local";
  r.price_id = "price_x";
  std::atomic<bool> done{false};
  {
    LedgerWriter w(this->db_, {});
    w.submit(r, [&] { done = true; });
    ASSERT_TRUE(sovra::test::eventually([&] { return done.load(); }));
  }
  auto rows = records_of(*this->db_, "org_1", 0, INT64_MAX);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0], r);
}

TYPED_TEST(LedgerWriterTest, DoneRunsOnlyAfterTheRecordIsCommitted) {
  LedgerWriter w(this->db_, {});
  std::atomic<int> checked{0};
  std::atomic<int> missing{0};
  for (int i = 0; i < 20; ++i) {
    const std::string id = "usage_c" + std::to_string(i);
    w.submit(record(id, "org_c", 1000 + i, 1), [&, id, db = this->db_] {
      // On the writer thread, after the commit: the row must already be readable.
      auto rows = records_of(*db, "org_c", 0, INT64_MAX);
      bool found = false;
      if (rows)
        for (const auto& r : *rows) found = found || r.id == id;
      if (!found) ++missing;
      ++checked;
    });
  }
  ASSERT_TRUE(sovra::test::eventually([&] { return checked.load() == 20; }));
  EXPECT_EQ(missing.load(), 0);
}

TYPED_TEST(LedgerWriterTest, ConcurrentCallsShareCommitsAndNothingIsLostOrDuplicated) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  std::atomic<int> acked{0};
  std::int64_t commits = 0;
  {
    std::mutex mu;
    std::int64_t committed_cost = 0;
    LedgerWriter w(this->db_, {.max_batch = 256, .on_commit = [&](const std::vector<UsageRecord>& rs) {
                                 std::lock_guard lock(mu);
                                 for (const auto& r : rs) committed_cost += r.cost.nanos;
                               }});
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          w.submit(record("usage_" + std::to_string(t) + "_" + std::to_string(i), "org_x", 5000 + i, t + 1),
                   [&] { ++acked; });
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_TRUE(sovra::test::eventually([&] { return acked.load() == kThreads * kPerThread; }));
    commits = w.stats().commits;
    EXPECT_EQ(w.stats().records, kThreads * kPerThread);
    std::lock_guard lock(mu);
    EXPECT_EQ(committed_cost, kPerThread * (kThreads * (kThreads + 1) / 2));
  }
  EXPECT_LT(commits, kThreads * kPerThread) << "no two records shared a transaction";
  auto n = count_records(*this->db_);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, kThreads * kPerThread);
  auto spend = spend_nanos(*this->db_, "org_x", std::nullopt, 0, INT64_MAX);
  ASSERT_TRUE(spend);
  EXPECT_EQ(*spend, kPerThread * (kThreads * (kThreads + 1) / 2));
}

TYPED_TEST(LedgerWriterTest, ARecordCommittedTwiceIsStoredOnce) {
  std::atomic<int> acked{0};
  {
    LedgerWriter w(this->db_, {.max_batch = 1, .on_commit = {}});
    w.submit(record("usage_dup", "org_d", 1, 5), [&] { ++acked; });
    w.submit(record("usage_dup", "org_d", 1, 5), [&] { ++acked; });
  }
  EXPECT_EQ(acked.load(), 2);
  EXPECT_EQ(*spend_nanos(*this->db_, "org_d", std::nullopt, 0, INT64_MAX), 5);
}

TYPED_TEST(LedgerWriterTest, SpendIsScopedByOrganisationProjectAndTime) {
  {
    LedgerWriter w(this->db_, {});
    auto a = record("usage_1", "org_a", 1000, 10);
    auto b = record("usage_2", "org_a", 2000, 20);
    b.project_id = "proj_2";
    auto c = record("usage_3", "org_b", 1500, 40);
    w.submit(a, {});
    w.submit(b, {});
    w.submit(c, {});
  }
  EXPECT_EQ(*spend_nanos(*this->db_, "org_a", std::nullopt, 0, 10000), 30);
  EXPECT_EQ(*spend_nanos(*this->db_, "org_a", std::string("proj_2"), 0, 10000), 20);
  EXPECT_EQ(*spend_nanos(*this->db_, "org_a", std::nullopt, 1001, 10000), 20);
  EXPECT_EQ(*spend_nanos(*this->db_, "org_a", std::nullopt, 0, 2000), 10);  // end is exclusive
  EXPECT_EQ(*spend_nanos(*this->db_, "org_b", std::nullopt, 0, 10000), 40);
}

}  // namespace
}  // namespace sovra::platform::metering
