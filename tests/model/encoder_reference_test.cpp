// BERT encoders against llama.cpp's embeddings of the random models in ../shared/models/random
// (rand-bert-d128-{mean,cls}-F16: token ids, raw pooled embedding and its L2-normalized form).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.hpp"
#include "model/arch/encoder.hpp"

namespace sovra::model {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kRandom = fs::path(SOVRA_SHARED_DIR) / "models" / "random";

json::value read_json(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = parse_json(ss.str());
  EXPECT_TRUE(v) << p;
  return v ? *v : json::value();
}

std::vector<float> floats(const json::value& v) {
  std::vector<float> out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<float>(x.to_number<double>()));
  return out;
}

class EncoderReference : public ::testing::TestWithParam<const char*> {};

TEST_P(EncoderReference, TokensAndEmbeddingsMatchLlamaCpp) {
  const fs::path path = kRandom / (std::string("rand-bert-d128-") + GetParam() + "-F16.gguf");
  fs::path ref_path = path;
  ref_path.replace_extension(".reference.json");
  if (!fs::exists(path) || !fs::exists(ref_path)) GTEST_SKIP() << path << " or its reference is absent";
  auto model = EncoderModel::open(path);
  ASSERT_TRUE(model) << model.error().message;
  const auto ref = read_json(ref_path);
  kernels::ThreadPool pool(2);
  std::vector<std::vector<tokenizer::TokenId>> seqs;
  for (const auto& c : ref.at("cases").as_array()) {
    const auto text = std::string(c.at("text").as_string());
    auto ids = (*model)->tokenize(text);
    std::vector<tokenizer::TokenId> want;
    for (const auto& id : c.at("token_ids").as_array()) want.push_back(static_cast<tokenizer::TokenId>(id.as_int64()));
    EXPECT_EQ(ids, want) << text;
    seqs.push_back(want);
  }
  auto out = (*model)->forward(seqs, pool);
  ASSERT_TRUE(out) << out.error().message;
  std::size_t i = 0;
  for (const auto& c : ref.at("cases").as_array()) {
    auto raw = (*out)[i++];
    const auto want_raw = floats(c.at("embedding_raw"));
    const auto want_norm = floats(c.at("embedding_l2_normalized"));
    ASSERT_EQ(raw.size(), want_raw.size());
    for (std::size_t d = 0; d < raw.size(); ++d) EXPECT_NEAR(raw[d], want_raw[d], 1e-3) << "case " << i << " dim " << d;
    l2_normalize(raw);
    for (std::size_t d = 0; d < raw.size(); ++d) EXPECT_NEAR(raw[d], want_norm[d], 1e-3) << "case " << i << " dim " << d;
  }
}

INSTANTIATE_TEST_SUITE_P(Pooling, EncoderReference, ::testing::Values("mean", "cls"));

}  // namespace
}  // namespace sovra::model
