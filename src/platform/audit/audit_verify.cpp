#include "platform/audit/audit_verify.hpp"

#include <map>

namespace sovra::platform::audit {
namespace {

std::string at(const AuditRecord& r) { return "record seq " + std::to_string(r.seq) + " (" + r.id + ")"; }

class Walk {
 public:
  Walk(const ChainSource& source, const VerifyKey& key) : source_(source), key_(key) {
    for (const auto& c : source.checkpoints) checkpoints_.emplace(c.seq, c);
  }

  Result<VerifyReport> run() {
    std::optional<AuditRecord> prev;
    while (!report_.finding) {
      SOVRA_TRY(auto page, source_.next());
      if (page.empty()) break;
      for (auto& r : page) {
        if (!prev) {
          first(r);
        } else {
          next(*prev, r);
        }
        if (report_.finding) break;
        if (compute_hash(r) != r.hash) {
          fail(Problem::kModified, r, at(r) + " was modified: its content does not match its hash");
          break;
        }
        if (!checkpoints_at(r)) break;
        ++report_.records;
        report_.last_seq = r.seq;
        prev = std::move(r);
      }
    }
    if (!report_.finding) end();
    return report_;
  }

 private:
  void fail(Problem p, const AuditRecord& r, std::string message) {
    report_.finding = VerifyFinding{p, r.seq, r.id, std::move(message)};
  }
  void fail_at(Problem p, std::int64_t seq, std::string message) {
    report_.finding = VerifyFinding{p, seq, {}, std::move(message)};
  }

  bool signature_ok(const Checkpoint& c) {
    if (c.key_id != key_.key_id()) {
      fail_at(Problem::kBadSignature, c.seq,
              "the checkpoint at seq " + std::to_string(c.seq) + " was signed by key " + c.key_id +
                  ", not by the verifying key " + key_.key_id() + " (the signing key was replaced)");
      return false;
    }
    if (!key_.verify(checkpoint_message(c), c.signature)) {
      fail_at(Problem::kBadSignature, c.seq,
              "the checkpoint at seq " + std::to_string(c.seq) + " has an invalid signature (the checkpoint was altered)");
      return false;
    }
    ++report_.checkpoints;
    return true;
  }

  void first(const AuditRecord& r) {
    report_.first_seq = r.seq;
    // Checkpoints before the anchor belong to purged records: only their signatures can be checked.
    for (auto it = checkpoints_.begin(); it != checkpoints_.end() && it->first < r.seq - 1; ++it) {
      if (!signature_ok(it->second)) return;
    }
    if (r.seq == 1) {
      if (r.prev_hash != kGenesisHash) fail(Problem::kModified, r, at(r) + " was modified: the first record must link to the genesis hash");
      return;
    }
    auto [lo, hi] = checkpoints_.equal_range(r.seq - 1);
    for (auto it = lo; it != hi; ++it) {
      if (!signature_ok(it->second)) return;
      if (it->second.hash == r.prev_hash) return;  // anchored by a signed checkpoint (retention purge)
    }
    if (lo != hi) {
      fail(Problem::kModified, r, at(r) + " does not link to the signed checkpoint at seq " + std::to_string(r.seq - 1));
    } else {
      fail(Problem::kDeleted, r,
           "records before seq " + std::to_string(r.seq) + " are missing: the chain starts at " + at(r) +
               " and no signed checkpoint anchors it (deleted records)");
    }
  }

  void next(const AuditRecord& prev, const AuditRecord& r) {
    if (r.prev_hash != prev.hash) {
      const auto elsewhere = source_.find_hash ? source_.find_hash(r.prev_hash) : std::nullopt;
      if (elsewhere && *elsewhere != prev.seq) {
        fail(Problem::kReordered, r,
             at(r) + " is out of order: it follows seq " + std::to_string(prev.seq) +
                 " but was chained after the record now at seq " + std::to_string(*elsewhere) + " (records reordered)");
      } else if (r.seq > prev.seq + 1) {
        fail_at(Problem::kDeleted, prev.seq + 1,
                "records seq " + std::to_string(prev.seq + 1) +
                    (r.seq - 1 > prev.seq + 1 ? " to " + std::to_string(r.seq - 1) : std::string()) +
                    " are missing (deleted): " + at(r) + " links to a hash no remaining record has");
      } else {
        fail(Problem::kModified, prev,
             at(prev) + " was modified or replaced: " + at(r) + " links to a different hash");
      }
      return;
    }
    if (r.seq != prev.seq + 1) {
      fail(Problem::kModified, r, at(r) + " was modified: its seq does not follow " + std::to_string(prev.seq));
    }
  }

  bool checkpoints_at(const AuditRecord& r) {
    auto [lo, hi] = checkpoints_.equal_range(r.seq);
    for (auto it = lo; it != hi; ++it) {
      if (!signature_ok(it->second)) return false;
      if (it->second.hash != r.hash) {
        fail(Problem::kModified, r,
             at(r) + " differs from the signed checkpoint at its seq: the chain was rewritten up to here");
        return false;
      }
    }
    return true;
  }

  void end() {
    const std::int64_t last = report_.last_seq;
    for (auto it = checkpoints_.upper_bound(last); it != checkpoints_.end(); ++it) {
      if (!signature_ok(it->second)) return;
      fail_at(Problem::kTruncated, last + 1,
              "the chain ends at seq " + std::to_string(last) + " but a signed checkpoint covers seq " +
                  std::to_string(it->first) + ": records " + std::to_string(last + 1) + " to " +
                  std::to_string(it->first) + " were removed (truncated)");
      return;
    }
    if (source_.head_seq && *source_.head_seq > last) {
      fail_at(Problem::kTruncated, last + 1,
              "the chain ends at seq " + std::to_string(last) + " but its head says " +
                  std::to_string(*source_.head_seq) + ": records after seq " + std::to_string(last) +
                  " were removed (truncated)");
    }
  }

  const ChainSource& source_;
  const VerifyKey& key_;
  std::multimap<std::int64_t, Checkpoint> checkpoints_;
  VerifyReport report_;
};

}  // namespace

const char* problem_name(Problem p) {
  switch (p) {
    case Problem::kModified: return "modified";
    case Problem::kDeleted: return "deleted";
    case Problem::kReordered: return "reordered";
    case Problem::kTruncated: return "truncated";
    case Problem::kBadSignature: return "bad_signature";
  }
  return "unknown";
}

Result<VerifyReport> verify_chain(const ChainSource& source, const VerifyKey& key) { return Walk(source, key).run(); }

}  // namespace sovra::platform::audit
