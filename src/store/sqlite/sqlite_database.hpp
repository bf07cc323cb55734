#pragma once
// SQLite driver: one file, WAL journal. The databases one process opens on the same file (ledger, audit, store)
// share one connection and commit together: a transaction that finds another one running queues its work, and the
// next leader runs all queued work in one transaction (a SAVEPOINT per caller) with one COMMIT, so two writers
// neither meet SQLITE_BUSY nor pay a commit each in a row, and the connection's page cache stays warm. Changes
// by other processes (`sovra admin` on the same file) are noticed by polling PRAGMA data_version.
#include <memory>
#include <string>

#include "store/sql.hpp"

namespace sovra::store {

struct SqliteOptions {
  bool full_sync = false;  // PRAGMA synchronous=FULL: every commit is fsynced (default NORMAL)
};

Result<std::unique_ptr<SqlDatabase>> open_sqlite(const std::string& path, SqliteOptions options = {});

}  // namespace sovra::store
