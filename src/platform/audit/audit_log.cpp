#include "platform/audit/audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <prometheus/family.h>
#include <prometheus/histogram.h>

#include "common/logging.hpp"
#include "common/thread_name.hpp"
#include "observability/metrics.hpp"
#include "platform/ids.hpp"

namespace sovra::platform::audit {
namespace {

prometheus::Histogram& transaction_histogram() {
  static prometheus::Histogram& h =
      prometheus::BuildHistogram()
          .Name("sovra_audit_transaction_seconds")
          .Help("One audit transaction, from its start (lock wait included) to its commit.")
          .Register(observability::registry())
          .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                           0.1, 1});
  return h;
}

prometheus::Histogram& wait_histogram() {
  static prometheus::Histogram& h =
      prometheus::BuildHistogram()
          .Name("sovra_audit_commit_wait_seconds")
          .Help("From an audit record's append to its durable callback (queue + transaction).")
          .Register(observability::registry())
          .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                           0.1, 1});
  return h;
}

const Logger& log() {
  static const Logger l("audit");
  return l;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Signs and stores a checkpoint of `head` when it has records past the newest stored checkpoint.
Result<std::optional<Checkpoint>> checkpoint_in(store::SqlSession& s, const SigningKey& key, const sql::Head& head) {
  SOVRA_TRY(auto last, sql::last_checkpoint_seq(s));
  if (head.seq <= last || head.seq == 0) return std::optional<Checkpoint>();
  Checkpoint c{.seq = head.seq, .hash = head.hash, .at_ms = now_ms(), .key_id = key.key_id(), .signature = {}};
  c.signature = key.sign(checkpoint_message(c));
  if (c.signature.empty()) return Error::internal("signing an audit checkpoint failed");
  SOVRA_CHECK(sql::insert_checkpoint(s, c));
  return std::optional<Checkpoint>(c);
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::start(AuditLogOptions options) {
  if (!options.db) return Error::invalid("audit log: no database");
  if (options.chain && !options.key) return Error::invalid("audit log: no signing key");
  std::int64_t last = 0;
  if (auto tx = options.db->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(last, sql::last_checkpoint_seq(s));
    return {};
  }); !tx) {
    return tx.error();
  }
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(options), last));
}

AuditLog::AuditLog(AuditLogOptions options, std::int64_t last_checkpoint)
    : options_(std::move(options)),
      last_checkpoint_seq_(last_checkpoint),
      last_checkpoint_time_(std::chrono::steady_clock::now()) {
  if (options_.max_batch == 0) options_.max_batch = 1;
  writer_ = std::thread([this] {
    set_thread_name("sovra-audit");
    run();
  });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

void AuditLog::append(AuditRecord record, std::function<void()> durable) {
  if (record.at_ms == 0) record.at_ms = now_ms();
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(record), std::move(durable), std::chrono::steady_clock::now()});
    ++enqueued_;
    if (host_wake_) {
      host_wake_();
      return;
    }
  }
  cv_.notify_one();
}

void AuditLog::flush() {
  std::unique_lock lock(mu_);
  const auto target = enqueued_;
  flushed_cv_.wait(lock, [&] { return written_ >= target; });
}

std::int64_t AuditLog::appended() const {
  std::lock_guard lock(mu_);
  return appended_;
}

Status AuditLog::checkpoint_now() {
  flush();
  if (!options_.chain) return {};
  std::optional<Checkpoint> made;
  if (auto tx = options_.db->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto head, sql::lock_head(s));
    SOVRA_TRY(made, checkpoint_in(s, *options_.key, head));
    return {};
  }); !tx) {
    return tx.error();
  }
  if (made) {
    export_checkpoint(*made);
    std::lock_guard lock(mu_);
    last_checkpoint_seq_ = std::max(last_checkpoint_seq_, made->seq);
    last_checkpoint_time_ = std::chrono::steady_clock::now();
  }
  return {};
}

Result<sql::PurgeResult> AuditLog::purge_older_than(std::int64_t cutoff_ms) {
  // A checkpoint of the current head first, so the purge can go as far as the cutoff allows.
  SOVRA_CHECK(checkpoint_now());
  sql::PurgeResult result;
  if (auto tx = options_.db->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(result, sql::purge_before(s, cutoff_ms));
    return {};
  }); !tx) {
    return tx.error();
  }
  if (result.records > 0) {
    AuditRecord r;
    r.type = "audit.purged";
    r.actor_type = "system";
    r.details = R"({"anchor_seq":)" + std::to_string(result.anchor_seq) + R"(,"records":)" +
                std::to_string(result.records) + R"(,"cutoff_ms":)" + std::to_string(cutoff_ms) + "}";
    append(std::move(r));
    flush();
    log().info("audit retention purge", {{"records", result.records}, {"anchor_seq", result.anchor_seq}});
  }
  return result;
}

Status AuditLog::write_in(store::SqlSession& s, std::vector<Pending>& batch, bool force_checkpoint,
                          std::int64_t last_checkpoint, Written& out) {
  out.made.reset();
  SOVRA_TRY(auto head, sql::lock_head(s));
  for (auto& p : batch) {
    auto& r = p.record;
    r.seq = head.seq + 1;
    r.prev_hash = head.hash;
    if (r.id.empty()) r.id = "audit_log-" + new_id("");
    r.hash = options_.chain ? compute_hash(r) : std::string(kGenesisHash);
    SOVRA_CHECK(sql::insert_record(s, r));
    head = {r.seq, r.hash};
  }
  if (!batch.empty()) SOVRA_CHECK(sql::write_head(s, head));
  const bool due = force_checkpoint || head.seq - last_checkpoint >= options_.checkpoint_every;
  if (options_.chain && due) {
    SOVRA_TRY(out.made, checkpoint_in(s, *options_.key, head));
  }
  out.end = head;
  return {};
}

