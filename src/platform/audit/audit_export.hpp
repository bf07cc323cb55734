#pragma once
// The audit trail outside the server: JSON Lines export (one record a line, every field needed to recompute its
// hash; `details` is kept as the exact JSON text that was hashed), and verification of the store or of an export
// file, with checkpoints from the store and/or a checkpoint export file.
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "platform/audit/audit_record.hpp"
#include "platform/audit/audit_verify.hpp"
#include "store/sql.hpp"

namespace sovra::platform::audit {

std::string record_json(const AuditRecord& r);  // one line, no newline
Result<AuditRecord> parse_record_json(std::string_view line);

// Writes the records with from_ms <= at_ms < to_ms (0: unbounded) in chain order; returns how many.
Result<std::int64_t> export_jsonl(store::SqlDatabase& db, std::int64_t from_ms, std::int64_t to_ms, std::ostream& out);

// Reads checkpoints from a checkpoint export file (one JSON object a line).
Result<std::vector<Checkpoint>> read_checkpoint_file(const std::string& path);

// Verifies the chain in the store, with its checkpoints plus `extra` (e.g. from the export file).
Result<VerifyReport> verify_store(store::SqlDatabase& db, const VerifyKey& key, std::vector<Checkpoint> extra = {});
// Verifies a JSON Lines export (a complete one: from the first record or from a checkpoint anchor).
Result<VerifyReport> verify_file(const std::string& path, const VerifyKey& key, std::vector<Checkpoint> checkpoints);

}  // namespace sovra::platform::audit
