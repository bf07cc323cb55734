#include "platform/audit/signing_key.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "platform/audit/audit_record.hpp"

namespace sovra::platform::audit {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 0xf];
  }
  return out;
}

bool unhex(std::string_view h, std::vector<unsigned char>& out) {
  if (h.size() % 2 != 0) return false;
  out.resize(h.size() / 2);
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int a = nib(h[2 * i]);
    const int b = nib(h[2 * i + 1]);
    if (a < 0 || b < 0) return false;
    out[i] = static_cast<unsigned char>(a * 16 + b);
  }
  return true;
}

std::string key_id_of(EVP_PKEY* k) {
  std::array<unsigned char, 32> raw{};
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(k, raw.data(), &len) != 1) return {};
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(raw.data()), len)).substr(0, 16);
}

std::string bio_text(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::io("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status write_file(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Error::io("cannot create " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      return Error::io("cannot write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  return {};
}

}  // namespace

struct SigningKey::Impl {
  Pkey key;
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)), key_id_(key_id_of(impl_->key.get())) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

Result<SigningKey> SigningKey::generate() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (k == nullptr) return Error::internal("OpenSSL could not generate an Ed25519 key");
  auto impl = std::make_unique<Impl>();
  impl->key.reset(k);
  return SigningKey(std::move(impl));
}

Result<SigningKey> SigningKey::load(const std::string& path) {
  SOVRA_TRY(auto text, read_file(path));
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (k == nullptr || EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(k);
    return Error::invalid("audit signing key " + path + " is not an Ed25519 private key in PEM (PKCS#8) form");
  }
  auto impl = std::make_unique<Impl>();
  impl->key.reset(k);
  return SigningKey(std::move(impl));
}

Result<SigningKey> SigningKey::load_or_create(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return load(path);
  SOVRA_TRY(auto key, generate());
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  SOVRA_CHECK(write_file(path, key.private_pem(), 0600));
  // The public half is not secret; it is what auditors verify with.
  std::filesystem::remove(path + ".pub", ec);
  SOVRA_CHECK(write_file(path + ".pub", key.public_pem(), 0644));
  return key;
}

std::string SigningKey::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1) return {};
  std::array<unsigned char, 64> sig{};
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return {};
  }
  return hex(sig.data(), len);
}

std::string SigningKey::public_pem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), impl_->key.get()) != 1) return {};
  return bio_text(bio.get());
}

std::string SigningKey::private_pem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  return bio_text(bio.get());
}

struct VerifyKey::Impl {
  Pkey key;
};

VerifyKey::VerifyKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)), key_id_(key_id_of(impl_->key.get())) {}
VerifyKey::VerifyKey(VerifyKey&&) noexcept = default;
VerifyKey& VerifyKey::operator=(VerifyKey&&) noexcept = default;
VerifyKey::~VerifyKey() = default;

Result<VerifyKey> VerifyKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (k == nullptr) {
    std::unique_ptr<BIO, BioFree> again(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    k = PEM_read_bio_PrivateKey(again.get(), nullptr, nullptr, nullptr);
  }
  if (k == nullptr || EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(k);
    return Error::invalid("not an Ed25519 key in PEM form");
  }
  auto impl = std::make_unique<Impl>();
  impl->key.reset(k);
  return VerifyKey(std::move(impl));
}

Result<VerifyKey> VerifyKey::from_file(const std::string& path) {
  SOVRA_TRY(auto text, read_file(path));
  auto k = from_pem(text);
  if (!k) return Error::invalid(path + ": " + k.error().message);
  return k;
}

bool VerifyKey::verify(std::string_view message, std::string_view signature_hex) const {
  std::vector<unsigned char> sig;
  if (!unhex(signature_hex, sig) || sig.size() != 64) return false;
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace sovra::platform::audit
