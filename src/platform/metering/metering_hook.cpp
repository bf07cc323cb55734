#include "platform/metering/metering_hook.hpp"

#include <chrono>
#include <optional>
#include <set>

#include "common/logging.hpp"
#include "platform/ids.hpp"

namespace sovra::platform::metering {
namespace {

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void warn_unpriced_once(const std::string& model, const std::string& currency) {
  static std::mutex mu;
  static std::set<std::string> warned;
  std::lock_guard lock(mu);
  if (warned.insert(model + "/" + currency).second) {
    static const Logger log("metering");
    log.warn("no price for a model in this currency: calls are recorded with cost 0",
             {{"model", model}, {"currency", currency}});
  }
}

class MeteringTicket final : public gateway::CallTicket {
 public:
  MeteringTicket(gateway::CallInfo info, std::optional<pricing::Price> price, std::string currency,
                 std::shared_ptr<LedgerWriter> writer)
      : info_(std::move(info)), price_(std::move(price)), currency_(std::move(currency)), writer_(std::move(writer)) {}

  void finish(const gateway::CallResult& result, std::function<void()> done) override {
    writer_->submit(make_usage_record(info_, result, price_ ? &*price_ : nullptr, currency_), std::move(done));
  }

 private:
  gateway::CallInfo info_;
  std::optional<pricing::Price> price_;
  std::string currency_;
  std::shared_ptr<LedgerWriter> writer_;
};

class MeteringHook final : public gateway::CallHook {
 public:
  explicit MeteringHook(MeteringHookOptions o) : o_(std::move(o)) {}
  const char* name() const override { return "metering"; }

  void admit(const gateway::CallInfo& info, std::vector<http::Header>&, gateway::AdmitDone done) override {
    const std::string org = info.principal ? info.principal->org_id : std::string();
    const std::string currency = o_.pricing->currency_of(org);
    const auto book = o_.pricing->book();
    const std::string model = priced_model(info);
    const auto at = std::chrono::duration_cast<std::chrono::seconds>(info.started.time_since_epoch()).count();
    std::optional<pricing::Price> price;
    if (const auto* p = book->find(model, currency, at)) {
      price = *p;
    } else {
      warn_unpriced_once(model, currency);
    }
    done(gateway::Admission{std::make_unique<MeteringTicket>(info, std::move(price), currency, o_.writer)});
  }

 private:
  MeteringHookOptions o_;
};

}  // namespace

std::string priced_model(const gateway::CallInfo& info) {
  return info.deployment.model.empty() ? info.model : info.deployment.model;
}

UsageRecord make_usage_record(const gateway::CallInfo& info, const gateway::CallResult& result,
                              const pricing::Price* price, const std::string& currency) {
  UsageRecord r;
  r.id = new_id("usage");
  r.request_id = info.request_id;
  if (info.principal) {
    r.org_id = info.principal->org_id;
    r.project_id = info.principal->project_id;
    r.key_id = info.principal->key_id;
  }
  r.user_id = info.user;
  r.model = priced_model(info);
  r.endpoint = info.endpoint;
  r.input_tokens = std::max<std::int64_t>(0, result.usage.prompt_tokens);
  r.cached_tokens = std::clamp<std::int64_t>(result.usage.cached_prompt_tokens, 0, r.input_tokens);
  r.output_tokens = std::max<std::int64_t>(0, result.usage.completion_tokens);
  // Audio is billed by the millisecond; a duration is a measurement, not money, so a double is fine up to here.
  r.audio_ms = result.audio_seconds > 0 ? static_cast<std::int64_t>(result.audio_seconds * 1000.0 + 0.5) : 0;
  r.pages = std::max<std::int64_t>(0, result.pages);
  r.started_ms = unix_ms(info.started);
  const auto ended = result.ended.time_since_epoch().count() == 0 ? std::chrono::system_clock::now() : result.ended;
  r.ended_ms = unix_ms(ended);
  r.latency_ms = std::max<std::int64_t>(0, r.ended_ms - r.started_ms);
  r.status = result.http_status;
  r.error_code = result.error_code;
  r.cancelled = result.cancelled;
  r.region = info.deployment.region;
  r.deployment = info.deployment.name;
  r.currency = currency;
  if (price != nullptr) {
    r.price_id = price->id;
    auto cost = pricing::cost_of(*price, {.input_tokens = r.input_tokens,
                                          .cached_tokens = r.cached_tokens,
                                          .output_tokens = r.output_tokens,
                                          .audio_ms = r.audio_ms,
                                          .pages = r.pages});
    if (cost) {
      r.cost = *cost;
    } else {
      static const Logger log("metering");
      log.error("cost overflow; recorded as 0", {{"request_id", info.request_id}, {"error", cost.error().message}});
    }
  }
  return r;
}

std::shared_ptr<gateway::CallHook> make_metering_hook(MeteringHookOptions options) {
  return std::make_shared<MeteringHook>(std::move(options));
}

}  // namespace sovra::platform::metering
