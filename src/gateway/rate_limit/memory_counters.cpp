#include "gateway/rate_limit/memory_counters.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

namespace sovra::gateway::rate_limit {

ClockMs system_clock_ms() {
  return [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

MemoryCounters::MemoryCounters(ClockMs clock) : clock_(std::move(clock)) {}

std::size_t MemoryCounters::shard_of(const std::string& key) const { return std::hash<std::string>{}(key) % kShards; }

namespace {

// Locks the shards of `specs` in ascending order (each once) for the lifetime of the object.
class ShardLocks {
 public:
  template <typename ShardOf, typename Mutex>
  ShardLocks(const std::vector<CounterSpec>& specs, ShardOf shard_of, Mutex mutex_of) {
    std::vector<std::size_t> ids;
    ids.reserve(specs.size());
    for (const auto& s : specs) ids.push_back(shard_of(s.key));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    locks_.reserve(ids.size());
    for (auto id : ids) locks_.emplace_back(mutex_of(id));
  }

 private:
  std::vector<std::unique_lock<std::mutex>> locks_;
};

CounterState rate_state(std::int64_t level, const CounterSpec& s) {
  const std::int64_t tick_ms = s.window_ms / kTicks;
  return {remaining_units(level, s.limit), ticks_to_empty(level, s.limit) * tick_ms};
}

}  // namespace

Acquisition MemoryCounters::acquire_now(const std::vector<CounterSpec>& specs, const std::string& lease) {
  const std::int64_t now = clock_();
  ShardLocks locks(
      specs, [this](const std::string& k) { return shard_of(k); },
      [this](std::size_t id) -> std::mutex& { return shards_[id].mu; });
  Acquisition out;
  out.states.resize(specs.size());
  std::vector<Cell*> cells(specs.size());
  std::vector<std::int64_t> levels(specs.size(), 0);
  out.admitted = true;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& s = specs[i];
    auto& shard = shards_[shard_of(s.key)];
    cells[i] = &shard.cells[s.key];
    if (s.kind == CounterKind::kRate) {
      const auto c = check(cells[i]->bucket, tick_of(now, s.window_ms), s.limit, s.cost);
      levels[i] = c.level;
      out.states[i] = rate_state(c.level, s);
      if (!c.admitted && out.admitted) {
        out.admitted = false;
        out.refused = i;
        out.retry_after_ms = c.retry_after_ticks < 0 ? -1 : c.retry_after_ticks * (s.window_ms / kTicks);
      }
    } else {
      const auto held = static_cast<std::int64_t>(cells[i]->leases.size());
      const bool fits = held + 1 <= s.limit;
      out.states[i] = {std::max<std::int64_t>(s.limit - held - (fits ? 1 : 0), 0), 0};
      if (!fits && out.admitted) {
        out.admitted = false;
        out.refused = i;
        out.retry_after_ms = 1000;  // unknown: when some call ends
      }
    }
  }
  if (out.admitted) {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const auto& s = specs[i];
      if (s.kind == CounterKind::kRate) {
        cells[i]->bucket = {levels[i], tick_of(now, s.window_ms)};
        cells[i]->limit = s.limit;
        cells[i]->window_ms = s.window_ms;
      } else {
        cells[i]->leases.insert(lease);
      }
    }
  } else {
    // Refused: the states describe the counters without this call's charge.
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const auto& s = specs[i];
      if (s.kind == CounterKind::kRate) {
        out.states[i] = rate_state(drained(cells[i]->bucket, tick_of(now, s.window_ms), s.limit), s);
      } else {
        out.states[i] = {std::max<std::int64_t>(s.limit - static_cast<std::int64_t>(cells[i]->leases.size()), 0), 0};
      }
    }
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto& shard = shards_[shard_of(specs[i].key)];
    if (shard.cells.size() >= shard.sweep_at) sweep(shard, now);
  }
  return out;
}

void MemoryCounters::settle_now(const std::vector<CounterSpec>& specs, const std::string& lease) {
  const std::int64_t now = clock_();
  ShardLocks locks(
      specs, [this](const std::string& k) { return shard_of(k); },
      [this](std::size_t id) -> std::mutex& { return shards_[id].mu; });
  for (const auto& s : specs) {
    auto& shard = shards_[shard_of(s.key)];
    auto it = shard.cells.find(s.key);
    if (s.kind == CounterKind::kRate) {
      if (s.cost == 0) continue;
      if (it == shard.cells.end()) {
        if (s.cost < 0) continue;  // nothing left to give back
        it = shard.cells.emplace(s.key, Cell{}).first;
      }
      const auto tick = tick_of(now, s.window_ms);
      it->second.bucket = {adjusted(it->second.bucket, tick, s.limit, s.cost), tick};
      it->second.limit = s.limit;
      it->second.window_ms = s.window_ms;
    } else if (it != shard.cells.end()) {
      it->second.leases.erase(lease);
    }
  }
}

void MemoryCounters::sweep(Shard& shard, std::int64_t now_ms) {
  for (auto it = shard.cells.begin(); it != shard.cells.end();) {
    const auto& c = it->second;
    const bool empty = c.window_ms == 0 ? c.bucket.level == 0
                                         : drained(c.bucket, tick_of(now_ms, c.window_ms), c.limit) == 0;
    it = c.leases.empty() && empty ? shard.cells.erase(it) : std::next(it);
  }
  shard.sweep_at = std::max<std::size_t>(1024, shard.cells.size() * 2);
}

void MemoryCounters::acquire(const std::vector<CounterSpec>& specs, const std::string& lease, AcquireDone done) {
  done(acquire_now(specs, lease));
}

void MemoryCounters::settle(const std::vector<CounterSpec>& specs, const std::string& lease, SettleDone done) {
  settle_now(specs, lease);
  done({});
}

std::size_t MemoryCounters::entries() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.cells.size();
  }
  return n;
}

}  // namespace sovra::gateway::rate_limit
