#pragma once
// One record of the audit trail and its place in the SHA-256 hash chain.
//
// Canonical serialization (what is hashed), version 1: the UTF-8 bytes
//   "sovra-audit-v1" then, for each field in this order — seq, id, at_ms, type, org_id, project_id, actor_type,
//   actor_id, request_id, details, prev_hash — the field as `<decimal byte length>:<bytes>,` (a netstring;
//   integers in decimal). `details` is hashed exactly as stored (the JSON text, not a re-serialization), so a
//   verifier needs no JSON canonicalization.
//   hash = lowercase hex SHA-256 of those bytes. The first record of a chain has prev_hash = 64 × '0'.
// A record never holds prompt or completion content: only metadata.
#include <cstdint>
#include <string>
#include <string_view>

namespace sovra::platform::audit {

inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// Event types. Admin actions use OpenAI's names (api_key.created, project.updated, …); the rest are Sovra's.
inline constexpr std::string_view kTypeInference = "inference.completed";   // a call that ran (or failed while running)
inline constexpr std::string_view kTypeRefusal = "inference.refused";      // a call refused before it ran
inline constexpr std::string_view kTypeResidencyRefusal = "residency.refused";
inline constexpr std::string_view kTypeAuthFailure = "login.failed";  // OpenAI's name; an API key that did not authenticate

struct AuditRecord {
  std::int64_t seq = 0;  // position in the chain: 1, 2, 3…
  std::string id;        // "audit_log-…", public
  std::int64_t at_ms = 0;
  std::string type;
  std::string org_id;      // empty when unknown (e.g. an unknown key)
  std::string project_id;  // empty for organisation-level events
  std::string actor_type;  // "api_key" | "anonymous" | "system"
  std::string actor_id;    // the key id (never the secret), or the client address for unauthenticated callers
  std::string request_id;
  std::string details = "{}";  // JSON object text: metadata of the event
  std::string prev_hash;
  std::string hash;
  bool operator==(const AuditRecord&) const = default;
};

std::string canonical_bytes(const AuditRecord& r);
std::string compute_hash(const AuditRecord& r);  // over canonical_bytes (r.hash itself is not part of it)
std::string sha256_hex(std::string_view bytes);

}  // namespace sovra::platform::audit
