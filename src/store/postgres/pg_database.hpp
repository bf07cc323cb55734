#pragma once
// PostgreSQL driver (libpq): a fixed pool of connections for queries, plus one connection per listener that
// LISTENs for notifications (reconnecting, and reporting a full-reload change after any gap).
#include <memory>
#include <string>

#include "store/sql.hpp"

namespace sovra::store {

struct PgOptions {
  std::string conninfo;  // "postgresql://user@host:port/db" or "host=… dbname=…"
  int pool_size = 4;
};

Result<std::unique_ptr<SqlDatabase>> open_postgres(const PgOptions& options);

}  // namespace sovra::store
