#include "store/open.hpp"

#include "store/postgres/pg_database.hpp"
#include "store/sql_store.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace sovra::store {

std::string redact_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto at = url.find('@', scheme + 3);
  if (at == std::string::npos) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Result<std::unique_ptr<Store>> open_store(const OpenOptions& o) {
  SOVRA_TRY(auto db, open_database(o));
  SOVRA_TRY(auto s, SqlStore::open(std::move(db)));
  return std::unique_ptr<Store>(std::move(s));
}

Result<std::unique_ptr<SqlDatabase>> open_database(const OpenOptions& o) {
  std::unique_ptr<SqlDatabase> db;
  if (o.url.starts_with("postgres://") || o.url.starts_with("postgresql://")) {
    auto pg = open_postgres({.conninfo = o.url, .pool_size = o.pool_size});
    if (!pg) return Error::unavailable("store " + redact_url(o.url) + ": " + pg.error().message);
    db = std::move(*pg);
  } else if (o.url.empty() || o.url.starts_with("sqlite:")) {
    const std::string path = o.url.empty() ? o.data_dir + "/sovra.db" : o.url.substr(7);
    SOVRA_TRY(db, open_sqlite(path, {.full_sync = o.sqlite_full_sync}));
  } else {
    return Error::invalid("store.url must be empty (SQLite in the data directory), sqlite:PATH or postgres://…",
                          "store.url");
  }
  return db;
}

}  // namespace sovra::store
