#pragma once
// The usage ledger's writer: one thread that commits records in groups (group commit). Calls that end at the
// same time share one transaction and one fsync, so the hot path waits for durability without paying a flush per
// call. A record's `done` runs only after the transaction holding it committed (SQLite: WAL with
// synchronous=FULL; PostgreSQL: synchronous_commit as the server has it, on by default).
//
// Failure: a failed commit is retried (backoff up to 1 s) until it succeeds; the calls wait, because their
// response must not end before their record is durable. At shutdown the queue is drained; records that still
// cannot be written after a few tries are logged as lost (counted in sovra_usage_records_lost_total) and their
// `done` runs so that no response hangs forever.
//
// A rider (options.rider: the audit log on the same database) has its queued writes carried in this writer's
// transactions: a call's usage row and audit record wake one thread and share one commit. Rider work alone (no
// usage record queued) gets a transaction of its own on this thread. The rider fails and retries with the group.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/metering/usage_record.hpp"
#include "store/sql.hpp"
#include "store/transaction_rider.hpp"

namespace sovra::platform::metering {

struct LedgerWriterOptions {
  std::size_t max_batch = 256;  // records per transaction at most; 1 = a commit per record (the bench baseline)
  // Runs on the writer thread after each commit, with the committed records (budgets add their cost).
  std::function<void(const std::vector<UsageRecord>&)> on_commit;
  // Optional: writes on the same database carried in this writer's transactions (attached at construction,
  // detached by the destructor after the last transaction).
  std::shared_ptr<store::TransactionRider> rider;
};

class LedgerWriter {
 public:
  LedgerWriter(std::shared_ptr<store::SqlDatabase> db, LedgerWriterOptions options);
  ~LedgerWriter();  // commits what is queued, then joins
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  // Thread-safe, never blocks on the database. `done` runs on the writer thread once `record` is durable.
  void submit(UsageRecord record, std::function<void()> done);

  struct Stats {
    std::int64_t records = 0;
    std::int64_t commits = 0;
    std::int64_t failures = 0;
  };
  Stats stats() const;

 private:
  struct Item {
    UsageRecord record;
    std::function<void()> done;
    std::chrono::steady_clock::time_point queued;
  };
  void run();
  bool commit(std::vector<Item>& batch, bool riding, bool final_attempts);

  std::shared_ptr<store::SqlDatabase> db_;
  LedgerWriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  bool rider_pending_ = false;  // the rider queued work since this thread last took its batch
  Stats stats_;
  std::thread thread_;
};

}  // namespace sovra::platform::metering
