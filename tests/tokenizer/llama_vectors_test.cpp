// llama.cpp's tokenizer test vectors (test-tokenizer-0) for the SentencePiece vocabularies under
// shared/models/vocab: every .inp string must encode (no BOS, as the vectors were made) to exactly the ids of the
// matching .out line, and decode back to the string.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/reader.hpp"
#include "tokenizer/load.hpp"

namespace sovra::tokenizer {
namespace {

std::filesystem::path models_dir() { return std::filesystem::path(SOVRA_SHARED_DIR) / "models"; }

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The .inp format: test strings separated by "\n__ggml_vocab_test__\n" (the file ends with one).
std::vector<std::string> read_inputs(const std::filesystem::path& path) {
  const std::string raw = read_all(path);
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const std::size_t next = raw.find(sep, pos);
    if (next == std::string::npos) {
      out.push_back(raw.substr(pos));
      break;
    }
    out.push_back(raw.substr(pos, next - pos));
    pos = next + sep.size();
  }
  return out;
}

// The .out format: one line of space-separated ids per test.
std::vector<std::vector<TokenId>> read_outputs(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<TokenId>> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ss(line);
    std::vector<TokenId> ids;
    for (TokenId id; ss >> id;) ids.push_back(id);
    out.push_back(std::move(ids));
  }
  return out;
}

struct VectorCase {
  const char* name;
  const char* gguf;     // under models/
  const char* vectors;  // .inp/.out prefix under models/
};

class TokenizerLlamaVectors : public ::testing::TestWithParam<VectorCase> {};

TEST_P(TokenizerLlamaVectors, EncodeMatchesAndDecodeRoundTrips) {
  const auto gguf_path = models_dir() / GetParam().gguf;
  const auto inp = models_dir() / (std::string(GetParam().vectors) + ".inp");
  const auto outp = models_dir() / (std::string(GetParam().vectors) + ".out");
  for (const auto& p : {gguf_path, inp, outp}) {
    if (!std::filesystem::exists(p)) GTEST_SKIP() << "shared test data missing: " << p;
  }
  auto reader = gguf::Reader::open(gguf_path);
  ASSERT_TRUE(reader) << reader.error().message;
  auto tokenizer = load_from_gguf(*reader);
  ASSERT_TRUE(tokenizer) << tokenizer.error().message;
  const Tokenizer& t = **tokenizer;

  const auto inputs = read_inputs(inp);
  const auto outputs = read_outputs(outp);
  ASSERT_EQ(inputs.size(), outputs.size());
  ASSERT_GE(inputs.size(), 40u);
  int passed = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<TokenId> got = t.encode(inputs[i], false);
    EXPECT_EQ(got, outputs[i]) << "test " << i << ": '" << inputs[i] << "'";
    EXPECT_EQ(t.decode(got), inputs[i]) << "test " << i;
    if (got == outputs[i]) ++passed;
  }
  RecordProperty("passed", passed);
  std::cout << GetParam().gguf << ": " << passed << "/" << inputs.size() << " vectors match\n";
}

INSTANTIATE_TEST_SUITE_P(
    TokenizerSpmVocabularies, TokenizerLlamaVectors,
    ::testing::Values(VectorCase{"LlamaSpm", "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-llama-spm.gguf"},
                      VectorCase{"Phi3", "vocab/ggml-vocab-phi-3.gguf", "vocab/ggml-vocab-phi-3.gguf"},
                      // The same Llama-2 vocabulary inside a model file (no add_bos / pre keys).
                      VectorCase{"Llama2TinyRandom", "llama-2-tiny-random.gguf", "vocab/ggml-vocab-llama-spm.gguf"}),
    [](const ::testing::TestParamInfo<VectorCase>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace sovra::tokenizer
