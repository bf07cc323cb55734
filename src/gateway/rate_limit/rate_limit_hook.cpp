#include "gateway/rate_limit/rate_limit_hook.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "common/logging.hpp"
#include "gateway/rate_limit/rate_limit_headers.hpp"
#include "gateway/rate_limit/rate_limit_metrics.hpp"

namespace sovra::gateway::rate_limit {
namespace {

const Logger& log() {
  static const Logger l("rate_limit");
  return l;
}

const char* metric_label(Metric m) {
  switch (m) {
    case Metric::kRpm: return "requests per minute (RPM)";
    case Metric::kRpd: return "requests per day (RPD)";
    case Metric::kTpm: return "tokens per minute (TPM)";
    case Metric::kTpd: return "tokens per day (TPD)";
    case Metric::kConcurrent: return "concurrent requests";
  }
  return "?";
}

const char* metric_suffix(Metric m) {
  switch (m) {
    case Metric::kRpm: return "rpm";
    case Metric::kRpd: return "rpd";
    case Metric::kTpm: return "tpm";
    case Metric::kTpd: return "tpd";
    case Metric::kConcurrent: return "conc";
  }
  return "?";
}

bool is_tokens(Metric m) { return m == Metric::kTpm || m == Metric::kTpd; }
bool is_requests(Metric m) { return m == Metric::kRpm || m == Metric::kRpd; }

struct Counter {
  CounterSpec spec;
  Metric metric;
  const AppliedRule* rule;
};

char scope_tag(Scope s) { return s == Scope::kKey ? 'k' : s == Scope::kProject ? 'p' : 'o'; }

std::vector<Counter> counters_for(const std::vector<AppliedRule>& rules, std::int64_t tokens) {
  std::vector<Counter> out;
  for (const auto& r : rules) {
    auto add = [&](std::int64_t limit, Metric m, CounterKind kind, std::int64_t window, std::int64_t cost) {
      if (limit <= 0) return;
      std::string key = fmt::format("{}:{}:{}:{}", scope_tag(r.scope), r.scope_id, r.model, metric_suffix(m));
      out.push_back({{std::move(key), kind, limit, window, cost}, m, &r});
    };
    add(r.values.requests_per_minute, Metric::kRpm, CounterKind::kRate, kMinuteMs, 1);
    add(r.values.requests_per_day, Metric::kRpd, CounterKind::kRate, kDayMs, 1);
    add(r.values.tokens_per_minute, Metric::kTpm, CounterKind::kRate, kMinuteMs, tokens);
    add(r.values.tokens_per_day, Metric::kTpd, CounterKind::kRate, kDayMs, tokens);
    add(r.values.concurrent_requests, Metric::kConcurrent, CounterKind::kConcurrency, 0, 1);
  }
  return out;
}

// The most restrictive requests and tokens counters (least remaining) give the headers.
void add_headers(std::vector<http::Header>& headers, const std::vector<Counter>& counters, const Acquisition& a) {
  for (const bool tokens : {false, true}) {
    const Counter* best = nullptr;
    const CounterState* best_state = nullptr;
    for (std::size_t i = 0; i < counters.size(); ++i) {
      const auto m = counters[i].metric;
      if (tokens ? !is_tokens(m) : !is_requests(m)) continue;
      if (best == nullptr || a.states[i].remaining < best_state->remaining) {
        best = &counters[i];
        best_state = &a.states[i];
      }
    }
    if (best != nullptr) {
      add_ratelimit_headers(headers, tokens ? "tokens" : "requests",
                            {best->spec.limit, best_state->remaining, best_state->reset_ms});
    }
  }
}

std::string scope_text(const AppliedRule& r) {
  std::string s = fmt::format("{} {}", scope_name(r.scope), r.scope_id);
  if (r.model != "*") s += fmt::format(" for model {}", r.model);
  return s;
}

Error refusal(const Counter& c, const CounterState& state, std::int64_t retry_after_ms) {
  std::string msg;
  if (retry_after_ms < 0) {
    msg = fmt::format("Request too large for {} on {}: limit {}, requested {}. Reduce the prompt or max_tokens.",
                      metric_label(c.metric), scope_text(*c.rule), c.spec.limit, c.spec.cost);
  } else {
    msg = fmt::format("Rate limit reached for {} on {}: limit {}, remaining {}, requested {}. Please try again in {}.",
                      metric_label(c.metric), scope_text(*c.rule), c.spec.limit, state.remaining, c.spec.cost,
                      format_duration(retry_after_ms));
  }
  return Error{ErrorCode::kRateLimited, std::move(msg), {}, 429, "rate_limit_exceeded"};
}

class Ticket final : public CallTicket {
 public:
  Ticket(std::shared_ptr<CounterStore> store, std::vector<Counter> counters, std::string lease, std::int64_t reserved)
      : store_(std::move(store)), counters_(std::move(counters)), lease_(std::move(lease)), reserved_(reserved) {}

