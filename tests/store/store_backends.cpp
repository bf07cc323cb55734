#include "store/store_backends.hpp"

#include <cstdlib>
#include <filesystem>

#include "platform/ids.hpp"
#include "store/open.hpp"
#include "store/postgres/pg_database.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace sovra::store::test {
namespace {

Status exec_on(Result<std::unique_ptr<SqlDatabase>> db, const std::string& sql) {
  if (!db) return db.error();
  return (*db)->transaction([&](SqlSession& s) -> Status {
    auto r = s.query(sql, {});
    if (!r) return r.error();
    return {};
  });
}

}  // namespace

std::string postgres_test_url() {
  const char* v = std::getenv("SOVRA_TEST_POSTGRES_URL");  // test harness, not configuration
  return v != nullptr ? v : "";
}

SqliteBackend::SqliteBackend() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sovra-store-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
}

SqliteBackend::~SqliteBackend() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<std::unique_ptr<Store>> SqliteBackend::open() { return open_store({.url = "", .data_dir = dir_}); }

Status SqliteBackend::exec(const std::string& sql) { return exec_on(open_sqlite(dir_ + "/sovra.db"), sql); }

PostgresBackend::PostgresBackend() : base_url_(postgres_test_url()) {
  if (base_url_.empty()) return;
  schema_ = "t_" + platform::random_hex(8);
  if (!exec_on(open_postgres({.conninfo = base_url_, .pool_size = 1}), "CREATE SCHEMA " + schema_)) {
    schema_.clear();
    return;
  }
  url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
}

PostgresBackend::~PostgresBackend() {
  if (!schema_.empty()) {
    (void)exec_on(open_postgres({.conninfo = base_url_, .pool_size = 1}), "DROP SCHEMA " + schema_ + " CASCADE");
  }
}

std::string PostgresBackend::skip_reason() const {
  if (base_url_.empty()) return "SOVRA_TEST_POSTGRES_URL is not set (scripts/test starts a PostgreSQL and sets it)";
  if (schema_.empty()) return "cannot create a schema on SOVRA_TEST_POSTGRES_URL";
  return {};
}

Result<std::unique_ptr<Store>> PostgresBackend::open() { return open_store({.url = url_, .pool_size = 2}); }

Status PostgresBackend::exec(const std::string& sql) {
  return exec_on(open_postgres({.conninfo = url_, .pool_size = 1}), sql);
}

}  // namespace sovra::store::test
