#include "platform/audit/content_store.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <mutex>

#include "common/json.hpp"
#include "platform/audit/audit_record.hpp"
#include "platform/ids.hpp"
#include "store/sql_rows.hpp"

namespace sovra::platform::audit {
namespace {

using store::detail::integer;
using store::detail::text;

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 0xf];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view h) {
  if (h.size() % 2 != 0) return std::nullopt;
  std::string out(h.size() / 2, '\0');
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int a = nib(h[2 * i]);
    const int b = nib(h[2 * i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out[i] = static_cast<char>(a * 16 + b);
  }
  return out;
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

const unsigned char* u(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* u(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// AES-256-GCM; returns ciphertext and tag.
Result<std::pair<std::string, std::string>> seal(const std::string& key, const std::string& nonce, const std::string& aad,
                                                 const std::string& plain) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  std::string out(plain.size(), '\0');
  std::string tag(16, '\0');
  int len = 0;
  int total = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, u(key), u(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), u(out), &len, u(plain), static_cast<int>(plain.size())) != 1) {
    return Error::internal("AES-256-GCM encryption failed");
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), u(out) + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, u(tag)) != 1) {
    return Error::internal("AES-256-GCM encryption failed");
  }
  out.resize(static_cast<std::size_t>(total + len));
  return std::pair{out, tag};
}

Result<std::string> open_sealed(const std::string& key, const std::string& nonce, const std::string& aad,
                                const std::string& cipher, std::string tag) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  std::string out(cipher.size(), '\0');
  int len = 0;
  int total = 0;
  if (!ctx || tag.size() != 16 || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, u(key), u(nonce)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), u(out), &len, u(cipher), static_cast<int>(cipher.size())) != 1) {
    return Error::corrupt("kept content could not be decrypted");
  }
  total = len;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, u(tag)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), u(out) + total, &len) != 1) {
    return Error::corrupt("kept content failed authentication: wrong key, or the row was altered or moved");
  }
  out.resize(static_cast<std::size_t>(total + len));
  return out;
}

std::string aad_of(const std::string& id, const KeptContent& c) {
  return id + "\n" + c.org_id + "\n" + c.project_id + "\n" + c.request_id;
}

}  // namespace

ContentStore::ContentStore(std::shared_ptr<store::SqlDatabase> db, std::string key, std::string key_id)
    : db_(std::move(db)), key_(std::move(key)), key_id_(std::move(key_id)) {}

ContentStore::~ContentStore() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<std::shared_ptr<ContentStore>> ContentStore::open(std::shared_ptr<store::SqlDatabase> db,
                                                         const std::string& key_hex) {
  std::string key;
  std::string key_id;
  if (!key_hex.empty()) {
    auto raw = from_hex(key_hex);
    if (!raw || raw->size() != 32) {
      return Error::invalid("audit.content_key must be 64 hex digits (a 256-bit AES key)", "audit.content_key");
    }
    key = std::move(*raw);
    key_id = sha256_hex(key).substr(0, 16);
  }
  auto s = std::shared_ptr<ContentStore>(new ContentStore(std::move(db), std::move(key), std::move(key_id)));
  SOVRA_CHECK(s->reload());
  return s;
}

Status ContentStore::reload() {
  std::unordered_map<std::string, std::int64_t> fresh;
  if (auto tx = db_->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query("SELECT project_id, retention_days FROM content_retention_settings"));
    for (const auto& r : rows.rows) fresh[text(r, 0)] = integer(r, 1);
    return {};
  }); !tx) {
    return tx.error();
  }
  std::unique_lock lock(mu_);
  days_ = std::move(fresh);
  return {};
}

std::int64_t ContentStore::retention_days(const std::string& project_id) const {
  std::shared_lock lock(mu_);
  auto it = days_.find(project_id);
  return it == days_.end() ? 0 : it->second;
}

