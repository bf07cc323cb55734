// /v1/models shows each model's prices (additive `pricing` field) when a price lookup is installed, and nothing
// new without one.
#include <gtest/gtest.h>

#include "api/openai/models.hpp"
#include "common/json.hpp"

namespace sovra::api::openai {
namespace {

TEST(ModelsPricing, PricesAreListedPerCurrencyAsExactStrings) {
  ModelInfo m;
  m.id = "tiny";
  EXPECT_EQ(encode_model(m).find("pricing"), std::string::npos);
  m.pricing = {{"EUR", "0.125", "0.05", "1", "0", "0", 1793491200}, {"SEK", "1.5", "0.5", "12", "0", "0", 0}};
  auto v = parse_json(encode_model(m));
  ASSERT_TRUE(v) << encode_model(m);
  const auto& p = v->at("pricing").as_array();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].at("currency").as_string(), "EUR");
  EXPECT_EQ(p[0].at("input_per_1m").as_string(), "0.125");
  EXPECT_EQ(p[0].at("effective_from").as_int64(), 1793491200);
  EXPECT_EQ(p[1].at("output_per_1m").as_string(), "12");
  EXPECT_EQ(v->at("capabilities").at("chat").as_bool(), false);  // the object around it is intact
}

TEST(ModelsPricing, RoutesAskForCurrentPricesOnEveryRequest) {
  http::Router router;
  auto catalog = std::make_shared<const std::vector<ModelInfo>>(std::vector<ModelInfo>{ModelInfo{.id = "tiny"}});
  int asked = 0;
  add_model_routes(router, catalog, [&](std::string_view id) {
    EXPECT_EQ(id, "tiny");
    ++asked;
    return std::vector<ModelPrice>{{"EUR", std::to_string(asked), "0", "0", "0", "0", 0}};
  });
  http::Request req;
  auto m = router.match("GET", "/v1/models/tiny");
  ASSERT_NE(m.route, nullptr);
  req.path_params = m.params;
  auto first = m.route->handler(req);
  auto second = m.route->handler(req);
  EXPECT_NE(first.body.find(R"("input_per_1m":"1")"), std::string::npos) << first.body;
  EXPECT_NE(second.body.find(R"("input_per_1m":"2")"), std::string::npos) << second.body;
  auto list = router.match("GET", "/v1/models").route->handler(req);
  EXPECT_NE(list.body.find(R"("pricing":[)"), std::string::npos);
}

}  // namespace
}  // namespace sovra::api::openai
