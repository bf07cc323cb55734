#pragma once
// Issuing and rotating API keys: the only code that sees a key's plaintext, which it returns once to the caller.
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "platform/key_secret.hpp"
#include "platform/role.hpp"
#include "store/store.hpp"

namespace sovra::platform {

struct KeySpec {
  std::string org_id;
  std::string project_id;  // empty for admin keys
  store::KeyKind kind = store::KeyKind::kProject;
  std::string name;
  std::string owner_type;
  std::string owner_id;
  store::Timestamp expires_at = 0;
  std::vector<std::string> allowed_models;
  std::vector<std::string> allowed_endpoints;
  Role role = Role::kOwner;  // admin keys only: what the key may do in the administration API
};

struct IssuedKey {
  store::ApiKeyRecord record;
  std::string plaintext;  // empty when the key was preset by the operator
};

// The stored form of a key for `spec` with the secret `g` (no store access).
store::ApiKeyRecord key_record(const KeySpec& spec, const GeneratedKey& g);
// Blocking (store). `preset` adopts an operator-chosen key instead of generating one.
Result<IssuedKey> issue_key(store::Store& store, const KeySpec& spec, std::optional<GeneratedKey> preset = {});
// New secret for the key; the old one stays valid for `grace_seconds`.
Result<IssuedKey> rotate_key(store::Store& store, const std::string& org_id, const std::string& key_id,
                             std::int64_t grace_seconds);

}  // namespace sovra::platform
