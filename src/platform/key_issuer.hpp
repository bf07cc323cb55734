#pragma once
// Issuing and rotating API keys: the only code that sees a key's plaintext, which it returns once to the caller.
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "platform/key_secret.hpp"
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
};

struct IssuedKey {
  store::ApiKeyRecord record;
  std::string plaintext;  // empty when the key was preset by the operator
};

// Blocking (store). `preset` adopts an operator-chosen key instead of generating one.
Result<IssuedKey> issue_key(store::Store& store, const KeySpec& spec, std::optional<GeneratedKey> preset = {});
// New secret for the key; the old one stays valid for `grace_seconds`.
Result<IssuedKey> rotate_key(store::Store& store, const std::string& org_id, const std::string& key_id,
                             std::int64_t grace_seconds);

}  // namespace sovra::platform
