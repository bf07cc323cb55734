#pragma once
// Opt-in content retention. By default Sovra keeps no prompt or completion (zero data retention). A project may
// opt in (store setting, admin API) to keep them for N days; they are then stored encrypted at rest with
// AES-256-GCM under a 256-bit key from config (audit.content_key): a fresh 96-bit nonce per row, and the row's
// identity (id, org, project, request id) as associated data, so a ciphertext moved to another row fails to decrypt.
// The audit record of such a call says content was kept (AuditHookOptions::content_retention_days).
//
// Contract: keep(), read(), set_retention() and purge_expired() block on the database (store executor, never an
// I/O thread); retention_days() reads an in-memory copy (hot path). Thread-safe.
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "common/error.hpp"
#include "store/sql.hpp"

namespace sovra::platform::audit {

struct KeptContent {
  std::string org_id;
  std::string project_id;
  std::string request_id;
  std::string prompt;      // as the handler serialised it (e.g. the messages JSON)
  std::string completion;
  std::int64_t created_at = 0;  // Unix seconds
  std::int64_t expires_at = 0;
};

class ContentStore {
 public:
  // `key_hex`: 64 hex digits, or empty (then no project can opt in).
  static Result<std::shared_ptr<ContentStore>> open(std::shared_ptr<store::SqlDatabase> db, const std::string& key_hex);

  std::int64_t retention_days(const std::string& project_id) const;  // 0: none
  Status set_retention(const std::string& org_id, const std::string& project_id, std::int64_t days);
  Status reload();

  // Keeps the call's content when its project opted in; returns whether it was kept.
  Result<bool> keep(KeptContent content, std::int64_t now_s);
  // The content kept for a request of the organisation's project (not-found otherwise, also for other orgs').
  Result<KeptContent> read(const std::string& org_id, const std::string& project_id, const std::string& request_id);
  // Deletes what expired; returns how many rows.
  Result<std::int64_t> purge_expired(std::int64_t now_s);

  ~ContentStore();

 private:
  ContentStore(std::shared_ptr<store::SqlDatabase> db, std::string key, std::string key_id);
  std::shared_ptr<store::SqlDatabase> db_;
  std::string key_;  // 32 raw bytes, or empty
  std::string key_id_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::int64_t> days_;  // project id → days
};

}  // namespace sovra::platform::audit
