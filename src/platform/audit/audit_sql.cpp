#include "platform/audit/audit_sql.hpp"

#include "store/sql_rows.hpp"

namespace sovra::platform::audit::sql {

using store::SqlValue;
using store::detail::integer;
using store::detail::text;

namespace {

constexpr const char* kColumns =
    "seq, id, at_ms, type, org_id, project_id, actor_type, actor_id, request_id, details, prev_hash, hash";

AuditRecord record_from(const store::SqlRow& r) {
  AuditRecord a;
  a.seq = integer(r, 0);
  a.id = text(r, 1);
  a.at_ms = integer(r, 2);
  a.type = text(r, 3);
  a.org_id = text(r, 4);
  a.project_id = text(r, 5);
  a.actor_type = text(r, 6);
  a.actor_id = text(r, 7);
  a.request_id = text(r, 8);
  a.details = text(r, 9);
  a.prev_hash = text(r, 10);
  a.hash = text(r, 11);
  return a;
}

void in_list(std::string& sql, std::vector<SqlValue>& params, const char* column, const std::vector<std::string>& v) {
  if (v.empty()) return;
  sql += " AND ";
  sql += column;
  sql += " IN (";
  for (std::size_t i = 0; i < v.size(); ++i) {
    sql += i == 0 ? "?" : ", ?";
    params.emplace_back(v[i]);
  }
  sql += ")";
}

}  // namespace

Result<std::optional<Head>> read_head(store::SqlSession& s) {
  SOVRA_TRY(auto rows, s.query("SELECT seq, hash FROM audit_head WHERE id = 1"));
  if (rows.rows.empty()) return std::optional<Head>();
  return std::optional<Head>(Head{integer(rows.rows[0], 0), text(rows.rows[0], 1)});
}

Result<Head> lock_head(store::SqlSession& s) {
  // An UPDATE takes the row lock in PostgreSQL (SQLite's BEGIN IMMEDIATE already excludes other writers).
  SOVRA_TRY(auto touched, s.query("UPDATE audit_head SET seq = seq WHERE id = 1"));
  if (touched.affected == 0) {
    // First write ever: create the row; a concurrent creator makes this fail and the batch is retried.
    SOVRA_CHECK(s.query("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?)", {std::string(kGenesisHash)}));
  }
  SOVRA_TRY(auto head, read_head(s));
  return head.value_or(Head{});
}

Status write_head(store::SqlSession& s, const Head& head) {
  SOVRA_CHECK(s.query("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", {head.seq, head.hash}));
  return {};
}

Status insert_record(store::SqlSession& s, const AuditRecord& r) {
  SOVRA_CHECK(s.query("INSERT INTO audit_log (seq, id, at_ms, type, org_id, project_id, actor_type, actor_id,"
                      " request_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      {r.seq, r.id, r.at_ms, r.type, r.org_id, r.project_id, r.actor_type, r.actor_id, r.request_id,
                       r.details, r.prev_hash, r.hash}));
  return {};
}

Status insert_checkpoint(store::SqlSession& s, const Checkpoint& c) {
  SOVRA_CHECK(s.query("INSERT INTO audit_checkpoints (seq, hash, at_ms, key_id, signature) VALUES (?, ?, ?, ?, ?)",
                      {c.seq, c.hash, c.at_ms, c.key_id, c.signature}));
  return {};
}

Result<std::vector<AuditRecord>> read_records(store::SqlSession& s, std::int64_t after_seq, std::int64_t limit) {
  SOVRA_TRY(auto rows, s.query(std::string("SELECT ") + kColumns + " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
                               {after_seq, limit}));
  std::vector<AuditRecord> out;
  out.reserve(rows.rows.size());
  for (const auto& r : rows.rows) out.push_back(record_from(r));
  return out;
}

Result<std::vector<Checkpoint>> read_checkpoints(store::SqlSession& s) {
  SOVRA_TRY(auto rows, s.query("SELECT seq, hash, at_ms, key_id, signature FROM audit_checkpoints ORDER BY seq"));
  std::vector<Checkpoint> out;
  for (const auto& r : rows.rows) out.push_back({integer(r, 0), text(r, 1), integer(r, 2), text(r, 3), text(r, 4)});
  return out;
}

