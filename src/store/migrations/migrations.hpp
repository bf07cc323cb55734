#pragma once
// Numbered, forward-only schema migrations, applied at start inside one transaction and recorded in the table
// schema_migrations. A database migrated by a newer binary is refused with a message saying so.
#include <cstdint>
#include <span>
#include <vector>

#include "store/sql.hpp"

namespace sovra::store {

struct Migration {
  std::int64_t version;  // 1, 2, 3… never renumbered, never edited once released
  const char* name;
  std::vector<const char*> statements;  // SQL both SQLite and PostgreSQL accept
};

std::span<const Migration> migrations();

// Applies what is missing and returns the schema version now in force.
Result<std::int64_t> migrate(SqlDatabase& db, std::span<const Migration> known = migrations());

}  // namespace sovra::store
