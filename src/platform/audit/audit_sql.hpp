#pragma once
// The audit trail's tables (migration "audit_residency" in store/migrations) and the queries on them. Every
// function runs inside a transaction the caller opened (SqlDatabase::transaction).
//
//   audit_log (seq PK, id UNIQUE, at_ms, type, org_id, project_id, actor_type, actor_id, request_id, details,
//              prev_hash, hash)                      — append-only; rows leave only by retention purge
//   audit_head (id = 1, seq, hash)                    — the chain's end; its row lock serialises writers of
//                                                       several processes (PostgreSQL) and reveals truncation
//   audit_checkpoints (seq PK, hash, at_ms, key_id, signature)
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "platform/audit/audit_record.hpp"
#include "platform/audit/checkpoint.hpp"
#include "store/sql.hpp"

namespace sovra::platform::audit::sql {

struct Head {
  std::int64_t seq = 0;
  std::string hash{kGenesisHash};
};

// Locks the head row for the rest of the transaction (creating it when absent) and returns it.
Result<Head> lock_head(store::SqlSession& s);
Result<std::optional<Head>> read_head(store::SqlSession& s);
Status write_head(store::SqlSession& s, const Head& head);
Status insert_record(store::SqlSession& s, const AuditRecord& r);
Status insert_checkpoint(store::SqlSession& s, const Checkpoint& c);

// Records with seq > after_seq in seq order, at most `limit`.
Result<std::vector<AuditRecord>> read_records(store::SqlSession& s, std::int64_t after_seq, std::int64_t limit);
Result<std::vector<Checkpoint>> read_checkpoints(store::SqlSession& s);
Result<std::optional<std::int64_t>> seq_of_hash(store::SqlSession& s, const std::string& hash);
Result<std::int64_t> last_checkpoint_seq(store::SqlSession& s);

// For the API and export: filters on one organisation's records (org_id empty: all — CLI only).
struct Query {
  std::string org_id;
  std::int64_t from_ms = 0;                 // inclusive; 0: no bound
  std::int64_t to_ms = 0;                   // exclusive; 0: no bound
  std::vector<std::string> types;           // empty: all
  std::vector<std::string> actor_ids;       // empty: all
  std::vector<std::string> project_ids;     // empty: all
  std::vector<std::string> resource_ids;    // match the request id (records carry no other resource column)
  std::int64_t after_seq = 0;               // newest first: seq < after_seq (0: none)
  std::int64_t before_seq = 0;              // newest first: seq > before_seq (0: none)
  std::int64_t limit = 20;
  bool ascending = false;                   // export: oldest first, seq > after_seq
};
Result<std::vector<AuditRecord>> query_records(store::SqlSession& s, const Query& q);
// The seq of record `id` within `org_id` (org_id empty: any), for cursors.
Result<std::optional<std::int64_t>> seq_of_id(store::SqlSession& s, const std::string& org_id, const std::string& id);

// Retention: deletes the records up to the newest checkpoint whose records are all older than cutoff_ms, and the
// checkpoints before it (it stays, as the anchor). Returns the anchor's seq (0: nothing purged) and the count.
struct PurgeResult {
  std::int64_t anchor_seq = 0;
  std::int64_t records = 0;
};
Result<PurgeResult> purge_before(store::SqlSession& s, std::int64_t cutoff_ms);

}  // namespace sovra::platform::audit::sql
