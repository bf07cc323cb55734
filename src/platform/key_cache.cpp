#include "platform/key_cache.hpp"

#include <mutex>

#include "common/logging.hpp"
#include "platform/ids.hpp"

namespace sovra::platform {
namespace {

const Logger& log() {
  static const Logger l("auth");
  return l;
}

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
  return {};
}

Status KeyCache::reload_key(const std::string& key_id) {
  std::lock_guard reload(reload_mu_);
  auto r = store_.get_key(key_id);
  if (!r) {
    if (r.error().code != ErrorCode::kNotFound) return r.error();
    std::unique_lock lock(mu_);
    keys_.erase(key_id);
    return {};
  }
  auto e = make_entry(*r);
  std::unique_lock lock(mu_);
  carry_last_used(*e, key_id);
  keys_[key_id] = std::move(e);
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
  const auto parts = parse_key(presented);
  if (!parts) return {nullptr, AuthFailure::kMalformed};
  std::shared_ptr<Entry> entry;
  {
    std::shared_lock lock(mu_);
    auto it = keys_.find(parts->id);
    entry = it != keys_.end() ? it->second : dummy_;
  }
  bool ok = digest_equal(digest(entry->salt, parts->secret), entry->hash);
  if (!ok && entry->has_prev && now < entry->prev_valid_until) {
    ok = digest_equal(digest(entry->prev_salt, parts->secret), entry->prev_hash);
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
