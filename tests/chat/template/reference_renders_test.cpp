// Every template in shared/chat-templates rendered with every case of reference-renders.json (recorded with
// jinja2 exactly as Hugging Face's apply_chat_template sets it up) must match byte for byte; where jinja2 raised,
// Sovra must fail too — except for SecurityError (the immutable sandbox refusing list.append), where Sovra may
// render, since it allows append/pop on lists.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "chat/template/chat_template.hpp"
#include "common/json.hpp"

namespace sovra::chat {
namespace {

constexpr std::int64_t kReferenceNow = 1795685400;  // 2026-11-26T09:30:00Z, the renders' strftime_now

std::filesystem::path templates_dir() { return std::filesystem::path(SOVRA_SHARED_DIR) / "chat-templates"; }

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ChatTemplateReference, EveryTemplateAndCaseMatchesJinja2) {
  const auto ref_path = templates_dir() / "reference-renders.json";
  if (!std::filesystem::exists(ref_path)) GTEST_SKIP() << "missing " << ref_path;
  auto parsed = parse_json(read_all(ref_path), {.max_depth = 128});
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& ref = parsed->as_object();
  const auto& specials = ref.at("special_tokens").as_object();
  const auto& cases = ref.at("cases").as_object();
  const auto& results = ref.at("results").as_array();
  ASSERT_GT(results.size(), 0u);

  std::size_t passed = 0;
  std::size_t security_rendered = 0;
  std::set<std::string> templates_seen;
  for (const auto& r : results) {
    const auto& entry = r.as_object();
    const std::string name(entry.at("template").as_string());
    const std::string case_name(entry.at("case").as_string());
    templates_seen.insert(name);
    SCOPED_TRACE(name + " / " + case_name);
    auto source = template_from_file(templates_dir() / "templates" / name);
    ASSERT_TRUE(source) << source.error().message;
    boost::json::object context = cases.at(case_name).as_object();
    for (const auto& kv : specials) context[kv.key()] = kv.value();
    auto tmpl = ChatTemplate::create(*source);
    std::string error;
    std::string output;
    if (!tmpl) {
      error = tmpl.error().message;
    } else {
      auto rendered = tmpl->render(context, {.now_unix_seconds = kReferenceNow});
      if (rendered) output = *rendered;
      else error = rendered.error().message;
    }
    if (const auto* expected = entry.if_contains("output")) {
      EXPECT_EQ(error, "");
      EXPECT_EQ(output, std::string(expected->as_string()));
      if (error.empty() && output == expected->as_string()) ++passed;
      continue;
    }
    const std::string expected_error(entry.at("error").as_string());
    if (expected_error.rfind("SecurityError", 0) == 0 && error.empty()) {
      ++security_rendered;
      ++passed;
      continue;
    }
    EXPECT_NE(error, "") << "jinja2 raised " << expected_error << " but Sovra rendered:\n" << output;
    if (!error.empty()) ++passed;
  }
  std::cout << "[chat templates] " << passed << "/" << results.size() << " reference renders match ("
            << templates_seen.size() << " templates; " << security_rendered
            << " SecurityError cases rendered)\n";
  std::size_t files = 0;
  for (const auto& f : std::filesystem::directory_iterator(templates_dir() / "templates")) {
    if (f.path().extension() == ".jinja") {
      ++files;
      EXPECT_TRUE(templates_seen.count(f.path().filename().string())) << f.path() << " has no reference render";
    }
  }
  EXPECT_EQ(files, templates_seen.size());
}

}  // namespace
}  // namespace sovra::chat
