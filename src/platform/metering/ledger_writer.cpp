#include "platform/metering/ledger_writer.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>

#include <algorithm>
#include <chrono>

#include "common/deferred_wake.hpp"
#include "common/logging.hpp"
#include "common/thread_name.hpp"
#include "observability/metrics.hpp"
#include "platform/metering/ledger_sql.hpp"

namespace sovra::platform::metering {
namespace {

struct Metrics {
  prometheus::Counter* records;
  prometheus::Counter* commits;
  prometheus::Counter* failures;
  prometheus::Counter* lost;
  prometheus::Histogram* batch;
  prometheus::Histogram* wait;
  prometheus::Histogram* transaction;
};

Metrics& metrics() {
  static Metrics m = [] {
    auto& reg = observability::registry();
    auto& records = prometheus::BuildCounter()
                        .Name("sovra_usage_records_total")
                        .Help("Usage records committed to the ledger.")
                        .Register(reg);
    auto& commits = prometheus::BuildCounter()
                        .Name("sovra_usage_commits_total")
                        .Help("Ledger transactions committed (each holds a group of records).")
                        .Register(reg);
    auto& failures = prometheus::BuildCounter()
                         .Name("sovra_usage_commit_failures_total")
                         .Help("Ledger transactions that failed and were retried.")
                         .Register(reg);
    auto& lost = prometheus::BuildCounter()
                     .Name("sovra_usage_records_lost_total")
                     .Help("Usage records given up at shutdown because the database refused them.")
                     .Register(reg);
    auto& batch = prometheus::BuildHistogram()
                      .Name("sovra_usage_commit_batch_records")
                      .Help("Records per ledger transaction.")
                      .Register(reg);
    auto& wait = prometheus::BuildHistogram()
                     .Name("sovra_usage_commit_wait_seconds")
                     .Help("From a record's submit to its durable callback (queue + transaction + fsync).")
                     .Register(reg);
    auto& transaction = prometheus::BuildHistogram()
                            .Name("sovra_usage_transaction_seconds")
                            .Help("One ledger transaction, from its start (lock wait included) to its commit.")
                            .Register(reg);
    return Metrics{&records.Add({}), &commits.Add({}), &failures.Add({}), &lost.Add({}),
                   &batch.Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}),
                   &wait.Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                         0.01, 0.025, 0.1, 1}),
                   &transaction.Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                                                0.005, 0.01, 0.025, 0.1, 1})};
  }();
  return m;
}

const Logger& log() {
  static const Logger l("metering");
  return l;
}

}  // namespace

LedgerWriter::LedgerWriter(std::shared_ptr<store::SqlDatabase> db, LedgerWriterOptions options)
    : db_(std::move(db)), options_(std::move(options)) {
  options_.max_batch = std::max<std::size_t>(1, options_.max_batch);
  (void)metrics();
  if (options_.rider) {
    options_.rider->attach([this] {
      {
        std::lock_guard lock(mu_);
        rider_pending_ = true;
      }
      if (!DeferWakes::defer(cv_)) cv_.notify_one();
    });
  }
  thread_ = std::thread([this] {
    set_thread_name("sovra-ledger");
    run();
  });
}

LedgerWriter::~LedgerWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (options_.rider) options_.rider->detach();
}

void LedgerWriter::submit(UsageRecord record, std::function<void()> done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(record), std::move(done), std::chrono::steady_clock::now()});
  }
  if (!DeferWakes::defer(cv_)) cv_.notify_one();
}

LedgerWriter::Stats LedgerWriter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool LedgerWriter::commit(std::vector<Item>& batch, bool riding, bool final_attempts) {
  std::vector<UsageRecord> records;  // the items keep only their callbacks from here on
  records.reserve(batch.size());
  for (auto& item : batch) records.push_back(std::move(item.record));
  auto backoff = std::chrono::milliseconds(10);
  for (int attempt = 1;; ++attempt) {
    const auto t0 = std::chrono::steady_clock::now();
    auto st = db_->transaction([&](store::SqlSession& s) -> Status {
      if (!records.empty()) SOVRA_CHECK(insert_records(s, records));
      if (riding) SOVRA_CHECK(options_.rider->write(s));
      return {};
    });
    metrics().transaction->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (st) break;
    metrics().failures->Increment();
    {
      std::lock_guard lock(mu_);
      ++stats_.failures;
    }
    log().error("usage ledger commit failed; retrying",
                {{"error", st.error().message}, {"records", static_cast<std::int64_t>(records.size())},
                 {"attempt", attempt}});
    if (final_attempts && attempt >= 5) {
      for (const auto& r : records) {
        log().error("usage record lost", {{"id", r.id}, {"request_id", r.request_id}, {"org_id", r.org_id},
                                          {"cost_nanos", r.cost.nanos}});
      }
      metrics().lost->Increment(static_cast<double>(records.size()));
      if (riding) options_.rider->done(false);
      return false;
    }
    std::unique_lock lock(mu_);
    // A stop request cuts the wait short; the loop then goes on with the final (bounded) attempts.
    cv_.wait_for(lock, backoff, [this] { return stopping_; });
    final_attempts = final_attempts || stopping_;
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(1));
  }
  if (riding) options_.rider->done(true);
  if (records.empty()) return true;  // the rider's work alone
  metrics().commits->Increment();
  metrics().records->Increment(static_cast<double>(records.size()));
  metrics().batch->Observe(static_cast<double>(records.size()));
  {
    std::lock_guard lock(mu_);
    stats_.records += static_cast<std::int64_t>(records.size());
    ++stats_.commits;
  }
  if (options_.on_commit) options_.on_commit(records);
  return true;
}

void LedgerWriter::run() {
  std::vector<Item> batch;
  while (true) {
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty() || rider_pending_; });
      if (queue_.empty() && !rider_pending_) return;  // stopping and drained
      stopping = stopping_;
      rider_pending_ = false;
      const std::size_t n = std::min(options_.max_batch, queue_.size());
      batch.clear();
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // Calls that end while this transaction commits queue up and form the next group. The rider's lock is never
    // taken under mu_ (its wake takes mu_ under its own).
    const bool riding = options_.rider && options_.rider->take();
    if (batch.empty() && !riding) continue;
    (void)commit(batch, riding, stopping);
    for (auto& item : batch) {
      if (item.done) item.done();
      metrics().wait->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - item.queued).count());
    }
  }
}

}  // namespace sovra::platform::metering
