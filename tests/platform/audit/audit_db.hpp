#pragma once
// A migrated SqlDatabase for audit and residency tests: SQLite in a temporary directory, or PostgreSQL in its own
// schema when SOVRA_TEST_POSTGRES_URL is set (tests skip with the reason otherwise).
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/migrations/migrations.hpp"
#include "store/postgres/pg_database.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "store/store_backends.hpp"

namespace sovra::platform::audit::test {

struct SqliteDb {
  SqliteDb() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sovra-audit-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  ~SqliteDb() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string skip_reason() const { return dir_.empty() ? "cannot create a temporary directory" : ""; }
  const std::string& dir() const { return dir_; }
  std::string path() const { return dir_ + "/sovra.db"; }
  Result<std::shared_ptr<store::SqlDatabase>> open() {
    auto db = store::open_sqlite(path());
    if (!db) return db.error();
    if (auto v = store::migrate(**db); !v) return v.error();
    return std::shared_ptr<store::SqlDatabase>(std::move(*db));
  }
  std::string dir_;
};

struct PostgresDb {
  store::test::PostgresBackend backend;
  std::string skip_reason() const { return backend.skip_reason(); }
  std::string dir() const { return std::filesystem::temp_directory_path().string(); }
  Result<std::shared_ptr<store::SqlDatabase>> open() {
    auto db = store::open_postgres({.conninfo = backend.url(), .pool_size = 2});
    if (!db) return db.error();
    if (auto v = store::migrate(**db); !v) return v.error();
    return std::shared_ptr<store::SqlDatabase>(std::move(*db));
  }
};

// Runs one statement (test tampering).
inline Status exec(store::SqlDatabase& db, const std::string& sql) {
  return db.transaction([&](store::SqlSession& s) -> Status {
    auto r = s.query(sql, {});
    if (!r) return r.error();
    return {};
  });
}

using Dbs = ::testing::Types<SqliteDb, PostgresDb>;

class DbNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteDb> ? "sqlite" : "postgres";
  }
};

}  // namespace sovra::platform::audit::test
