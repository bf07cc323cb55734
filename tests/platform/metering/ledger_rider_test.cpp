// The audit log riding in the ledger writer's transactions (store/transaction_rider.hpp), on both backends: a
// call's usage row and audit record are committed by one thread, every callback runs once after its commit, the
// chain stays verifiable with checkpoints, and after the ledger writer stops the audit log writes on its own again.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/deferred_wake.hpp"
#include "platform/audit/audit_export.hpp"
#include "platform/audit/audit_log.hpp"
#include "platform/audit/audit_sql.hpp"
#include "platform/metering/ledger_db.hpp"
#include "platform/metering/ledger_sql.hpp"
#include "platform/metering/ledger_writer.hpp"
#include "support/eventually.hpp"

namespace sovra::platform::metering {
namespace {

UsageRecord usage(int i) {
  UsageRecord r;
  r.id = "usage_" + std::to_string(i);
  r.request_id = "req_" + std::to_string(i);
  r.org_id = "org_1";
  r.project_id = "proj_1";
  r.key_id = "k1";
  r.model = "tiny";
  r.endpoint = "/v1/chat/completions";
  r.input_tokens = 10;
  r.output_tokens = 5;
  r.started_ms = 1'700'000'000'000 + i;
  r.ended_ms = r.started_ms + 3;
  r.latency_ms = 3;
  r.currency = "EUR";
  r.cost = {100};
  return r;
}

audit::AuditRecord event(int i) {
  audit::AuditRecord r;
  r.type = std::string(audit::kTypeInference);
  r.org_id = "org_1";
  r.project_id = "proj_1";
  r.actor_type = "api_key";
  r.actor_id = "k1";
  r.request_id = "req_" + std::to_string(i);
  r.details = R"({"model":"tiny","i":)" + std::to_string(i) + "}";
  return r;
}

// Thread ids seen by callbacks.
class Threads {
 public:
  void saw() {
    std::lock_guard lock(mu_);
    ids_.insert(std::this_thread::get_id());
  }
  std::set<std::thread::id> ids() const {
    std::lock_guard lock(mu_);
    return ids_;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::thread::id> ids_;
};

// The database with its next `failures` transactions failing at commit time (the work ran and is rolled back).
class FlakyDatabase final : public store::SqlDatabase {
 public:
  FlakyDatabase(std::shared_ptr<store::SqlDatabase> inner, int failures)
      : inner_(std::move(inner)), failures_(failures) {}
  std::string_view dialect() const override { return inner_->dialect(); }
  Status transaction(const std::function<Status(store::SqlSession&)>& fn) override {
    if (failures_.load() == 0) return inner_->transaction(fn);
    --failures_;
    ++failed_;
    const auto st = inner_->transaction([&](store::SqlSession& s) -> Status {
      SOVRA_CHECK(fn(s));
      return Error::unavailable("injected commit failure");
    });
    return st ? Status(Error::internal("the injected failure did not fail")) : st;
  }
  Status lock_for_migrations(store::SqlSession& s) override { return inner_->lock_for_migrations(s); }
  Status notify(store::SqlSession& s, std::string_view channel, std::string_view payload) override {
    return inner_->notify(s, channel, payload);
  }
  Status listen(std::string channel, std::function<void(std::string_view)> on_change) override {
    return inner_->listen(std::move(channel), std::move(on_change));
  }
  int failed() const { return failed_.load(); }

 private:
  std::shared_ptr<store::SqlDatabase> inner_;
  std::atomic<int> failures_;
  std::atomic<int> failed_{0};
};

template <typename B>
class LedgerRiderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = b_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    db_ = test::open_ledger_db(b_);
    ASSERT_NE(db_, nullptr);
    auto key = audit::SigningKey::generate();
    ASSERT_TRUE(key);
    key_ = std::make_shared<audit::SigningKey>(std::move(*key));
    auto vk = audit::VerifyKey::from_pem(key_->public_pem());
    ASSERT_TRUE(vk);
    verify_key_ = std::make_unique<audit::VerifyKey>(std::move(*vk));
  }