Status ContentStore::set_retention(const std::string& org_id, const std::string& project_id, std::int64_t days) {
  if (days < 0 || days > 3650) return Error::invalid("'retention_days' must be between 0 and 3650.", "retention_days");
  if (days > 0 && key_.empty()) {
    return Error::invalid("Content retention needs an encryption key: set audit.content_key (64 hex digits) first.",
                          "retention_days");
  }
  if (auto tx = db_->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("DELETE FROM content_retention_settings WHERE project_id = ? AND org_id = ?", {project_id, org_id}));
    if (days > 0) {
      SOVRA_CHECK(s.query("INSERT INTO content_retention_settings (project_id, org_id, retention_days, updated_at)"
                          " VALUES (?, ?, ?, ?)",
                          {project_id, org_id, days, now_seconds()}));
    }
    return {};
  }); !tx) {
    return tx.error();
  }
  std::unique_lock lock(mu_);
  if (days > 0) {
    days_[project_id] = days;
  } else {
    days_.erase(project_id);
  }
  return {};
}

Result<bool> ContentStore::keep(KeptContent c, std::int64_t now_s) {
  const auto days = retention_days(c.project_id);
  if (days <= 0 || key_.empty()) return false;
  c.created_at = now_s;
  c.expires_at = now_s + days * 86400;
  const std::string id = "content_" + random_hex(12);
  boost::json::object o;
  o["prompt"] = c.prompt;
  o["completion"] = c.completion;
  const std::string plain = boost::json::serialize(o);
  std::string nonce(12, '\0');
  if (RAND_bytes(u(nonce), 12) != 1) return Error::internal("no randomness for a nonce");
  SOVRA_TRY(auto sealed, seal(key_, nonce, aad_of(id, c), plain));
  if (auto tx = db_->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("INSERT INTO retained_content (id, org_id, project_id, request_id, created_at, expires_at,"
                        " key_id, nonce, ciphertext, tag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        {id, c.org_id, c.project_id, c.request_id, c.created_at, c.expires_at, key_id_, to_hex(nonce),
                         to_hex(sealed.first), to_hex(sealed.second)}));
    return {};
  }); !tx) {
    return tx.error();
  }
  return true;
}

Result<KeptContent> ContentStore::read(const std::string& org_id, const std::string& project_id,
                                       const std::string& request_id) {
  store::SqlRows rows;
  if (auto tx = db_->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(rows, s.query("SELECT id, created_at, expires_at, nonce, ciphertext, tag FROM retained_content"
                            " WHERE org_id = ? AND project_id = ? AND request_id = ? ORDER BY created_at DESC LIMIT 1",
                            {org_id, project_id, request_id}));
    return {};
  }); !tx) {
    return tx.error();
  }
  if (rows.rows.empty()) return Error::not_found("No kept content for request '" + request_id + "'.");
  if (key_.empty()) return Error::invalid("audit.content_key is not set: kept content cannot be decrypted");
  const auto& r = rows.rows[0];
  KeptContent c{org_id, project_id, request_id, {}, {}, integer(r, 1), integer(r, 2)};
  auto nonce = from_hex(text(r, 3));
  auto cipher = from_hex(text(r, 4));
  auto tag = from_hex(text(r, 5));
  if (!nonce || !cipher || !tag) return Error::corrupt("kept content row is not valid hex");
  SOVRA_TRY(auto plain, open_sealed(key_, *nonce, aad_of(text(r, 0), c), *cipher, *tag));
  SOVRA_TRY(auto v, parse_json(plain));
  if (!v.is_object()) return Error::corrupt("kept content is not a JSON object");
  const auto* p = v.as_object().if_contains("prompt");
  const auto* m = v.as_object().if_contains("completion");
  if (p != nullptr && p->is_string()) c.prompt = std::string(p->as_string());
  if (m != nullptr && m->is_string()) c.completion = std::string(m->as_string());
  return c;
}

Result<std::int64_t> ContentStore::purge_expired(std::int64_t now_s) {
  std::int64_t n = 0;
  if (auto tx = db_->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("DELETE FROM retained_content WHERE expires_at <= ?", {now_s}));
    n = r.affected;
    return {};
  }); !tx) {
    return tx.error();
  }
  return n;
}

}  // namespace sovra::platform::audit
