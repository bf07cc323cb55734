#pragma once
// AuditLog: appends records to the hash chain from one dedicated writer thread, in batches, so that no I/O
// thread ever waits on the database; writes signed checkpoints periodically (every `checkpoint_every` records or
// `checkpoint_interval`, whichever comes first, and once at shutdown) and appends them to an export file when one
// is configured.
//
// Contract:
// - append() never blocks on the database: it queues the record and returns. `durable` (optional) is called once,
//   from the writer thread, after the transaction holding the record committed — an acknowledged record survives
//   kill -9 (SQLite WAL / PostgreSQL commit) — or after the writer gave up on it (logged as an error).
// - The writer fills seq, id (when empty), prev_hash and hash; at_ms is kept when set (the event's time), else now.
// - Several processes may append to one database: the head row lock orders them into one chain.
// - Thread-safe. The destructor writes what is queued and a final checkpoint, then joins.
// - It is a store::TransactionRider: while a host writer on the same database (the usage ledger) has attached it,
//   appended records are written in the host's transactions by the host's thread (one wake-up and one commit for a
//   call's usage row and audit record); this log's own thread then only writes interval checkpoints. A host that
//   gives up on a transaction makes the batch's records count as given up (logged), as this writer does.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "platform/audit/audit_record.hpp"
#include "platform/audit/audit_sql.hpp"
#include "platform/audit/signing_key.hpp"
#include "store/sql.hpp"
#include "store/transaction_rider.hpp"

namespace sovra::platform::audit {

struct AuditLogOptions {
  std::shared_ptr<store::SqlDatabase> db;  // migrated
  std::shared_ptr<const SigningKey> key;
  std::int64_t checkpoint_every = 1000;                        // records
  std::chrono::milliseconds checkpoint_interval{60'000};       // at least this often while records arrive
  std::string checkpoint_export_file;                          // empty: none
  std::size_t max_batch = 512;                                 // records per transaction
  bool chain = true;  // false: no hashing or signing (bench/audit's baseline only)
};

class AuditLog final : public store::TransactionRider {
 public:
  static Result<std::unique_ptr<AuditLog>> start(AuditLogOptions options);
  ~AuditLog() override;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void append(AuditRecord record, std::function<void()> durable = {});
  // Blocks until everything appended before the call is durable (tests, CLI, shutdown). Not for I/O threads.
  void flush();
  // Blocks: writes a checkpoint of the current head now (if it has records not yet checkpointed).
  Status checkpoint_now();
  // Blocks: retention. Purges records older than `cutoff_ms` up to the newest usable checkpoint (writing one first
  // when the head is old enough) and appends an "audit.purged" record saying so.
  Result<sql::PurgeResult> purge_older_than(std::int64_t cutoff_ms);

  std::int64_t appended() const;  // records committed by this process

  const std::shared_ptr<store::SqlDatabase>& database() const { return options_.db; }

  // store::TransactionRider (the host's thread only).
  void attach(std::function<void()> wake) override;
  bool take() override;
  Status write(store::SqlSession& session) override;
  void done(bool committed) override;
  void detach() override;

 private:
  struct Pending {
    AuditRecord record;
    std::function<void()> durable;
    std::chrono::steady_clock::time_point queued;
  };
  explicit AuditLog(AuditLogOptions options, std::int64_t last_checkpoint);
  void run();
  Status write_batch(std::vector<Pending>& batch, bool force_checkpoint);
  // One batch inside a transaction: seq, hashes, the head, a checkpoint when due (or forced).
  struct Written {
    std::optional<Checkpoint> made;
    sql::Head end;
  };
  Status write_in(store::SqlSession& s, std::vector<Pending>& batch, bool force_checkpoint,
                  std::int64_t last_checkpoint, Written& out);
  // After a batch's transaction committed: the head, the count, checkpoint bookkeeping and export.
  void note_committed(std::size_t records, const Written& written);
  // After a batch was committed or given up: its callbacks, then flush()'s count.
  void finish_batch(std::vector<Pending>& batch);
  void export_checkpoint(const Checkpoint& c);

  AuditLogOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable flushed_cv_;
  std::deque<Pending> queue_;
  std::uint64_t enqueued_ = 0;
  std::uint64_t written_ = 0;  // records taken from the queue and finished (committed or given up)
  bool stopping_ = false;
  std::int64_t appended_ = 0;
  std::int64_t last_checkpoint_seq_ = 0;
  std::int64_t head_seq_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_time_;
  std::function<void()> host_wake_;  // set while a host carries the records (guarded by mu_)
  std::vector<Pending> riding_;      // the host's current batch (host thread only)
  Written riding_written_;
  std::int64_t riding_last_checkpoint_ = 0;
  std::mutex export_mu_;
  std::thread writer_;
};

}  // namespace sovra::platform::audit