  std::shared_ptr<audit::AuditLog> start_audit(std::int64_t every, std::size_t max_batch) {
    auto log = audit::AuditLog::start({.db = db_, .key = key_, .checkpoint_every = every, .max_batch = max_batch});
    EXPECT_TRUE(log) << log.error().message;
    return log ? std::shared_ptr<audit::AuditLog>(std::move(*log)) : nullptr;
  }

  audit::VerifyReport verify() {
    auto r = audit::verify_store(*db_, *verify_key_);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : audit::VerifyReport{};
  }

  std::int64_t ledger_rows() {
    auto rows = records_of(*db_, "org_1", 0, INT64_MAX);
    EXPECT_TRUE(rows) << rows.error().message;
    return rows ? static_cast<std::int64_t>(rows->size()) : -1;
  }

  B b_;
  std::shared_ptr<store::SqlDatabase> db_;
  std::shared_ptr<audit::SigningKey> key_;
  std::unique_ptr<audit::VerifyKey> verify_key_;
};
TYPED_TEST_SUITE(LedgerRiderTest, test::LedgerDbs, test::LedgerDbNames);

TYPED_TEST(LedgerRiderTest, CallsRecordsAreCommittedTogetherByTheLedgerThread) {
  auto log = this->start_audit(1000, 16);
  ASSERT_NE(log, nullptr);
  Threads ledger_threads;
  Threads audit_threads;
  std::atomic<int> usage_done{0};
  std::atomic<int> audit_done{0};
  constexpr int kCalls = 200;
  {
    LedgerWriter w(this->db_, {.max_batch = 8, .rider = log});
    // Four "I/O threads" finishing calls: each call's usage row and audit record, as the call chain submits them.
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; ++t) {
      callers.emplace_back([&, t] {
        for (int i = t; i < kCalls; i += 4) {
          w.submit(usage(i), [&] {
            ledger_threads.saw();
            ++usage_done;
          });
          log->append(event(i), [&] {
            audit_threads.saw();
            ++audit_done;
          });
        }
      });
    }
    for (auto& c : callers) c.join();
    ASSERT_TRUE(sovra::test::eventually([&] { return usage_done.load() == kCalls && audit_done.load() == kCalls; }))
        << usage_done.load() << " usage, " << audit_done.load() << " audit callbacks";
    // Both kinds of callbacks ran on the one ledger thread: nothing went through the audit log's own writer.
    EXPECT_EQ(ledger_threads.ids().size(), 1u);
    EXPECT_EQ(audit_threads.ids(), ledger_threads.ids());
    EXPECT_EQ(w.stats().records, kCalls);
  }
  EXPECT_EQ(usage_done.load(), kCalls);
  EXPECT_EQ(audit_done.load(), kCalls);
  EXPECT_EQ(log->appended(), kCalls);
  EXPECT_EQ(this->ledger_rows(), kCalls);
  const auto report = this->verify();
  EXPECT_TRUE(report.ok()) << report.finding->message;
  EXPECT_EQ(report.records, kCalls);
  EXPECT_EQ(report.first_seq, 1);
  EXPECT_EQ(report.last_seq, kCalls);
}

TYPED_TEST(LedgerRiderTest, AuditRecordsAloneGetTransactionsAndCheckpointsOnTheHost) {
  // No usage record at all (admin actions, auth failures): the host writes the audit batches by themselves, more
  // than one batch's worth at once, and the count-based checkpoints fall inside its transactions.
  auto log = this->start_audit(/*every=*/5, /*max_batch=*/4);
  ASSERT_NE(log, nullptr);
  LedgerWriter w(this->db_, {.rider = log});
  std::atomic<int> done{0};
  for (int i = 0; i < 23; ++i) log->append(event(i), [&] { ++done; });
  log->flush();
  EXPECT_EQ(done.load(), 23);
  EXPECT_EQ(log->appended(), 23);
  EXPECT_EQ(w.stats().records, 0);
  EXPECT_EQ(w.stats().commits, 0);  // rider-only transactions are not ledger commits
  const auto report = this->verify();
  EXPECT_TRUE(report.ok()) << report.finding->message;
  EXPECT_EQ(report.records, 23);
  EXPECT_GE(report.checkpoints, 2);  // due once 5 records passed the last one, checked after each batch of <= 4
}

