#pragma once
// Every API key of the store, held in memory, so that authenticating a request never touches the database.
//
// Kept current by the store's change notifications (on_key_change): a changed key id is re-read, an empty id
// reloads everything (start, reconnect, cross-process writes on SQLite). With PostgreSQL a revocation made by
// any replica reaches every replica's cache through LISTEN/NOTIFY, well within a second.
//
// Last-used times are kept in the cache (an atomic store per request, only when the second changes) and written
// back in batches by flush_last_used(), never once per request.
#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "platform/key_secret.hpp"
#include "platform/principal.hpp"
#include "store/store.hpp"

namespace sovra::platform {

enum class AuthFailure { kNone, kMissing, kMalformed, kInvalid };

struct AuthResult {
  std::shared_ptr<const Principal> principal;  // set on success
  AuthFailure failure = AuthFailure::kNone;
};

class KeyCache {
 public:
  explicit KeyCache(store::Store& store);
  ~KeyCache();
  KeyCache(const KeyCache&) = delete;
  KeyCache& operator=(const KeyCache&) = delete;

  // Loads every key (blocking); call at start and whenever the store reports that anything may have changed.
  Status reload_all();
  // Re-reads one key (blocking): added, rotated, revoked or deleted.
  Status reload_key(const std::string& key_id);
  // Subscribes to the store's change notifications. Call once.
  Status follow_store_changes();

  // Hot path, any thread, never blocks on I/O. Unknown key ids and wrong secrets take the same path: a digest is
  // computed and compared in constant time either way. Revoked and expired keys fail after that comparison.
  // Each thread remembers the last few keys it verified (the exact key text and the cache entry it matched):
  // a key presented again is compared with that text in constant time instead of being hashed again, as long as
  // the entry is current (any reload of the key supersedes it); revocation and expiry are checked either way.
  AuthResult authenticate(std::string_view presented_key, store::Timestamp now) const;

  // Writes last-used times that changed since the previous flush (blocking; call from a background thread).
  Status flush_last_used();
  std::size_t size() const;

 private:
  struct Entry {
    Salt salt{};
    Digest hash{};
    bool has_prev = false;
    Salt prev_salt{};
    Digest prev_hash{};
    store::Timestamp prev_valid_until = 0;
    store::Timestamp expires_at = 0;
    store::Timestamp revoked_at = 0;
    std::shared_ptr<const Principal> principal;
    mutable std::atomic<store::Timestamp> last_used{0};
    mutable std::atomic<store::Timestamp> flushed{0};
    // Set when a reload replaces or removes this entry (or the cache goes): remembered verifications of it lapse.
    std::atomic<bool> superseded{false};
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::shared_ptr<Entry>, Hash, std::equal_to<>>;

  static std::shared_ptr<Entry> make_entry(const store::ApiKeyRecord& r);
  void carry_last_used(Entry& fresh, const std::string& id) const;  // caller holds mu_
  // The entry a thread verified `presented` against before, if it is still current; `via_prev` when that was the
  // previous secret (rotation grace).
  std::shared_ptr<Entry> remembered(std::string_view presented, bool& via_prev) const;
  void remember(std::string_view presented, std::shared_ptr<Entry> entry, bool via_prev) const;

  store::Store& store_;
  // Serialises reloads (read from the store + apply), so that a full reload that read older rows can never
  // overwrite a newer single-key reload that finished while it ran.
  std::mutex reload_mu_;
  mutable std::shared_mutex mu_;
  Map keys_;
  std::shared_ptr<Entry> dummy_;  // verified against when the key id is unknown, for uniform timing
};

}  // namespace sovra::platform
