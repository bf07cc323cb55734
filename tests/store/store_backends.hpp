#pragma once
// The backends every Store test runs on: SQLite in a temporary directory, and PostgreSQL when
// SOVRA_TEST_POSTGRES_URL names a server (scripts/test starts one); each PostgreSQL test gets its own schema.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/store.hpp"

namespace sovra::store::test {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string skip_reason() const { return {}; }
  // A store on the test's own database (opening it again gives another "process" on the same data).
  virtual Result<std::unique_ptr<Store>> open() = 0;
  // Runs raw SQL on the test's database (for migration tests).
  virtual Status exec(const std::string& sql) = 0;
};

class SqliteBackend final : public Backend {
 public:
  SqliteBackend();
  ~SqliteBackend() override;
  Result<std::unique_ptr<Store>> open() override;
  Status exec(const std::string& sql) override;

 private:
  std::string dir_;
};

class PostgresBackend final : public Backend {
 public:
  PostgresBackend();
  ~PostgresBackend() override;
  std::string skip_reason() const override;
  Result<std::unique_ptr<Store>> open() override;
  Status exec(const std::string& sql) override;
  const std::string& url() const { return url_; }  // the test's own schema

 private:
  std::string base_url_;
  std::string schema_;
  std::string url_;
};

std::string postgres_test_url();  // SOVRA_TEST_POSTGRES_URL or empty

}  // namespace sovra::store::test
