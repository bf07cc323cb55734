#include "platform/metering/usage_routes.hpp"

#include "platform/ids.hpp"
#include "platform/metering/usage_query.hpp"

namespace sovra::platform::metering {

void add_usage_routes(http::Router& router, const admin::AdminDeps& deps, std::shared_ptr<store::SqlDatabase> db,
                      std::shared_ptr<const pricing::PricingState> pricing) {
  const auto add = [&](const char* path, UsageKind kind, const char* summary) {
    admin::add_admin_route(
        router, deps, "GET", path,
        [db, pricing, kind](store::Store&, const admin::AdminCall& c) -> Result<admin::AdminReply> {
          SOVRA_TRY(auto q, parse_usage_query(kind, c.query, now_seconds()));
          SOVRA_TRY(auto body, run_usage_query(*db, c.who.org_id, q, pricing->currency_of(c.who.org_id)));
          return admin::AdminReply{200, std::move(body), {}};
        },
        summary);
  };
  add("/v1/organization/usage/completions", UsageKind::kCompletions, "Completions usage in time buckets");
  add("/v1/organization/usage/embeddings", UsageKind::kEmbeddings, "Embeddings usage in time buckets");
  add("/v1/organization/usage/audio_transcriptions", UsageKind::kAudioTranscriptions,
      "Audio transcription usage in time buckets (Sovra)");
  add("/v1/organization/usage/ocr", UsageKind::kOcr, "OCR usage in time buckets (Sovra)");
  add("/v1/organization/costs", UsageKind::kCosts, "Costs per day, exact to the nano");
}

}  // namespace sovra::platform::metering