TYPED_TEST(LedgerRiderTest, TheAuditLogWritesOnItsOwnAgainAfterTheHostStops) {
  auto log = this->start_audit(1000, 16);
  ASSERT_NE(log, nullptr);
  Threads hosted;
  Threads alone;
  {
    LedgerWriter w(this->db_, {.rider = log});
    for (int i = 0; i < 10; ++i) log->append(event(i), [&] { hosted.saw(); });
    log->flush();
  }
  for (int i = 10; i < 20; ++i) log->append(event(i), [&] { alone.saw(); });
  log->flush();
  ASSERT_EQ(hosted.ids().size(), 1u);
  ASSERT_EQ(alone.ids().size(), 1u);
  EXPECT_NE(*hosted.ids().begin(), *alone.ids().begin());
  log.reset();  // final checkpoint
  const auto report = this->verify();
  EXPECT_TRUE(report.ok()) << report.finding->message;
  EXPECT_EQ(report.records, 20);
  EXPECT_EQ(report.last_seq, 20);
  EXPECT_GE(report.checkpoints, 1);
}

TYPED_TEST(LedgerRiderTest, AFailedGroupIsRetriedWithTheRidersRecordsAndCommittedOnce) {
  auto log = this->start_audit(1000, 16);
  ASSERT_NE(log, nullptr);
  auto flaky = std::make_shared<FlakyDatabase>(this->db_, 2);
  std::atomic<int> usage_done{0};
  std::atomic<int> audit_done{0};
  {
    LedgerWriter w(flaky, {.rider = log});
    {
      DeferWakes together;  // as the call chain finishes a call: both queued before the writer wakes
      for (int i = 0; i < 3; ++i) {
        w.submit(usage(i), [&] { ++usage_done; });
        log->append(event(i), [&] { ++audit_done; });
      }
    }
    ASSERT_TRUE(sovra::test::eventually([&] { return usage_done.load() == 3 && audit_done.load() == 3; }));
    EXPECT_EQ(flaky->failed(), 2);
    EXPECT_EQ(w.stats().failures, 2);
    EXPECT_EQ(w.stats().records, 3);
  }
  EXPECT_EQ(this->ledger_rows(), 3);
  EXPECT_EQ(log->appended(), 3);
  const auto report = this->verify();  // seq and hashes assigned again on each attempt: no gap, no duplicate
  EXPECT_TRUE(report.ok()) << report.finding->message;
  EXPECT_EQ(report.records, 3);
  EXPECT_EQ(report.last_seq, 3);
}

TYPED_TEST(LedgerRiderTest, AtShutdownAGroupThatCannotBeWrittenIsGivenUpAndNoCallbackIsLeftWaiting) {
  auto log = this->start_audit(1000, 16);
  ASSERT_NE(log, nullptr);
  auto flaky = std::make_shared<FlakyDatabase>(this->db_, 1'000'000);
  std::atomic<int> usage_done{0};
  std::atomic<int> audit_done{0};
  {
    LedgerWriter w(flaky, {.rider = log});
    DeferWakes together;
    w.submit(usage(1), [&] { ++usage_done; });
    log->append(event(1), [&] { ++audit_done; });
  }  // the writer stops: a few final attempts, then both records are given up (logged) and their callbacks run
  EXPECT_EQ(usage_done.load(), 1);
  EXPECT_EQ(audit_done.load(), 1);
  log->flush();  // counts the given-up record as finished: returns
  EXPECT_EQ(log->appended(), 0);
  EXPECT_EQ(this->ledger_rows(), 0);
  // The audit log writes on its own again.
  log->append(event(2));
  log->flush();
  EXPECT_EQ(log->appended(), 1);
}

}  // namespace
}  // namespace sovra::platform::metering
