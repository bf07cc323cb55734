#include "platform/audit/audit_record.hpp"

#include <openssl/evp.h>

#include <array>

namespace sovra::platform::audit {
namespace {

void field(std::string& out, std::string_view v) {
  out += std::to_string(v.size());
  out += ':';
  out += v;
  out += ',';
}

}  // namespace

std::string canonical_bytes(const AuditRecord& r) {
  std::string out;
  out.reserve(160 + r.details.size() + r.id.size() + r.org_id.size() + r.project_id.size() + r.actor_id.size() +
              r.request_id.size());
  out += "sovra-audit-v1";
  field(out, std::to_string(r.seq));
  field(out, r.id);
  field(out, std::to_string(r.at_ms));
  field(out, r.type);
  field(out, r.org_id);
  field(out, r.project_id);
  field(out, r.actor_type);
  field(out, r.actor_id);
  field(out, r.request_id);
  field(out, r.details);
  field(out, r.prev_hash);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(len) * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 0xf];
  }
  return out;
}

std::string compute_hash(const AuditRecord& r) { return sha256_hex(canonical_bytes(r)); }

}  // namespace sovra::platform::audit
