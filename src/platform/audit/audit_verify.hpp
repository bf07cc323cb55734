#pragma once
// Verification of an audit chain: recomputes every hash, follows every link, checks every checkpoint signature
// against the verifying key, and reports the FIRST problem precisely:
//   kModified   — a record's content no longer matches its hash, or a rewritten record no longer matches the
//                 signed checkpoint at its seq;
//   kDeleted    — a gap in seq (records missing), or the chain starts after seq 1 without a signed checkpoint
//                 anchoring its first record (retention purges leave such an anchor);
//   kReordered  — a record links to the hash of a record found elsewhere in the chain, not its predecessor;
//   kTruncated  — records are missing at the end: a checkpoint or the chain head names a later seq than the last
//                 record, or an export file ends in the middle of a line;
//   kBadSignature — a checkpoint whose signature does not verify (e.g. signed by another key; its key id is named).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "platform/audit/audit_record.hpp"
#include "platform/audit/checkpoint.hpp"
#include "platform/audit/signing_key.hpp"

namespace sovra::platform::audit {

enum class Problem { kModified, kDeleted, kReordered, kTruncated, kBadSignature };
const char* problem_name(Problem p);  // "modified", "deleted", …

struct VerifyFinding {
  Problem problem;
  std::int64_t seq = 0;    // the first broken record (or, for kBadSignature, the checkpoint's seq)
  std::string record_id;   // when a record is at fault
  std::string message;     // for a person
};

struct VerifyReport {
  std::int64_t records = 0;
  std::int64_t first_seq = 0;
  std::int64_t last_seq = 0;
  std::int64_t checkpoints = 0;  // verified signatures
  std::optional<VerifyFinding> finding;
  bool ok() const { return !finding.has_value(); }
};

struct ChainSource {
  // The next records in storage order (the store: ascending seq; an export file: line order); empty at the end.
  std::function<Result<std::vector<AuditRecord>>()> next;
  // The seq of a record whose stored hash is `hash`, if any (used only to tell reordering from modification).
  std::function<std::optional<std::int64_t>(const std::string& hash)> find_hash;
  std::vector<Checkpoint> checkpoints;  // from the store and/or an export file; duplicates are fine
  std::optional<std::int64_t> head_seq;  // what the chain's head says, when known
};

Result<VerifyReport> verify_chain(const ChainSource& source, const VerifyKey& key);

}  // namespace sovra::platform::audit
