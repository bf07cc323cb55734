#pragma once
// Opens the configured store: `store.url` empty or "sqlite:PATH" → SQLite (default: <data_dir>/sovra.db);
// "postgres://…" or "postgresql://…" → PostgreSQL with `store.pool_size` connections.
#include <memory>
#include <string>

#include "common/error.hpp"
#include "store/sql.hpp"
#include "store/store.hpp"

namespace sovra::store {

struct OpenOptions {
  std::string url;
  std::string data_dir;
  int pool_size = 4;
  // SQLite only: fsync every commit (synchronous=FULL) instead of WAL's default NORMAL, which survives a process
  // kill but may lose the last commits on power loss. The usage ledger asks for it (group commit amortises it).
  bool sqlite_full_sync = false;
};

Result<std::unique_ptr<Store>> open_store(const OpenOptions& options);
// The database under a store, without the Store (for components with their own tables, e.g. the usage ledger).
// Does not migrate: open_store (or store::migrate) does.
Result<std::unique_ptr<SqlDatabase>> open_database(const OpenOptions& options);

// The configured database itself (no migrations): for subsystems with their own tables on the same database
// (platform/audit, gateway/residency), opened as a separate connection (pool) next to the Store's.
Result<std::unique_ptr<SqlDatabase>> open_database(const OpenOptions& options);

// The URL with any password replaced by "***", for logs and error messages.
std::string redact_url(const std::string& url);

}  // namespace sovra::store
