// Fuzzes the audit trail's parsers of outside input: the GET /v1/organization/audit_logs query string (admin
// clients), and the JSON Lines an auditor hands to `sovra audit verify --file` / `--checkpoints`. Bad input must
// give an error, never a crash; what parses must serialise and parse back to the same record.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "platform/audit/audit_export.hpp"
#include "platform/audit/audit_routes.hpp"
#include "platform/audit/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (auto q = sovra::platform::audit::parse_audit_query(input, "org_a"); q) {
    if (q->org_id != "org_a" || q->limit < 1 || q->limit > 100) std::abort();
  }
  if (auto r = sovra::platform::audit::parse_record_json(input); r) {
    auto again = sovra::platform::audit::parse_record_json(sovra::platform::audit::record_json(*r));
    if (!again || !(*again == *r)) std::abort();
    (void)sovra::platform::audit::compute_hash(*r);
  }
  if (auto c = sovra::platform::audit::parse_checkpoint_json(input); c) {
    auto again = sovra::platform::audit::parse_checkpoint_json(sovra::platform::audit::checkpoint_json(*c));
    if (!again || !(*again == *c)) std::abort();
  }
  return 0;
}
