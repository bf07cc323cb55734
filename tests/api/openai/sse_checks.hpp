#pragma once
// Checks shared by the OpenAI handler tests: schema validation against ../shared/specs/openai-openapi.json,
// SSE transcript splitting, id/timestamp normalisation and golden-file comparison.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "support/openapi_schema.hpp"

namespace sovra::testing {

inline const OpenApiSchemas* openai_spec() {
  static std::string why;
  static const auto schemas = OpenApiSchemas::load(SOVRA_SHARED_DIR "/specs/openai-openapi.json", &why);
  return schemas.get();
}

// Parses `json` and checks it against the named component (when the specification is present).
inline boost::json::value expect_valid(const std::string& json, std::string_view component) {
  auto parsed = parse_json(json);
  EXPECT_TRUE(parsed) << json;
  if (!parsed) return {};
  if (openai_spec() != nullptr) {
    for (const auto& e : openai_spec()->validate(*parsed, component))
      ADD_FAILURE() << component << ": " << e << "\n" << json;
  }
  return *parsed;
}

// A legacy completion (or stream chunk) whose logprobs may start with an echoed prompt: OpenAI's API writes null as
// the first prompt token's logprob and top_logprobs (nothing precedes it), which the specification's schema (numbers
// and objects) does not list. Validates with exactly that allowance: only index 0 of each choice may be null.
inline boost::json::value expect_valid_with_prompt_logprobs(const std::string& json, std::string_view component) {
  auto parsed = parse_json(json);
  EXPECT_TRUE(parsed) << json;
  if (!parsed) return {};
  boost::json::value checked = *parsed;
  for (auto& c : checked.at("choices").as_array()) {
    auto* lp = c.as_object().if_contains("logprobs");
    if (lp == nullptr || !lp->is_object()) continue;
    auto& values = lp->as_object()["token_logprobs"].as_array();
    auto& tops = lp->as_object()["top_logprobs"].as_array();
    if (!values.empty() && values[0].is_null()) values[0] = 0.0;
    if (!tops.empty() && tops[0].is_null()) tops[0] = boost::json::object{};
  }
  if (openai_spec() != nullptr) {
    for (const auto& e : openai_spec()->validate(checked, component))
      ADD_FAILURE() << component << ": " << e << "\n" << json;
  }
  return *parsed;
}

// The `data:` payloads of an SSE transcript, in order; a malformed frame fails the test.
inline std::vector<std::string> sse_payloads(const std::string& transcript) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < transcript.size()) {
    const auto end = transcript.find("\n\n", at);
    if (end == std::string::npos) {
      ADD_FAILURE() << "unterminated SSE frame: " << transcript.substr(at);
      break;
    }
    const std::string frame = transcript.substr(at, end - at);
    if (frame.rfind("data: ", 0) != 0 || frame.find('\n') != std::string::npos) {
      ADD_FAILURE() << "not a single data: line: " << frame;
    } else {
      out.push_back(frame.substr(6));
    }
    at = end + 2;
  }
  return out;
}

// Replaces the random completion id and the creation time, the only parts of a transcript that vary by run.
inline std::string normalise_ids(const std::string& text) {
  static const std::regex id(R"re("id":"(chatcmpl|cmpl)-[0-9a-f]+")re");
  static const std::regex created(R"re("created":[0-9]+)re");
  return std::regex_replace(std::regex_replace(text, id, R"("id":"$1-ID")"), created, R"("created":0)");
}

// Compares `actual` byte for byte with tests/api/openai/golden/<name>; on a difference (or a missing file) the
// actual transcript is written next to the test binary's temporary directory for review.
inline void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(SOVRA_TESTS_SOURCE_DIR) + "/api/openai/golden/" + name;
  std::ifstream in(path, std::ios::binary);
  std::stringstream expected;
  if (in) expected << in.rdbuf();
  if (!in || expected.str() != actual) {
    const std::string out_path = ::testing::TempDir() + name;
    std::ofstream(out_path, std::ios::binary) << actual;
    ADD_FAILURE() << "golden " << path << (in ? " differs" : " is missing") << "; actual written to " << out_path;
    if (in) {
      EXPECT_EQ(expected.str(), actual);
    }
  }
}

}  // namespace sovra::testing