Status AuditLog::write_batch(std::vector<Pending>& batch, bool force_checkpoint) {
  std::int64_t last_checkpoint = 0;
  {
    std::lock_guard lock(mu_);
    last_checkpoint = last_checkpoint_seq_;
  }
  Written written;
  const auto t0 = std::chrono::steady_clock::now();
  auto st = options_.db->transaction(
      [&](store::SqlSession& s) { return write_in(s, batch, force_checkpoint, last_checkpoint, written); });
  transaction_histogram().Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (!st) return st;
  note_committed(batch.size(), written);
  return {};
}

void AuditLog::note_committed(std::size_t records, const Written& written) {
  std::lock_guard lock(mu_);
  head_seq_ = written.end.seq;
  appended_ += static_cast<std::int64_t>(records);
  if (written.made) {
    last_checkpoint_seq_ = std::max(last_checkpoint_seq_, written.made->seq);
    last_checkpoint_time_ = std::chrono::steady_clock::now();
    // Outside the lock would be nicer, but export is rare (once per checkpoint) and short.
    export_checkpoint(*written.made);
  }
}

void AuditLog::finish_batch(std::vector<Pending>& batch) {
  const auto now = std::chrono::steady_clock::now();
  for (auto& p : batch) {
    if (p.durable) p.durable();
    wait_histogram().Observe(std::chrono::duration<double>(now - p.queued).count());
  }
  {
    std::lock_guard lock(mu_);
    written_ += batch.size();
  }
  flushed_cv_.notify_all();
}

void AuditLog::attach(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  host_wake_ = std::move(wake);
  if (!queue_.empty()) host_wake_();
}

void AuditLog::detach() {
  {
    std::lock_guard lock(mu_);
    host_wake_ = nullptr;
  }
  cv_.notify_one();  // what was queued since the host's last take is this thread's again
}

bool AuditLog::take() {
  std::lock_guard lock(mu_);
  while (!queue_.empty() && riding_.size() < options_.max_batch) {
    riding_.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  riding_last_checkpoint_ = last_checkpoint_seq_;
  if (!queue_.empty() && host_wake_) host_wake_();  // more than one batch queued: the host comes back for it
  return !riding_.empty();
}

Status AuditLog::write(store::SqlSession& session) {
  return write_in(session, riding_, false, riding_last_checkpoint_, riding_written_);
}

void AuditLog::done(bool committed) {
  if (committed) {
    note_committed(riding_.size(), riding_written_);
  } else {
    log().error("giving up on audit records: the host transaction failed",
                {{"records", static_cast<std::int64_t>(riding_.size())}});
  }
  finish_batch(riding_);
  riding_.clear();
  riding_written_ = {};
}

void AuditLog::export_checkpoint(const Checkpoint& c) {
  if (options_.checkpoint_export_file.empty()) return;
  std::lock_guard lock(export_mu_);
  const std::string line = checkpoint_json(c) + "\n";
  const int fd = ::open(options_.checkpoint_export_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    log().error("cannot open the audit checkpoint export file",
                {{"file", options_.checkpoint_export_file}, {"error", std::strerror(errno)}});
    return;
  }
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    log().error("cannot write the audit checkpoint export file", {{"file", options_.checkpoint_export_file}});
  }
  ::fsync(fd);
  ::close(fd);
}

void AuditLog::run() {
  while (true) {
    std::vector<Pending> batch;
    bool checkpoint = false;
    bool stop = false;
    {
      std::unique_lock lock(mu_);
      const auto deadline = last_checkpoint_time_ + options_.checkpoint_interval;
      // While a host carries the records, this thread only writes interval checkpoints (and, once stopping,
      // whatever is still queued).
      cv_.wait_until(lock, deadline, [this] { return stopping_ || (!queue_.empty() && !host_wake_); });
      while ((!host_wake_ || stopping_) && !queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stop = stopping_ && queue_.empty();
      const bool interval_passed = std::chrono::steady_clock::now() >= deadline;
      const bool behind = head_seq_ > last_checkpoint_seq_ || !batch.empty();
      checkpoint = behind && (interval_passed || stop);
      if (interval_passed && !behind) last_checkpoint_time_ = std::chrono::steady_clock::now();
    }
    if (!batch.empty() || checkpoint) {
      for (int attempt = 0;; ++attempt) {
        auto st = write_batch(batch, checkpoint);
        if (st) break;
        log().error("writing audit records failed", {{"error", st.error().message}, {"attempt", attempt + 1},
                                                     {"records", static_cast<std::int64_t>(batch.size())}});
        bool stopping = false;
        {
          std::unique_lock lock(mu_);
          stopping = stopping_;
        }
        if (stopping && attempt >= 2) {
          log().error("giving up on audit records at shutdown", {{"records", static_cast<std::int64_t>(batch.size())}});
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1000, 50 << std::min(attempt, 5))));
      }
      finish_batch(batch);
    }
    if (stop) return;
  }
}

}  // namespace sovra::platform::audit
