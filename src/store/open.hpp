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
};

Result<std::unique_ptr<Store>> open_store(const OpenOptions& options);

// The configured database itself (no migrations): for subsystems with their own tables on the same database
// (platform/audit, gateway/residency), opened as a separate connection (pool) next to the Store's.
Result<std::unique_ptr<SqlDatabase>> open_database(const OpenOptions& options);

// The URL with any password replaced by "***", for logs and error messages.
std::string redact_url(const std::string& url);

}  // namespace sovra::store
