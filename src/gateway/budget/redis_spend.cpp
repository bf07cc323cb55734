#include "gateway/budget/redis_spend.hpp"

#include <algorithm>

#include "gateway/budget/redis_spend_scripts.hpp"

namespace sovra::gateway::budget {
namespace {

const rate_limit::RedisScript& reserve_script() {
  static const rate_limit::RedisScript s(kReserveSpendScript);
  return s;
}

const rate_limit::RedisScript& settle_script() {
  static const rate_limit::RedisScript s(kSettleSpendScript);
  return s;
}

// Amounts beyond 2^53 nanos are not exact in Lua's doubles; a worst case that large is over any budget anyway.
constexpr std::int64_t kMaxExact = (std::int64_t{1} << 53) - 1;

}  // namespace

RedisSpend::RedisSpend(RedisSpendOptions options) : options_(std::move(options)), runner_(options_.redis) {}

std::string RedisSpend::key_of(const ScopeKey& k) const {
  return options_.key_prefix + k.org_id + ":" + (k.project_id.empty() ? "*" : k.project_id) + ":" +
         platform::billing::format_month(k.month);
}

void RedisSpend::reserve(const std::vector<SpendTracker::Limit>& limits, platform::pricing::Money worst,
                         const std::string& call_id, ReserveDone done) {
  run_reserve(limits, std::clamp<std::int64_t>(worst.nanos, 0, kMaxExact), call_id,
              std::vector<std::string>(limits.size()), 0, std::move(done));
}

void RedisSpend::run_reserve(std::vector<SpendTracker::Limit> limits, std::int64_t worst, std::string call_id,
                             std::vector<std::string> seeds, int attempt, ReserveDone done) {
  std::vector<std::string> argv;
  argv.reserve(1 + 2 * limits.size() + 4 + 3 * limits.size());
  argv.push_back(std::to_string(2 * limits.size()));
  for (const auto& l : limits) {
    auto k = key_of(l.key);
    argv.push_back(k);
    argv.push_back(k + ":exp");
  }
  // The keys live until a week after their month ends (late settlements still land).
  const auto month_end = platform::billing::month_start(platform::billing::next_month(limits.front().key.month));
  argv.push_back(call_id);
  argv.push_back(std::to_string(options_.reservation_ms));
  argv.push_back(std::to_string(month_end + 7 * 86'400));
  argv.push_back(std::to_string(worst));
  for (std::size_t i = 0; i < limits.size(); ++i) {
    argv.push_back(std::to_string(std::min(limits[i].amount.nanos, kMaxExact)));
    argv.push_back(limits[i].hard ? "1" : "0");
    argv.push_back(seeds[i]);
  }
  runner_.eval(reserve_script(), std::move(argv),
               [this, limits = std::move(limits), worst, call_id = std::move(call_id), attempt,
                done = std::move(done)](rate_limit::ScriptResult r) mutable {
                 if (!r) {
                   done(r.error());
                   return;
                 }
                 retry_unsettled();
                 const auto& v = *r;
                 const std::size_t n = limits.size();
                 if (v.size() != 4 + n) {
                   done(Error::unavailable("unexpected reply from the Redis budget script"));
                   return;
                 }
                 if (v[0] == -1) {
                   // Some scope is not in Redis: read its month from the ledger (blocking: on the executor),
                   // then try again with the seeds. Twice at most (a seed written by the first retry stays).
                   if (attempt >= 2) {
                     done(Error::unavailable("Redis keeps losing the budget counters"));
                     return;
                   }
                   options_.executor->post([self = shared_from_this(), limits = std::move(limits), worst,
                                            call_id = std::move(call_id), attempt, flags = v,
                                            done = std::move(done)]() mutable {
                     std::vector<std::string> fresh(limits.size());
                     for (std::size_t i = 0; i < limits.size(); ++i) {
                       if (flags[4 + i] != 1) continue;
                       auto spent = self->options_.loader(limits[i].key);
                       if (!spent) {
                         done(Error::unavailable("cannot read this month's spend from the ledger: " +
                                                 spent.error().message));
                         return;
                       }
                       fresh[i] = std::to_string(*spent);
                     }
                     self->run_reserve(std::move(limits), worst, std::move(call_id), std::move(fresh),
                                       attempt + 1, std::move(done));
                   });
                   return;
                 }
                 SpendTracker::Verdict verdict;
                 verdict.admitted = v[0] == 1;
                 verdict.spent_nanos = v[2];
                 verdict.reserved_nanos = v[3];
                 if (!verdict.admitted) {
                   verdict.refused_by = static_cast<int>(std::clamp<std::int64_t>(v[1] - 1, 0, n - 1));
                 } else {
                   for (std::size_t i = 0; i < n; ++i) {
                     if (v[4 + i] == 1) verdict.soft_crossed.push_back(i);
                   }
                 }
                 done(std::move(verdict));
               });
}

void RedisSpend::settle(const std::vector<ScopeKey>& keys, const std::string& call_id, platform::pricing::Money actual,
                        std::function<void(Status)> done) {
  std::vector<std::string> argv;
  argv.reserve(1 + 2 * keys.size() + 2);
  argv.push_back(std::to_string(2 * keys.size()));
  for (const auto& k : keys) {
    auto name = key_of(k);
    argv.push_back(name);
    argv.push_back(name + ":exp");
  }
  argv.push_back(call_id);
  argv.push_back(std::to_string(std::clamp<std::int64_t>(actual.nanos, 0, kMaxExact)));
  auto copy = argv;
  runner_.eval(settle_script(), std::move(argv),
               [this, copy = std::move(copy), done = std::move(done)](rate_limit::ScriptResult r) mutable {
                 if (r) {
                   retry_unsettled();
                   done({});
                   return;
                 }
                 keep_unsettled(std::move(copy));
                 done(r.error());
               });
}

std::size_t RedisSpend::unsettled() const {
  std::lock_guard lock(mu_);
  return unsettled_.size();
}

void RedisSpend::keep_unsettled(std::vector<std::string> argv) {
  std::lock_guard lock(mu_);
  if (unsettled_.size() >= kMaxUnsettled) unsettled_.pop_front();  // oldest first: its reservation expired long ago
  unsettled_.push_back(std::move(argv));
}

void RedisSpend::retry_unsettled() {
  std::deque<std::vector<std::string>> again;
  {
    std::lock_guard lock(mu_);
    if (unsettled_.empty()) return;
    again.swap(unsettled_);
  }
  for (auto& argv : again) {
    auto copy = argv;
    runner_.eval(settle_script(), std::move(argv), [this, copy = std::move(copy)](rate_limit::ScriptResult r) mutable {
      if (!r) keep_unsettled(std::move(copy));
    });
  }
}

}  // namespace sovra::gateway::budget
