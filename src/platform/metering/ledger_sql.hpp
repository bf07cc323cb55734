#pragma once
// SQL of the usage ledger (table `usage_records`, migration 2), shared by the writer, the usage API, budgets and
// invoices. Blocking: call from the ledger writer, a store executor thread or a CLI.
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "platform/metering/usage_record.hpp"
#include "store/sql.hpp"

namespace sovra::platform::metering {

// Inserts the records in as few statements as the drivers allow; existing ids are skipped (idempotent retries).
Status insert_records(store::SqlSession& session, const std::vector<UsageRecord>& records);

// Every record of an organisation in [from_ms, to_ms), ordered by start time then id (tests, exports).
Result<std::vector<UsageRecord>> records_of(store::SqlDatabase& db, const std::string& org_id, std::int64_t from_ms,
                                            std::int64_t to_ms);
Result<std::int64_t> count_records(store::SqlDatabase& db);

// The summed cost (nanos) of an organisation's calls, or of one project's when project_id is set, that started in
// [from_ms, to_ms).
Result<std::int64_t> spend_nanos(store::SqlDatabase& db, const std::string& org_id,
                                 const std::optional<std::string>& project_id, std::int64_t from_ms,
                                 std::int64_t to_ms);

}  // namespace sovra::platform::metering
