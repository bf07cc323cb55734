#include "api/openai/error.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"

namespace sovra::api::openai {
namespace {

TEST(OpenAiError, HasTheOpenAiShape) {
  auto r = error_response(Error::invalid("bad \"temperature\"", "temperature"));
  EXPECT_EQ(r.status, 400);
  auto v = parse_json(r.body);
  ASSERT_TRUE(v) << r.body;
  const auto& e = v->as_object().at("error").as_object();
  EXPECT_EQ(e.at("message").as_string(), "bad \"temperature\"");
  EXPECT_EQ(e.at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(e.at("param").as_string(), "temperature");
  EXPECT_EQ(e.at("code").as_string(), "invalid_argument");
  auto n = parse_json(error_json(Error::internal("x")));
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->as_object().at("error").as_object().at("param").is_null());
  EXPECT_EQ(n->as_object().at("error").as_object().at("type").as_string(), "server_error");
}

}  // namespace
}  // namespace sovra::api::openai
