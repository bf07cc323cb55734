#include "platform/key_cache.hpp"

#include <openssl/crypto.h>

#include <array>
#include <mutex>

#include "common/logging.hpp"
#include "platform/ids.hpp"

namespace sovra::platform {
namespace {

const Logger& log() {
  static const Logger l("auth");
  return l;
}

// Keys this thread verified lately. `owner` tells caches apart (tests run several); a destroyed cache supersedes
// all its entries, so a new cache at the same address never matches an old slot.
struct MemoSlot {
  const void* owner = nullptr;
  std::string key;
  std::shared_ptr<void> entry;  // KeyCache::Entry
  bool via_prev = false;
};
constexpr std::size_t kMemoSlots = 4;
thread_local std::array<MemoSlot, kMemoSlots> t_memo;
thread_local std::size_t t_memo_next = 0;

}  // namespace

KeyCache::KeyCache(store::Store& store) : store_(store) {
  // A random, unmatchable stored secret: verifying against it costs what verifying a real key costs.
  store::ApiKeyRecord r;
  const auto g = generate_key();
  r.salt = g.stored.salt;
  r.hash = g.stored.hash;
  r.revoked_at = 1;
  dummy_ = make_entry(r);
}

KeyCache::~KeyCache() {
  std::unique_lock lock(mu_);
  for (auto& [id, e] : keys_) e->superseded.store(true, std::memory_order_release);
}

std::shared_ptr<KeyCache::Entry> KeyCache::remembered(std::string_view presented, bool& via_prev) const {
  for (const MemoSlot& m : t_memo) {
    if (m.owner != this || m.key.size() != presented.size()) continue;
    if (CRYPTO_memcmp(m.key.data(), presented.data(), presented.size()) != 0) continue;
    auto entry = std::static_pointer_cast<Entry>(m.entry);
    if (entry->superseded.load(std::memory_order_acquire)) return nullptr;
    via_prev = m.via_prev;
    return entry;
  }
  return nullptr;
}

void KeyCache::remember(std::string_view presented, std::shared_ptr<Entry> entry, bool via_prev) const {
  for (MemoSlot& m : t_memo) {  // the same key again (its entry was superseded): refresh that slot
    if (m.owner == this && m.key == presented) {
      m.entry = std::move(entry);
      m.via_prev = via_prev;
      return;
    }
  }
  MemoSlot& m = t_memo[t_memo_next++ % kMemoSlots];
  m.owner = this;
  m.key.assign(presented);
  m.entry = std::move(entry);
  m.via_prev = via_prev;
}

std::shared_ptr<KeyCache::Entry> KeyCache::make_entry(const store::ApiKeyRecord& r) {
  auto e = std::make_shared<Entry>();
  from_hex(r.salt, e->salt.data(), e->salt.size());
  from_hex(r.hash, e->hash.data(), e->hash.size());
  e->has_prev = !r.prev_hash.empty() && from_hex(r.prev_salt, e->prev_salt.data(), e->prev_salt.size()) &&
                from_hex(r.prev_hash, e->prev_hash.data(), e->prev_hash.size());
  e->prev_valid_until = r.prev_valid_until;
  e->expires_at = r.expires_at;
  e->revoked_at = r.revoked_at;
  e->last_used.store(r.last_used_at, std::memory_order_relaxed);
  e->flushed.store(r.last_used_at, std::memory_order_relaxed);
  e->principal = std::make_shared<const Principal>(Principal{.key_id = r.id,
                                                             .org_id = r.org_id,
                                                             .project_id = r.project_id,
                                                             .kind = r.kind,
                                                             .owner_type = r.owner_type,
                                                             .owner_id = r.owner_id,
                                                             .role = parse_role(r.role).value_or(Role::kMember),
                                                             .allowed_models = r.allowed_models,
                                                             .allowed_endpoints = r.allowed_endpoints});
  return e;
}

void KeyCache::carry_last_used(Entry& fresh, const std::string& id) const {
  auto it = keys_.find(id);
  if (it == keys_.end()) return;
  const auto used = it->second->last_used.load(std::memory_order_relaxed);
  if (used > fresh.last_used.load(std::memory_order_relaxed)) fresh.last_used.store(used, std::memory_order_relaxed);
  const auto flushed = it->second->flushed.load(std::memory_order_relaxed);
  if (flushed > fresh.flushed.load(std::memory_order_relaxed)) fresh.flushed.store(flushed, std::memory_order_relaxed);
}

Status KeyCache::reload_all() {
  std::lock_guard reload(reload_mu_);
  SOVRA_TRY(auto all, store_.all_keys());
  Map fresh;
  fresh.reserve(all.size());
  {
    std::shared_lock lock(mu_);
    for (const auto& r : all) {
      auto e = make_entry(r);
      carry_last_used(*e, r.id);
      fresh.emplace(r.id, std::move(e));
    }
  }
  std::unique_lock lock(mu_);
  keys_.swap(fresh);
  for (auto& [id, e] : fresh) e->superseded.store(true, std::memory_order_release);  // the previous entries
  return {};
}

Status KeyCache::reload_key(const std::string& key_id) {
  std::lock_guard reload(reload_mu_);
  auto r = store_.get_key(key_id);
  if (!r) {
    if (r.error().code != ErrorCode::kNotFound) return r.error();
    std::unique_lock lock(mu_);
    if (auto it = keys_.find(key_id); it != keys_.end()) {
      it->second->superseded.store(true, std::memory_order_release);
      keys_.erase(it);
    }
    return {};
  }
  auto e = make_entry(*r);
  std::unique_lock lock(mu_);
  carry_last_used(*e, key_id);
  auto& slot = keys_[key_id];
  if (slot) slot->superseded.store(true, std::memory_order_release);
  slot = std::move(e);
  return {};
}

Status KeyCache::follow_store_changes() {
  return store_.on_key_change([this](std::string_view key_id) {
    const auto st = key_id.empty() ? reload_all() : reload_key(std::string(key_id));
    // A failed reload keeps the previous state; the next notification or reconnect retries.
    if (!st) log().warn("key cache reload failed", {{"error", st.error().message}});
  });
}

AuthResult KeyCache::authenticate(std::string_view presented, store::Timestamp now) const {
  if (presented.empty()) return {nullptr, AuthFailure::kMissing};
  bool via_prev = false;
  std::shared_ptr<Entry> entry = remembered(presented, via_prev);
  bool ok = false;
  if (entry != nullptr) {
    ok = !via_prev || now < entry->prev_valid_until;
  } else {
    const auto parts = parse_key(presented);
    if (!parts) return {nullptr, AuthFailure::kMalformed};
    {
      std::shared_lock lock(mu_);
      auto it = keys_.find(parts->id);
      entry = it != keys_.end() ? it->second : dummy_;
    }
    ok = digest_equal(digest(entry->salt, parts->secret), entry->hash);
    if (!ok && entry->has_prev && now < entry->prev_valid_until) {
      ok = via_prev = digest_equal(digest(entry->prev_salt, parts->secret), entry->prev_hash);
    }
    if (ok && entry != dummy_) remember(presented, entry, via_prev);
  }
  if (!ok || entry->revoked_at != 0 || (entry->expires_at != 0 && now >= entry->expires_at)) {
    return {nullptr, AuthFailure::kInvalid};
  }
  if (entry->last_used.load(std::memory_order_relaxed) != now) entry->last_used.store(now, std::memory_order_relaxed);
  return {entry->principal, AuthFailure::kNone};
}

Status KeyCache::flush_last_used() {
  std::vector<std::pair<std::string, store::Timestamp>> dirty;
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, e] : keys_) {
      const auto used = e->last_used.load(std::memory_order_relaxed);
      if (used > e->flushed.load(std::memory_order_relaxed)) {
        dirty.emplace_back(id, used);
        entries.push_back(e);
      }
    }
  }
  if (dirty.empty()) return {};
  SOVRA_CHECK(store_.touch_keys(dirty));
  for (std::size_t i = 0; i < entries.size(); ++i) entries[i]->flushed.store(dirty[i].second, std::memory_order_relaxed);
  return {};
}

std::size_t KeyCache::size() const {
  std::shared_lock lock(mu_);
  return keys_.size();
}

}  // namespace sovra::platform
