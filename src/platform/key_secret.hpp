#pragma once
// API key text and its stored form. A key reads `sk-sovra-<key id>-<secret>`; the key id names the row, the
// secret (256 random bits, 64 hex digits, when Sovra generates it) is stored only as SHA-256(salt ‖ secret) with
// a random 128-bit salt. A fast hash is right here: the secret has full entropy, so there is nothing to brute-force.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sovra::platform {

inline constexpr std::string_view kKeyPrefix = "sk-sovra-";

using Salt = std::array<std::uint8_t, 16>;
using Digest = std::array<std::uint8_t, 32>;

struct KeyParts {
  std::string_view id;      // [0-9a-z]{8,64}
  std::string_view secret;  // [A-Za-z0-9_-]{32,128}
};

// nullopt unless the text has the key format (says nothing about whether the key exists).
std::optional<KeyParts> parse_key(std::string_view text);

struct StoredSecret {
  std::string salt;  // hex
  std::string hash;  // hex
};
StoredSecret hash_secret(std::string_view secret);

struct GeneratedKey {
  std::string id;
  std::string plaintext;  // shown once, never stored
  StoredSecret stored;
  std::string redacted;  // for listings: "sk-sovra-<id>-…" with the last four characters
};
GeneratedKey generate_key();
// For a key chosen by an operator (config presets): the same stored form.
std::optional<GeneratedKey> adopt_key(std::string_view plaintext);
// Rotation: a new secret for an existing id.
GeneratedKey regenerate_secret(std::string_view id);

// SHA-256(salt ‖ secret). Hot path: no allocation.
Digest digest(const Salt& salt, std::string_view secret);
// Constant-time equality (CRYPTO_memcmp).
bool digest_equal(const Digest& a, const Digest& b);
bool from_hex(std::string_view hex, std::uint8_t* out, std::size_t n);

}  // namespace sovra::platform
