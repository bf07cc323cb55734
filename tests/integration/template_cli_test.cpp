// `sovra template render`: the real binary prints the prompt byte for byte (no added newline) and exits non-zero
// with the template's own message when the template raises.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

const std::filesystem::path kTemplates = std::filesystem::path(SOVRA_SHARED_DIR) / "chat-templates";

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TemplateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kTemplates / "reference-renders.json")) GTEST_SKIP() << "missing " << kTemplates;
    dir_ = std::filesystem::temp_directory_path() / ("sovra_template_cli_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto ref = parse_json(read_all(kTemplates / "reference-renders.json"), {.max_depth = 128});
    ASSERT_TRUE(ref);
    ref_ = std::move(ref->as_object());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes one `cases` entry merged with the special tokens, as the CLI expects it.
  std::string context_file(const std::string& case_name) {
    boost::json::object ctx = ref_.at("cases").at(case_name).as_object();
    for (const auto& kv : ref_.at("special_tokens").as_object()) ctx[kv.key()] = kv.value();
    const auto path = dir_ / (case_name + ".json");
    std::ofstream(path, std::ios::binary) << boost::json::serialize(ctx);
    return path.string();
  }

  const boost::json::object& result(const std::string& tmpl, const std::string& case_name) {
    for (const auto& r : ref_.at("results").as_array()) {
      if (r.at("template").as_string() == tmpl && r.at("case").as_string() == case_name) return r.as_object();
    }
    static const boost::json::object kNone;
    return kNone;
  }

  std::filesystem::path dir_;
  boost::json::object ref_;
};

TEST_F(TemplateCli, PrintsThePromptExactly) {
  const std::string tmpl = "meta-llama-Llama-3.1-8B-Instruct.jinja";
  const auto& expected = result(tmpl, "tool_roundtrip");
  ASSERT_TRUE(expected.contains("output"));
  std::string out;
  std::string err;
  const int rc = run_sovra({"template", "render", "--template", (kTemplates / "templates" / tmpl).string(), "--input",
                            context_file("tool_roundtrip")},
                           &out, &err);
  EXPECT_EQ(rc, 0) << err;
  EXPECT_EQ(out, std::string(expected.at("output").as_string()));
}

TEST_F(TemplateCli, TemplateErrorsExitNonZeroWithTheMessage) {
  std::string out;
  std::string err;
  const int rc = run_sovra({"template", "render", "--template",
                            (kTemplates / "templates" / "google-gemma-2-2b-it.jinja").string(), "--input",
                            context_file("basic")},
                           &out, &err);
  EXPECT_NE(rc, 0);
  EXPECT_EQ(out, "");
  EXPECT_NE(err.find("System role not supported"), std::string::npos) << err;
}

TEST_F(TemplateCli, RendersTheTemplateOfAModel) {
  const auto model = std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "stories260K-chat.gguf";
  if (!std::filesystem::exists(model)) GTEST_SKIP() << "missing " << model;
  std::string out;
  std::string err;
  const int rc = run_sovra({"template", "render", "--model", model.string(), "--input", context_file("basic")}, &out, &err);
  EXPECT_EQ(rc, 0) << err;
  // stories260K-chat.gguf carries Qwen2.5's template.
  EXPECT_EQ(out, std::string(result("Qwen-Qwen2.5-7B-Instruct.jinja", "basic").at("output").as_string()));
}

TEST_F(TemplateCli, BadInvocationsFailClearly) {
  std::string out;
  std::string err;
  EXPECT_NE(run_sovra({"template", "render", "--input", context_file("basic")}, &out, &err), 0);
  EXPECT_NE(err.find("--model or --template"), std::string::npos) << err;
  const auto bad = dir_ / "bad.json";
  std::ofstream(bad) << "{not json";
  EXPECT_NE(run_sovra({"template", "render", "--template", (kTemplates / "templates" / "Qwen-Qwen3-0.6B.jinja").string(),
                       "--input", bad.string()},
                      &out, &err),
            0);
  EXPECT_NE(err.find("Invalid JSON"), std::string::npos) << err;
}

}  // namespace
}  // namespace sovra::test
