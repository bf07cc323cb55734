#pragma once
// The Ed25519 key that signs audit checkpoints (OpenSSL). The private key lives in a PEM file (PKCS#8) created
// on first start with mode 0600; its public half is written next to it (`<file>.pub`) for auditors.
// key_id: the first 16 hex digits of SHA-256 of the raw 32-byte public key — recorded with each signature so a
// verifier can say "signed by another key" rather than just "bad signature".
#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sovra::platform::audit {

class SigningKey {
 public:
  // Loads the key at `path`, or creates it (0600) and its public half when the file does not exist.
  static Result<SigningKey> load_or_create(const std::string& path);
  static Result<SigningKey> load(const std::string& path);
  static Result<SigningKey> generate();

  std::string sign(std::string_view message) const;  // hex signature; empty on failure
  const std::string& key_id() const { return key_id_; }
  std::string public_pem() const;
  std::string private_pem() const;

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

 private:
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string key_id_;
};

// A public key for verification: from a public or private PEM file, or from PEM text.
class VerifyKey {
 public:
  static Result<VerifyKey> from_pem(std::string_view pem);
  static Result<VerifyKey> from_file(const std::string& path);
  bool verify(std::string_view message, std::string_view signature_hex) const;
  const std::string& key_id() const { return key_id_; }

  VerifyKey(VerifyKey&&) noexcept;
  VerifyKey& operator=(VerifyKey&&) noexcept;
  ~VerifyKey();

 private:
  struct Impl;
  explicit VerifyKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string key_id_;
};

}  // namespace sovra::platform::audit