Result<std::optional<std::int64_t>> seq_of_hash(store::SqlSession& s, const std::string& hash) {
  SOVRA_TRY(auto rows, s.query("SELECT seq FROM audit_log WHERE hash = ? ORDER BY seq LIMIT 1", {hash}));
  if (rows.rows.empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(integer(rows.rows[0], 0));
}

Result<std::int64_t> last_checkpoint_seq(store::SqlSession& s) {
  SOVRA_TRY(auto rows, s.query("SELECT MAX(seq) FROM audit_checkpoints"));
  return rows.rows.empty() ? 0 : integer(rows.rows[0], 0);
}

Result<std::vector<AuditRecord>> query_records(store::SqlSession& s, const Query& q) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM audit_log WHERE 1 = 1";
  std::vector<SqlValue> params;
  if (!q.org_id.empty()) {
    sql += " AND org_id = ?";
    params.emplace_back(q.org_id);
  }
  if (q.from_ms > 0) {
    sql += " AND at_ms >= ?";
    params.emplace_back(q.from_ms);
  }
  if (q.to_ms > 0) {
    sql += " AND at_ms < ?";
    params.emplace_back(q.to_ms);
  }
  in_list(sql, params, "type", q.types);
  in_list(sql, params, "actor_id", q.actor_ids);
  in_list(sql, params, "project_id", q.project_ids);
  in_list(sql, params, "request_id", q.resource_ids);
  if (q.ascending) {
    sql += " AND seq > ? ORDER BY seq LIMIT ?";
    params.emplace_back(q.after_seq);
  } else {
    if (q.after_seq > 0) {
      sql += " AND seq < ?";
      params.emplace_back(q.after_seq);
    }
    if (q.before_seq > 0) {
      sql += " AND seq > ?";
      params.emplace_back(q.before_seq);
    }
    sql += " ORDER BY seq DESC LIMIT ?";
  }
  params.emplace_back(q.limit);
  SOVRA_TRY(auto rows, s.query(sql, params));
  std::vector<AuditRecord> out;
  out.reserve(rows.rows.size());
  for (const auto& r : rows.rows) out.push_back(record_from(r));
  return out;
}

Result<std::optional<std::int64_t>> seq_of_id(store::SqlSession& s, const std::string& org_id, const std::string& id) {
  auto rows_ = org_id.empty() ? s.query("SELECT seq FROM audit_log WHERE id = ?", {id})
                              : s.query("SELECT seq FROM audit_log WHERE id = ? AND org_id = ?", {id, org_id});
  SOVRA_TRY(auto rows, std::move(rows_));
  if (rows.rows.empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(integer(rows.rows[0], 0));
}

Result<PurgeResult> purge_before(store::SqlSession& s, std::int64_t cutoff_ms) {
  // Only whole prefixes go, and only up to a checkpoint, so that the first remaining record links to a signed hash.
  SOVRA_TRY(auto young, s.query("SELECT MIN(seq) FROM audit_log WHERE at_ms >= ?", {cutoff_ms}));
  std::int64_t bound = 0;
  if (!young.rows.empty() && young.rows[0][0]) {
    bound = integer(young.rows[0], 0) - 1;
  } else {
    SOVRA_TRY(auto last, s.query("SELECT MAX(seq) FROM audit_log"));
    bound = last.rows.empty() ? 0 : integer(last.rows[0], 0);
  }
  SOVRA_TRY(auto anchor_rows, s.query("SELECT MAX(seq) FROM audit_checkpoints WHERE seq <= ?", {bound}));
  const std::int64_t anchor = anchor_rows.rows.empty() ? 0 : integer(anchor_rows.rows[0], 0);
  PurgeResult out;
  if (anchor <= 0) return out;
  SOVRA_TRY(auto deleted, s.query("DELETE FROM audit_log WHERE seq <= ?", {anchor}));
  SOVRA_CHECK(s.query("DELETE FROM audit_checkpoints WHERE seq < ?", {anchor}));
  out.anchor_seq = anchor;
  out.records = deleted.affected;
  return out;
}

}  // namespace sovra::platform::audit::sql
