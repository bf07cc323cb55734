#include "api/anthropic/models.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"
#include "support/openapi_schema.hpp"

namespace sovra::api::anthropic {
namespace {

const testing::OpenApiSchemas* spec() {
  static std::string why;
  static const auto schemas = testing::OpenApiSchemas::load(SOVRA_SHARED_DIR "/specs/anthropic-openapi.json", &why);
  return schemas.get();
}

const std::vector<ModelInfo> kModels{{.id = "a", .created = 1700000000}, {.id = "b"}, {.id = "c"}};

boost::json::value list(std::string query) {
  http::Request r;
  r.query = std::move(query);
  r.request_id = "req_1";
  auto resp = model_list_response(r, kModels);
  EXPECT_EQ(resp.status, 200) << resp.body;
  auto v = parse_json(resp.body);
  EXPECT_TRUE(v) << resp.body;
  if (spec() != nullptr) {
    for (const auto& e : spec()->validate(*v, "ListResponse_ModelInfo_")) ADD_FAILURE() << e << "\n" << resp.body;
  }
  return v ? *v : boost::json::value();
}

std::vector<std::string> ids(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& m : v.at("data").as_array()) out.emplace_back(m.at("id").as_string());
  return out;
}

TEST(AnthropicModels, ListShapeAndPagination) {
  auto all = list("");
  EXPECT_EQ(ids(all), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(all.at("has_more").as_bool());
  EXPECT_EQ(all.at("first_id").as_string(), "a");
  EXPECT_EQ(all.at("last_id").as_string(), "c");
  EXPECT_EQ(all.at("data").at(0).at("created_at").as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(all.at("data").at(0).at("type").as_string(), "model");
  auto page = list("limit=2");
  EXPECT_EQ(ids(page), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(page.at("has_more").as_bool());
  auto next = list("limit=2&after_id=b");
  EXPECT_EQ(ids(next), (std::vector<std::string>{"c"}));
  EXPECT_FALSE(next.at("has_more").as_bool());
  auto back = list("before_id=c&limit=1");
  EXPECT_EQ(ids(back), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(back.at("has_more").as_bool());
  auto empty = list("after_id=c");
  EXPECT_TRUE(empty.at("first_id").is_null());
}

TEST(AnthropicModels, BadLimitAndUnknownModel) {
  http::Request r;
  r.query = "limit=0";
  EXPECT_EQ(model_list_response(r, kModels).status, 400);
  r.query = "limit=abc";
  EXPECT_EQ(model_list_response(r, kModels).status, 400);
  auto one = model_response(r, kModels, "b");
  EXPECT_EQ(one.status, 200);
  auto v = parse_json(one.body);
  ASSERT_TRUE(v);
  if (spec() != nullptr) {
    EXPECT_TRUE(spec()->validate(*v, "ModelInfo").empty()) << one.body;
  }
  auto missing = model_response(r, kModels, "zzz");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("not_found_error"), std::string::npos);
}

TEST(AnthropicModels, ClientDetection) {
  http::Request r;
  EXPECT_FALSE(is_anthropic_client(r));
  r.headers.push_back({"anthropic-version", "2023-06-01"});
  EXPECT_TRUE(is_anthropic_client(r));
}

}  // namespace
}  // namespace sovra::api::anthropic
