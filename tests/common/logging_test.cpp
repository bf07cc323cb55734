#include "common/logging.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"

namespace sovra {
namespace {

TEST(Logging, PayloadIsValidJsonWhateverTheInput) {
  const std::string hostile = "quote\" backslash\\ newline\n bad\xFF utf8";
  const auto payload = format_log_payload_json(hostile, {{"n", 42}, {"ok", true}, {"x", 1.5}, {"s", hostile}});
  auto v = parse_json("{" + payload + "}");
  ASSERT_TRUE(v) << payload;
  EXPECT_EQ(v->as_object().at("n").as_int64(), 42);
  EXPECT_TRUE(v->as_object().at("ok").as_bool());
}

TEST(Logging, LevelsAndFormatsAreValidated) {
  EXPECT_TRUE(parse_log_level("warn"));
  EXPECT_FALSE(parse_log_level("loud"));
  EXPECT_FALSE(configure_logging({.level = "info", .format = "xml"}));
  ASSERT_TRUE(configure_logging({.level = "error", .format = "json"}));
  Logger log("test");
  EXPECT_FALSE(log.enabled(LogLevel::kInfo));
  EXPECT_TRUE(log.enabled(LogLevel::kError));
  ASSERT_TRUE(configure_logging({}));
  EXPECT_TRUE(log.enabled(LogLevel::kInfo));
}

}  // namespace
}  // namespace sovra
