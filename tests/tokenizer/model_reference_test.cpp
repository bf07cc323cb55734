// The token ids recorded with llama.cpp in shared/models/random/*.reference.json: BERT embedding cases
// (`token_ids`, with [CLS]/[SEP]) and generation cases (`prompt_ids`, BOS per `add_bos`) must come out of
// Sovra's tokenizer for the same model file exactly.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "tokenizer/open.hpp"

namespace sovra::tokenizer {
namespace {

namespace fs = std::filesystem;

std::vector<TokenId> ids_of(const boost::json::value& v) {
  std::vector<TokenId> out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<TokenId>(x.to_number<std::int64_t>()));
  return out;
}

TEST(TokenizerModelReferences, RecordedIdsMatch) {
  const fs::path dir = fs::path(SOVRA_SHARED_DIR) / "models" / "random";
  if (!fs::exists(dir)) GTEST_SKIP() << "shared test data missing: " << dir;
  int files = 0;
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".reference.json";
    if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix) continue;
    const fs::path model = dir / (name.substr(0, name.size() - suffix.size()) + ".gguf");
    if (!fs::exists(model)) continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = parse_json(ss.str());
    ASSERT_TRUE(doc && doc->is_object()) << name;
    const boost::json::value* list = doc->as_object().if_contains("cases");
    if (list == nullptr || !list->is_array()) continue;
    auto tok = open_tokenizer(model);
    ASSERT_TRUE(tok) << name << ": " << tok.error().message;
    ++files;
    for (const auto& c : list->as_array()) {
      const auto& o = c.as_object();
      if (const auto* ids = o.if_contains("token_ids"); ids != nullptr && o.contains("text")) {
        const std::string text(o.at("text").as_string());
        EXPECT_EQ((*tok)->encode(text, {.add_bos = (*tok)->add_bos(), .add_eos = (*tok)->add_eos()}), ids_of(*ids))
            << name << ": '" << text << "'";
        ++cases;
      }
      if (const auto* ids = o.if_contains("prompt_ids"); ids != nullptr && o.contains("prompt")) {
        const std::string prompt(o.at("prompt").as_string());
        const auto* add_bos = o.if_contains("add_bos");
        const bool bos = add_bos != nullptr && add_bos->is_bool() ? add_bos->as_bool() : (*tok)->add_bos();
        EXPECT_EQ((*tok)->encode(prompt, bos), ids_of(*ids)) << name << ": '" << prompt << "'";
        ++cases;
      }
    }
  }
  if (files == 0) GTEST_SKIP() << "no reference files with models in " << dir;
  std::cout << files << " model files, " << cases << " recorded tokenizations checked\n";
  EXPECT_GT(cases, 0);
}

}  // namespace
}  // namespace sovra::tokenizer
