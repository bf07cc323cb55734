#pragma once
// A migrated database for ledger, pricing and budget tests: SQLite in a temporary directory (full sync, as the
// ledger opens it), or PostgreSQL in a schema of its own when SOVRA_TEST_POSTGRES_URL is set.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/migrations/migrations.hpp"
#include "store/open.hpp"
#include "store/store_backends.hpp"

namespace sovra::platform::test {

class SqliteLedgerDb {
 public:
  SqliteLedgerDb() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sovra-ledger-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  ~SqliteLedgerDb() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string skip_reason() const { return dir_.empty() ? "cannot create a temporary directory" : ""; }
  store::OpenOptions options() const { return {.url = "", .data_dir = dir_, .pool_size = 2, .sqlite_full_sync = true}; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

class PostgresLedgerDb {
 public:
  std::string skip_reason() const { return pg_.skip_reason(); }
  store::OpenOptions options() const { return {.url = pg_.url(), .data_dir = "", .pool_size = 2}; }

 private:
  store::test::PostgresBackend pg_;
};

// Opens (and migrates) a database on `b`.
template <typename B>
std::shared_ptr<store::SqlDatabase> open_ledger_db(const B& b) {
  auto db = store::open_database(b.options());
  if (!db) {
    ADD_FAILURE() << db.error().message;
    return nullptr;
  }
  auto v = store::migrate(**db);
  if (!v) {
    ADD_FAILURE() << v.error().message;
    return nullptr;
  }
  return std::shared_ptr<store::SqlDatabase>(std::move(*db));
}

class LedgerDbNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteLedgerDb> ? "sqlite" : "postgres";
  }
};
using LedgerDbs = ::testing::Types<SqliteLedgerDb, PostgresLedgerDb>;

}  // namespace sovra::platform::test
