#pragma once
// TransactionRider: queued writes that ride in another writer's transactions on the same database, so that two
// durable queues fed by the same calls (the usage ledger and the audit trail) wake one thread and commit once per
// group instead of two threads and two commits.
//
// Protocol (the host is a writer thread with a queue of its own, e.g. metering::LedgerWriter):
// - attach(wake): the host calls it once before it takes anything; from then on the rider queues its work for the
//   host and calls `wake` (from any thread, possibly under the rider's own lock: the host must not call into the
//   rider while it holds the lock that `wake` takes) whenever it queued something.
// - take(): the host moves the rider's queued work into the rider's current batch; true when that batch is not
//   empty. A batch stays current until done() (a failed transaction is retried with the same batch).
// - write(session): inside the host's transaction, writes the current batch; may run more than once for one batch
//   (once per attempt).
// - done(committed): after the transaction committed (true) or after the host gave up on it (false); the rider
//   finishes the batch (callbacks, counters) and it is no longer current.
// - detach(): the host stops carrying (it is stopping, after its last transaction); the rider writes what is
//   queued afterwards on its own again.
// The host calls take/write/done/detach from its one writer thread, never concurrently.
#include <functional>

#include "common/error.hpp"
#include "store/sql.hpp"

namespace sovra::store {

class TransactionRider {
 public:
  virtual ~TransactionRider() = default;
  virtual void attach(std::function<void()> wake) = 0;
  virtual bool take() = 0;
  virtual Status write(SqlSession& session) = 0;
  virtual void done(bool committed) = 0;
  virtual void detach() = 0;
};

}  // namespace sovra::store
