// LocalRouter: model name → the local backend, residency constraints against the process's region, 404/403.
#include "routing/local_router.hpp"

#include <gtest/gtest.h>

#include "routing/local_backend_support.hpp"

namespace sovra::routing {
namespace {

TEST(LocalRouter, RoutesKnownModelsAndRefusesUnknownOrOutsideResidency) {
  if (!std::filesystem::exists(testing::shared_model("stories260K-chat.gguf"))) GTEST_SKIP() << "../shared absent";
  auto l = testing::load_backend("stories260K-chat.gguf", "router-stories");
  ASSERT_TRUE(l.backend);
  api::ModelInfo info;
  info.id = "router-stories";
  info.architecture = "llama";
  LocalRouter router({{"router-stories", l.backend}}, {info},
                     {.region = "se-sto-1", .jurisdiction = "SE", .zones = {"EU", "EEA"}});

  auto r = router.route({.model = "router-stories"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->backend.get(), l.backend.get());
  EXPECT_EQ(r->deployment.name, "router-stories");
  EXPECT_TRUE(r->deployment.local);
  EXPECT_EQ(r->deployment.context_length, 512);

  auto missing = router.route({.model = "gpt-4o"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().status(), 404);
  EXPECT_EQ(missing.error().api_code, "model_not_found");
  EXPECT_EQ(missing.error().param, "model");

  RouteQuery eu{.model = "router-stories"};
  eu.constraints.allowed_jurisdictions = {"EU"};
  EXPECT_TRUE(router.route(eu).has_value()) << "a zone of the jurisdiction matches";
  RouteQuery us{.model = "router-stories"};
  us.constraints.allowed_jurisdictions = {"US"};
  auto refused = router.route(us);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().status(), 403);
  EXPECT_NE(refused.error().message.find("US"), std::string::npos);
  RouteQuery region{.model = "router-stories"};
  region.constraints.allowed_regions = {"de-fra-1"};
  EXPECT_EQ(router.route(region).error().status(), 403);

  ASSERT_EQ(router.models().size(), 1u);
  EXPECT_EQ(router.models()[0].architecture, "llama");
  EXPECT_EQ(router.backend("router-stories"), l.backend);
  EXPECT_EQ(router.backend("nope"), nullptr);
}

}  // namespace
}  // namespace sovra::routing
