#include "platform/key_issuer.hpp"

#include "platform/ids.hpp"

namespace sovra::platform {

store::ApiKeyRecord key_record(const KeySpec& spec, const GeneratedKey& g) {
  store::ApiKeyRecord r;
  r.id = g.id;
  r.org_id = spec.org_id;
  r.project_id = spec.kind == store::KeyKind::kAdmin ? std::string() : spec.project_id;
  r.kind = spec.kind;
  r.name = spec.name;
  r.owner_type = spec.owner_type;
  r.owner_id = spec.owner_id;
  r.redacted = g.redacted;
  r.salt = g.stored.salt;
  r.hash = g.stored.hash;
  r.created_at = now_seconds();
  r.expires_at = spec.expires_at;
  r.allowed_models = spec.allowed_models;
  r.allowed_endpoints = spec.allowed_endpoints;
  if (spec.kind == store::KeyKind::kAdmin) r.role = std::string(role_name(spec.role));
  return r;
}

Result<IssuedKey> issue_key(store::Store& store, const KeySpec& spec, std::optional<GeneratedKey> preset) {
  const bool generated = !preset;
  GeneratedKey g = preset ? std::move(*preset) : generate_key();
  auto r = key_record(spec, g);
  SOVRA_CHECK(store.create_key(r));
  return IssuedKey{std::move(r), generated ? std::move(g.plaintext) : std::string()};
}

Result<IssuedKey> rotate_key(store::Store& store, const std::string& org_id, const std::string& key_id,
                             std::int64_t grace_seconds) {
  auto g = regenerate_secret(key_id);
  SOVRA_TRY(auto r, store.rotate_key(org_id, key_id, g.stored.salt, g.stored.hash, g.redacted,
                                     now_seconds() + std::max<std::int64_t>(0, grace_seconds)));
  return IssuedKey{std::move(r), std::move(g.plaintext)};
}

}  // namespace sovra::platform
