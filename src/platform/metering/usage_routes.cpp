#include "platform/metering/usage_routes.hpp"

#include "api/openai/error.hpp"
#include "common/logging.hpp"
#include "gateway/auth/auth_filter.hpp"
#include "http/deferred.hpp"
#include "platform/admin/permissions.hpp"
#include "platform/ids.hpp"
#include "platform/metering/usage_query.hpp"
#include "platform/metering/usage_scope.hpp"

namespace sovra::platform::metering {
namespace {

// Like admin::add_admin_route (the query runs on the store executor), but project keys are let in too and
// scoped to their project by scope_to_caller(). Admin keys need their role's permission from the same table as
// every other administration route.
http::Handler usage_handler(const admin::AdminDeps& deps, std::shared_ptr<store::SqlDatabase> db,
                            std::shared_ptr<const pricing::PricingState> pricing, UsageKind kind,
                            admin::Permission needs) {
  return [executor = deps.executor, db = std::move(db), pricing = std::move(pricing), kind,
          needs](http::Request& req) {
    const auto* who = gateway::auth::principal_of(req);
    if (who == nullptr) return gateway::auth::invalid_api_key_response(true);
    if (who->is_admin() && !admin::role_has(who->role, needs)) {
      return api::openai::error_response(admin::insufficient_permissions(who->role, needs));
    }
    auto promise = std::make_shared<http::ResponsePromise>();
    executor->post([promise, db, pricing, kind, who = *who, query = req.query] {
      auto body = [&]() -> Result<std::string> {
        SOVRA_TRY(auto q, parse_usage_query(kind, query, now_seconds()));
        SOVRA_TRY(q, scope_to_caller(std::move(q), who));
        return run_usage_query(*db, who.org_id, q, pricing->currency_of(who.org_id));
      }();
      if (body) {
        promise->complete(http::Response::json(200, std::move(*body)));
      } else if (body.error().status() >= 500) {
        static const Logger log("metering");
        log.error("usage query failed", {{"error", body.error().message}});
        promise->complete(api::openai::error_response(Error::internal("The store failed; see the server log.")));
      } else {
        promise->complete(api::openai::error_response(body.error()));
      }
    });
    return http::Response::later(promise);
  };
}

}  // namespace

void add_usage_routes(http::Router& router, const admin::AdminDeps& deps, std::shared_ptr<store::SqlDatabase> db,
                      std::shared_ptr<const pricing::PricingState> pricing) {
  const auto add = [&](const char* path, UsageKind kind, const char* summary) {
    router.add("GET", path, usage_handler(deps, db, pricing, kind, admin::required_permission("GET", path)),
               {.summary = summary, .project_keys = true});
  };
  add("/v1/organization/usage/completions", UsageKind::kCompletions, "Completions usage in time buckets");
  add("/v1/organization/usage/embeddings", UsageKind::kEmbeddings, "Embeddings usage in time buckets");
  add("/v1/organization/usage/audio_transcriptions", UsageKind::kAudioTranscriptions,
      "Audio transcription usage in time buckets (Sovra)");
  add("/v1/organization/usage/ocr", UsageKind::kOcr, "OCR usage in time buckets (Sovra)");
  add("/v1/organization/costs", UsageKind::kCosts, "Costs per day, exact to the nano");
}

}  // namespace sovra::platform::metering