  void finish(const CallResult& result, std::function<void()> done) override {
    const std::int64_t actual = result.usage.prompt_tokens + result.usage.completion_tokens;
    // Refused after admission (by a later hook or before the backend started): nothing was processed.
    const bool give_back_request = actual == 0 && !result.cancelled && result.http_status >= 400 &&
                                   result.http_status < 500;
    std::vector<CounterSpec> specs;
    for (const auto& c : counters_) {
      CounterSpec s = c.spec;
      if (is_tokens(c.metric)) {
        s.cost = actual - reserved_;
      } else if (is_requests(c.metric)) {
        s.cost = give_back_request ? -1 : 0;
      }
      if (s.kind == CounterKind::kRate && s.cost == 0) continue;
      specs.push_back(std::move(s));
    }
    if (specs.empty()) {
      done();
      return;
    }
    store_->settle(specs, lease_, [done = std::move(done)](Status st) {
      if (!st) {
        count_backend_error();
        log().warn("settling rate limits failed", {{"error", st.error().message}});
      }
      done();
    });
  }

 private:
  std::shared_ptr<CounterStore> store_;
  std::vector<Counter> counters_;  // rule pointers are not used after admission
  std::string lease_;
  std::int64_t reserved_;
};

std::string random_prefix() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

}  // namespace

struct RateLimitHook::Pending {
  std::vector<AppliedRule> rules;
  std::vector<Counter> counters;
  std::vector<http::Header>* headers = nullptr;
  AdmitDone done;
  std::string lease;
  std::int64_t tokens = 0;
  bool fallback = false;
};

RateLimitHook::RateLimitHook(RateLimitHookOptions options)
    : options_(std::move(options)), lease_prefix_(random_prefix()) {}

void RateLimitHook::admit(const CallInfo& info, std::vector<http::Header>& headers, AdmitDone done) {
  if (!info.principal) {
    done(Admission{});
    return;
  }
  auto p = std::make_shared<Pending>();
  p->rules = options_.table->rules_for(*info.principal, info.model);
  if (p->rules.empty()) {
    done(Admission{});
    return;
  }
  p->tokens = std::max<std::int64_t>(info.prompt_tokens, 0) + std::max<std::int64_t>(info.max_output_tokens, 0);
  p->counters = counters_for(p->rules, p->tokens);
  p->headers = &headers;
  p->done = std::move(done);
  p->lease = fmt::format("{}-{}", lease_prefix_, next_lease_.fetch_add(1, std::memory_order_relaxed));
  std::vector<CounterSpec> specs;
  specs.reserve(p->counters.size());
  for (const auto& c : p->counters) specs.push_back(c.spec);
  // Callbacks hold no reference to the counters (the hook owns them): the last reference must not be dropped on a
  // counter's own thread.
  options_.counters->acquire(specs, p->lease, [this, p](Result<Acquisition> r) { decide(p, std::move(r)); });
}

void RateLimitHook::decide(std::shared_ptr<Pending> p, Result<Acquisition> r) {
  const auto& store = p->fallback ? options_.fallback : options_.counters;
  if (!r) {
    count_backend_error();
    if (!p->fallback && !backend_down_.exchange(true)) {
      log().warn("rate-limit counters unreachable", {{"backend", store->name()},
                                                     {"error", r.error().message},
                                                     {"policy", options_.fallback ? "open" : "closed"}});
    }
    if (options_.fallback && !p->fallback) {
      p->fallback = true;
      count_fallback();
      std::vector<CounterSpec> specs;
      for (auto& c : p->counters) {
        c.spec.limit = std::max<std::int64_t>(c.spec.limit / std::max<std::int64_t>(options_.replicas, 1), 1);
        specs.push_back(c.spec);
      }
      options_.fallback->acquire(specs, p->lease, [this, p](Result<Acquisition> r2) { decide(p, std::move(r2)); });
      return;
    }
    count_decision(Decision::kUnavailable);
    add_retry_after(*p->headers, 1000);
    p->done(fail(Error{ErrorCode::kUnavailable,
                       "Rate limits cannot be checked right now (the shared counters are unreachable); please retry.",
                       {}, 503, "rate_limiter_unavailable"}));
    return;
  }
  if (!p->fallback && backend_down_.exchange(false)) {
    log().info("rate-limit counters reachable again", {{"backend", store->name()}});
  }
  const Acquisition& a = *r;
  add_headers(*p->headers, p->counters, a);
  if (!a.admitted) {
    const auto& c = p->counters[a.refused];
    count_decision(Decision::kRefused);
    count_refusal(c.metric);
    if (a.retry_after_ms >= 0) add_retry_after(*p->headers, a.retry_after_ms);
    p->done(fail(refusal(c, a.states[a.refused], a.retry_after_ms)));
    return;
  }
  count_decision(Decision::kAdmitted);
  // The ticket keeps the counters without rule pointers (the rules die with Pending).
  for (auto& c : p->counters) c.rule = nullptr;
  p->done(Admission{std::make_unique<Ticket>(store, std::move(p->counters), p->lease, p->tokens)});
}

}  // namespace sovra::gateway::rate_limit
