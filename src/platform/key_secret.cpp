#include "platform/key_secret.hpp"

// digest() runs on every authenticated request and uses OpenSSL's low-level SHA-256 (deprecated in 3.0, still
// shipped; same assembly as EVP without EVP's per-call provider dispatch): on OpenSSL 3.0.19 it took ~20 % less time
// than EVP_DigestInit_ex/Update/Final for our 80-byte inputs (bench/auth/README.md). Same hash: stored keys stay valid.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <memory>
#include <stdexcept>

#include "platform/ids.hpp"

namespace sovra::platform {
namespace {

// Character classes as a table: parse_key runs on every authenticated request.
constexpr std::uint8_t kIdChar = 1;
constexpr std::uint8_t kSecretChar = 2;
constexpr std::array<std::uint8_t, 256> kCharClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = kIdChar | kSecretChar;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = kIdChar | kSecretChar;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = kSecretChar;
  t['_'] = kSecretChar;
  t['-'] = kSecretChar;
  return t;
}();

bool all_of_class(std::string_view s, std::uint8_t cls) {
  std::uint8_t acc = cls;
  for (char c : s) acc &= kCharClass[static_cast<unsigned char>(c)];
  return acc == cls;
}

std::string to_hex(const std::uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

GeneratedKey finish(std::string id, std::string plaintext, std::string_view secret) {
  GeneratedKey k;
  k.id = std::move(id);
  k.stored = hash_secret(secret);
  k.redacted = std::string(kKeyPrefix) + k.id + "-..." + std::string(secret.substr(secret.size() - 4));
  k.plaintext = std::move(plaintext);
  return k;
}

}  // namespace

std::optional<KeyParts> parse_key(std::string_view text) {
  if (!text.starts_with(kKeyPrefix)) return std::nullopt;
  text.remove_prefix(kKeyPrefix.size());
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  KeyParts p{text.substr(0, dash), text.substr(dash + 1)};
  if (p.id.size() < 8 || p.id.size() > 64 || p.secret.size() < 32 || p.secret.size() > 128) return std::nullopt;
  if (!all_of_class(p.id, kIdChar) || !all_of_class(p.secret, kSecretChar)) return std::nullopt;
  return p;
}

bool from_hex(std::string_view hex, std::uint8_t* out, std::size_t n) {
  if (hex.size() != n * 2) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

Digest digest(const Salt& salt, std::string_view secret) {
  SHA256_CTX ctx;
  Digest out{};
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, salt.data(), salt.size()) != 1 ||
      SHA256_Update(&ctx, secret.data(), secret.size()) != 1 || SHA256_Final(out.data(), &ctx) != 1) {
    throw std::runtime_error("SHA-256 failed");  // only on a broken OpenSSL installation
  }
  OPENSSL_cleanse(&ctx, sizeof ctx);  // the state holds the secret's last block
  return out;
}

bool digest_equal(const Digest& a, const Digest& b) { return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0; }

StoredSecret hash_secret(std::string_view secret) {
  Salt salt{};
  const auto salt_hex = random_hex(salt.size());
  from_hex(salt_hex, salt.data(), salt.size());
  const auto d = digest(salt, secret);
  return {salt_hex, to_hex(d.data(), d.size())};
}

GeneratedKey generate_key() { return regenerate_secret(new_id("")); }

GeneratedKey regenerate_secret(std::string_view id) {
  const std::string secret = random_hex(32);
  return finish(std::string(id), std::string(kKeyPrefix) + std::string(id) + "-" + secret, secret);
}

std::optional<GeneratedKey> adopt_key(std::string_view plaintext) {
  auto parts = parse_key(plaintext);
  if (!parts) return std::nullopt;
  return finish(std::string(parts->id), std::string(plaintext), parts->secret);
}

}  // namespace sovra::platform
