#include "store/migrations/migrations.hpp"

#include <chrono>
#include <string>

namespace sovra::store {
namespace {

const std::vector<Migration> kMigrations = {
    {1,
     "tenancy",
     {
         "CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL)",
         "CREATE TABLE projects (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),"
         " name TEXT NOT NULL, created_at BIGINT NOT NULL, archived_at BIGINT NOT NULL DEFAULT 0)",
         "CREATE INDEX projects_by_org ON projects (org_id, id)",
         "CREATE TABLE api_keys (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),"
         " project_id TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL, name TEXT NOT NULL,"
         " owner_type TEXT NOT NULL DEFAULT '', owner_id TEXT NOT NULL DEFAULT '', redacted TEXT NOT NULL,"
         " salt TEXT NOT NULL, hash TEXT NOT NULL, prev_salt TEXT NOT NULL DEFAULT '',"
         " prev_hash TEXT NOT NULL DEFAULT '', prev_valid_until BIGINT NOT NULL DEFAULT 0,"
         " created_at BIGINT NOT NULL, last_used_at BIGINT NOT NULL DEFAULT 0, expires_at BIGINT NOT NULL DEFAULT 0,"
         " revoked_at BIGINT NOT NULL DEFAULT 0, allowed_models TEXT NOT NULL DEFAULT '[]',"
         " allowed_endpoints TEXT NOT NULL DEFAULT '[]')",
         "CREATE INDEX api_keys_by_scope ON api_keys (org_id, kind, project_id, id)",
         "CREATE TABLE service_accounts (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),"
         " project_id TEXT NOT NULL REFERENCES projects(id), name TEXT NOT NULL, role TEXT NOT NULL,"
         " created_at BIGINT NOT NULL)",
         "CREATE INDEX service_accounts_by_project ON service_accounts (org_id, project_id, id)",
         "CREATE TABLE users (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),"
         " email TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, added_at BIGINT NOT NULL,"
         " UNIQUE (org_id, email))",
         "CREATE TABLE invites (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id),"
         " email TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL, invited_at BIGINT NOT NULL,"
         " expires_at BIGINT NOT NULL)",
         "CREATE INDEX invites_by_org ON invites (org_id, id)",
     }},
    // Audit trail (platform/audit/audit_sql.hpp), residency policies (gateway/residency) and opt-in content
    // retention (platform/audit/content_store.hpp).
    {2,
     "audit_residency",
     {
         "CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, at_ms BIGINT NOT NULL,"
         " type TEXT NOT NULL, org_id TEXT NOT NULL DEFAULT '', project_id TEXT NOT NULL DEFAULT '',"
         " actor_type TEXT NOT NULL DEFAULT '', actor_id TEXT NOT NULL DEFAULT '', request_id TEXT NOT NULL DEFAULT '',"
         " details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
         "CREATE INDEX audit_log_by_org ON audit_log (org_id, seq)",
         "CREATE INDEX audit_log_by_time ON audit_log (at_ms)",
         "CREATE TABLE audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
         "CREATE TABLE audit_checkpoints (seq BIGINT PRIMARY KEY, hash TEXT NOT NULL, at_ms BIGINT NOT NULL,"
         " key_id TEXT NOT NULL, signature TEXT NOT NULL)",
         "CREATE TABLE residency_policies (scope_id TEXT PRIMARY KEY, org_id TEXT NOT NULL,"
         " allowed_regions TEXT NOT NULL DEFAULT '[]', allowed_jurisdictions TEXT NOT NULL DEFAULT '[]',"
         " updated_at BIGINT NOT NULL)",
         "CREATE TABLE content_retention_settings (project_id TEXT PRIMARY KEY, org_id TEXT NOT NULL,"
         " retention_days BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
         "CREATE TABLE retained_content (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, project_id TEXT NOT NULL,"
         " request_id TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, key_id TEXT NOT NULL,"
         " nonce TEXT NOT NULL, ciphertext TEXT NOT NULL, tag TEXT NOT NULL)",
         "CREATE INDEX retained_content_by_request ON retained_content (project_id, request_id)",
         "CREATE INDEX retained_content_by_expiry ON retained_content (expires_at)",
     }},
    {3,
     "rate_limits",
     {
         // Scope columns are '' when not set (organisation scope: project_id = key_id = '').
         "CREATE TABLE rate_limits (org_id TEXT NOT NULL REFERENCES organizations(id),"
         " project_id TEXT NOT NULL DEFAULT '', key_id TEXT NOT NULL DEFAULT '', id TEXT NOT NULL,"
         " model TEXT NOT NULL, requests_per_minute BIGINT NOT NULL DEFAULT 0,"
         " requests_per_day BIGINT NOT NULL DEFAULT 0, tokens_per_minute BIGINT NOT NULL DEFAULT 0,"
         " tokens_per_day BIGINT NOT NULL DEFAULT 0, concurrent_requests BIGINT NOT NULL DEFAULT 0,"
         " updated_at BIGINT NOT NULL, PRIMARY KEY (org_id, project_id, key_id, id))",
     }},
    {4,
     "metering",
     {
         // Money columns are exact nanos (1e-9 of the currency unit, platform/pricing/money.hpp); times in ms.
         "CREATE TABLE prices (id TEXT PRIMARY KEY, model TEXT NOT NULL, currency TEXT NOT NULL,"
         " effective_from BIGINT NOT NULL, input_per_1m BIGINT NOT NULL, cached_input_per_1m BIGINT NOT NULL,"
         " output_per_1m BIGINT NOT NULL, audio_minute BIGINT NOT NULL, page BIGINT NOT NULL,"
         " created_at BIGINT NOT NULL, UNIQUE (model, currency, effective_from))",
         "CREATE TABLE billing_accounts (org_id TEXT PRIMARY KEY, currency TEXT NOT NULL, updated_at BIGINT NOT NULL)",
         // No foreign keys: a usage record must never fail to commit because its organisation changed.
         "CREATE TABLE usage_records (id TEXT PRIMARY KEY, request_id TEXT NOT NULL, org_id TEXT NOT NULL,"
         " project_id TEXT NOT NULL, key_id TEXT NOT NULL, user_id TEXT NOT NULL, model TEXT NOT NULL,"
         " endpoint TEXT NOT NULL, input_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL,"
         " output_tokens BIGINT NOT NULL, audio_ms BIGINT NOT NULL, pages BIGINT NOT NULL, started_ms BIGINT NOT NULL,"
         " ended_ms BIGINT NOT NULL, latency_ms BIGINT NOT NULL, status BIGINT NOT NULL, error_code TEXT NOT NULL,"
         " cancelled BIGINT NOT NULL, region TEXT NOT NULL, deployment TEXT NOT NULL, price_id TEXT NOT NULL,"
         " currency TEXT NOT NULL, cost_nanos BIGINT NOT NULL)",
         "CREATE INDEX usage_by_org_time ON usage_records (org_id, started_ms)",
         "CREATE TABLE budgets (org_id TEXT NOT NULL, project_id TEXT NOT NULL, amount_nanos BIGINT NOT NULL,"
         " hard BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (org_id, project_id))",
         "CREATE TABLE invoices (org_id TEXT NOT NULL, month TEXT NOT NULL, closed_at BIGINT NOT NULL,"
         " body TEXT NOT NULL, PRIMARY KEY (org_id, month))",
     }},
    // Roles of admin keys (platform/role.hpp; keys issued before roles existed act as owners) and invites that can
    // be accepted with a one-time token (only its salted hash is kept).
    {5,
     "roles_invites",
     {
         "ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT ''",
         "UPDATE api_keys SET role = 'owner' WHERE kind = 'admin'",
         "ALTER TABLE invites ADD COLUMN accepted_at BIGINT NOT NULL DEFAULT 0",
         "ALTER TABLE invites ADD COLUMN token_salt TEXT NOT NULL DEFAULT ''",
         "ALTER TABLE invites ADD COLUMN token_hash TEXT NOT NULL DEFAULT ''",
     }},
};

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

Result<std::int64_t> migrate(SqlDatabase& db, std::span<const Migration> known) {
  const std::int64_t latest = known.empty() ? 0 : known.back().version;
  std::int64_t version = 0;
  auto st = db.transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(db.lock_for_migrations(s));
    SOVRA_CHECK(s.query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
    SOVRA_TRY(auto rows, s.query("SELECT MAX(version) FROM schema_migrations"));
    const auto& cell = rows.rows.at(0).at(0);
    version = cell ? std::stoll(*cell) : 0;
    if (version > latest) {
      return Error{ErrorCode::kUnavailable,
                   "The database schema is at version " + std::to_string(version) +
                       ", newer than this sovra binary understands (" + std::to_string(latest) +
                       "): it was migrated by a newer release. Run that release (or newer), or restore a backup.",
                   {},
                   0};
    }
    for (const auto& m : known) {
      if (m.version <= version) continue;
      for (const char* sql : m.statements) SOVRA_CHECK(s.query(sql));
      SOVRA_CHECK(s.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                          {m.version, std::string(m.name), now_seconds()}));
      version = m.version;
    }
    return {};
  });
  if (!st) return st.error();
  return version;
}

}  // namespace sovra::store
