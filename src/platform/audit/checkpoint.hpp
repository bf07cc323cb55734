#pragma once
// A signed checkpoint of the audit chain: "the record at seq N has hash H", signed with Ed25519.
// Signed message (version 1): "sovra-audit-checkpoint-v1\n<seq>\n<hash>\n<at_ms>\n".
// Checkpoints are written periodically by the AuditLog, kept in the store, optionally appended to an export file
// (one JSON object a line) outside the database, and serve as the anchor of a chain whose head was purged.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sovra::platform::audit {

struct Checkpoint {
  std::int64_t seq = 0;
  std::string hash;
  std::int64_t at_ms = 0;
  std::string key_id;
  std::string signature;  // hex
  bool operator==(const Checkpoint&) const = default;
};

std::string checkpoint_message(const Checkpoint& c);
std::string checkpoint_json(const Checkpoint& c);  // one line, no newline
Result<Checkpoint> parse_checkpoint_json(std::string_view line);

}  // namespace sovra::platform::audit
