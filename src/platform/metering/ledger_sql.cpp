#include "platform/metering/ledger_sql.hpp"

#include <algorithm>

namespace sovra::platform::metering {
namespace {

constexpr const char* kColumns =
    "id, request_id, org_id, project_id, key_id, user_id, model, endpoint, input_tokens, cached_tokens,"
    " output_tokens, audio_ms, pages, started_ms, ended_ms, latency_ms, status, error_code, cancelled, region,"
    " deployment, price_id, currency, cost_nanos";
constexpr std::size_t kColumnCount = 24;
// SQLite allows 32766 bound values per statement; PostgreSQL 65535. Statements hold a power of two of rows (a group
// of 23 goes as 16 + 4 + 2 + 1), so that a driver's prepared-statement cache sees a few shapes, not one per size.
constexpr std::size_t kRowsPerStatement = 256;

std::size_t rows_in_next_statement(std::size_t left) {
  std::size_t n = 1;
  while (n * 2 <= left && n * 2 <= kRowsPerStatement) n *= 2;
  return n;
}

std::int64_t int_cell(const store::SqlCell& c) { return c ? std::stoll(*c) : 0; }

void append_values(std::vector<store::SqlValue>& v, const UsageRecord& r) {
  v.emplace_back(r.id);
  v.emplace_back(r.request_id);
  v.emplace_back(r.org_id);
  v.emplace_back(r.project_id);
  v.emplace_back(r.key_id);
  v.emplace_back(r.user_id);
  v.emplace_back(r.model);
  v.emplace_back(r.endpoint);
  v.emplace_back(r.input_tokens);
  v.emplace_back(r.cached_tokens);
  v.emplace_back(r.output_tokens);
  v.emplace_back(r.audio_ms);
  v.emplace_back(r.pages);
  v.emplace_back(r.started_ms);
  v.emplace_back(r.ended_ms);
  v.emplace_back(r.latency_ms);
  v.emplace_back(r.status);
  v.emplace_back(r.error_code);
  v.emplace_back(std::int64_t{r.cancelled ? 1 : 0});
  v.emplace_back(r.region);
  v.emplace_back(r.deployment);
  v.emplace_back(r.price_id);
  v.emplace_back(r.currency);
  v.emplace_back(r.cost.nanos);
}

UsageRecord record_from_row(const store::SqlRow& c) {
  UsageRecord r;
  r.id = c[0].value_or("");
  r.request_id = c[1].value_or("");
  r.org_id = c[2].value_or("");
  r.project_id = c[3].value_or("");
  r.key_id = c[4].value_or("");
  r.user_id = c[5].value_or("");
  r.model = c[6].value_or("");
  r.endpoint = c[7].value_or("");
  r.input_tokens = int_cell(c[8]);
  r.cached_tokens = int_cell(c[9]);
  r.output_tokens = int_cell(c[10]);
  r.audio_ms = int_cell(c[11]);
  r.pages = int_cell(c[12]);
  r.started_ms = int_cell(c[13]);
  r.ended_ms = int_cell(c[14]);
  r.latency_ms = int_cell(c[15]);
  r.status = int_cell(c[16]);
  r.error_code = c[17].value_or("");
  r.cancelled = int_cell(c[18]) != 0;
  r.region = c[19].value_or("");
  r.deployment = c[20].value_or("");
  r.price_id = c[21].value_or("");
  r.currency = c[22].value_or("");
  r.cost = {int_cell(c[23])};
  return r;
}

}  // namespace

Status insert_records(store::SqlSession& session, const std::vector<UsageRecord>& records) {
  for (std::size_t begin = 0; begin < records.size();) {
    const std::size_t end = begin + rows_in_next_statement(records.size() - begin);
    std::string sql = std::string("INSERT INTO usage_records (") + kColumns + ") VALUES ";
    std::vector<store::SqlValue> values;
    values.reserve((end - begin) * kColumnCount);
    for (std::size_t i = begin; i < end; ++i) {
      if (i > begin) sql += ',';
      sql += "(?";
      for (std::size_t c = 1; c < kColumnCount; ++c) sql += ",?";
      sql += ')';
      append_values(values, records[i]);
    }
    sql += " ON CONFLICT (id) DO NOTHING";
    SOVRA_CHECK(session.query(sql, values));
    begin = end;
  }
  return {};
}

Result<std::vector<UsageRecord>> records_of(store::SqlDatabase& db, const std::string& org_id, std::int64_t from_ms,
                                            std::int64_t to_ms) {
  std::vector<UsageRecord> out;
  auto st = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(std::string("SELECT ") + kColumns +
                                     " FROM usage_records WHERE org_id = ? AND started_ms >= ? AND started_ms < ?"
                                     " ORDER BY started_ms, id",
                                 {org_id, from_ms, to_ms}));
    for (const auto& r : rows.rows) out.push_back(record_from_row(r));
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<std::int64_t> count_records(store::SqlDatabase& db) {
  std::int64_t n = 0;
  auto st = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query("SELECT COUNT(*) FROM usage_records"));
    n = int_cell(rows.rows.at(0).at(0));
    return {};
  });
  if (!st) return st.error();
  return n;
}

Result<std::int64_t> spend_nanos(store::SqlDatabase& db, const std::string& org_id,
                                 const std::optional<std::string>& project_id, std::int64_t from_ms,
                                 std::int64_t to_ms) {
  std::int64_t n = 0;
  auto st = db.transaction([&](store::SqlSession& s) -> Status {
    std::string sql = "SELECT COALESCE(SUM(cost_nanos), 0) FROM usage_records WHERE org_id = ? AND started_ms >= ?"
                      " AND started_ms < ?";
    std::vector<store::SqlValue> params{org_id, from_ms, to_ms};
    if (project_id) {
      sql += " AND project_id = ?";
      params.emplace_back(*project_id);
    }
    SOVRA_TRY(auto rows, s.query(sql, params));
    n = int_cell(rows.rows.at(0).at(0));
    return {};
  });
  if (!st) return st.error();
  return n;
}

}  // namespace sovra::platform::metering
