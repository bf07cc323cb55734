#pragma once
// The small SQL surface both database drivers (sqlite/, postgres/) offer to the store: parameterised queries
// returning text cells, transactions on one connection, and change notifications between processes.
//
// SQL is written once, in the dialect both accept, with `?` placeholders; drivers translate what they must.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/error.hpp"

namespace sovra::store {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;
using SqlCell = std::optional<std::string>;  // NULL is nullopt; integers come back as decimal text
using SqlRow = std::vector<SqlCell>;

struct SqlRows {
  std::vector<SqlRow> rows;
  std::int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

// One connection, used by one thread at a time (inside SqlDatabase::transaction).
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual Result<SqlRows> query(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  virtual std::string_view dialect() const = 0;  // "sqlite" | "postgres"
  // Runs `fn` in one transaction on one connection: commits when it succeeds, rolls back otherwise.
  // Thread-safe; blocks the calling thread (never call it from an HTTP I/O thread).
  virtual Status transaction(const std::function<Status(SqlSession&)>& fn) = 0;
  // Makes concurrent migrations from several processes take turns (held until the transaction ends).
  virtual Status lock_for_migrations(SqlSession& session) = 0;
  // Queues a notification, delivered to listeners of every process when the transaction commits.
  virtual Status notify(SqlSession& session, std::string_view channel, std::string_view payload) = 0;
  // Calls `on_change` from a background thread with each payload notified on `channel` by any process, and with
  // an empty payload when changes may have been missed (start, reconnect, another process wrote and the driver
  // cannot say what): then everything must be reloaded. Stops when the database is destroyed.
  virtual Status listen(std::string channel, std::function<void(std::string_view payload)> on_change) = 0;
};

}  // namespace sovra::store
