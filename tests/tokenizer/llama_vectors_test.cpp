// llama.cpp's tokenizer test vectors (test-tokenizer-0) for the vocabularies under shared/models/vocab: every .inp
// string must encode (no BOS/EOS, as the vectors were made) to exactly the ids of the matching .out line, and
// decode back to the string (not for WordPiece, which lowercases). Vocabularies given as Hugging Face files
// (llama3.2-bpe/, qwen2-bpe/) are imported; vectors with neither a GGUF nor such a directory are listed as
// skipped with the reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/reader.hpp"
#include "tokenizer/hf_import.hpp"
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
  const char* gguf;     // under models/: a .gguf file or a Hugging Face tokenizer directory
  const char* vectors;  // .inp/.out prefix under models/
  bool round_trip = true;
};

Result<std::unique_ptr<Tokenizer>> load(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path)) {
    SOVRA_TRY(BpeTokenizer t, load_from_hf_dir(path));
    return std::unique_ptr<Tokenizer>(std::make_unique<BpeTokenizer>(std::move(t)));
  }
  SOVRA_TRY(gguf::Reader reader, gguf::Reader::open(path));
  return load_from_gguf(reader);
}

class TokenizerLlamaVectors : public ::testing::TestWithParam<VectorCase> {};

TEST_P(TokenizerLlamaVectors, EncodeMatchesAndDecodeRoundTrips) {
  const auto gguf_path = models_dir() / GetParam().gguf;
  const auto inp = models_dir() / (std::string(GetParam().vectors) + ".inp");
  const auto outp = models_dir() / (std::string(GetParam().vectors) + ".out");
  for (const auto& p : {gguf_path, inp, outp}) {
    if (!std::filesystem::exists(p)) GTEST_SKIP() << "shared test data missing: " << p;
  }
  auto tokenizer = load(gguf_path);
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
    if (GetParam().round_trip) {
      EXPECT_EQ(t.decode(got), inputs[i]) << "test " << i;
    }
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

INSTANTIATE_TEST_SUITE_P(
    TokenizerBpeVocabularies, TokenizerLlamaVectors,
    ::testing::Values(
        VectorCase{"Gpt2", "vocab/ggml-vocab-gpt-2.gguf", "vocab/ggml-vocab-gpt-2.gguf"},
        VectorCase{"DeepseekCoder", "vocab/ggml-vocab-deepseek-coder.gguf", "vocab/ggml-vocab-deepseek-coder.gguf"},
        VectorCase{"DeepseekLlm", "vocab/ggml-vocab-deepseek-llm.gguf", "vocab/ggml-vocab-deepseek-llm.gguf"},
        VectorCase{"Falcon", "vocab/ggml-vocab-falcon.gguf", "vocab/ggml-vocab-falcon.gguf"},
        VectorCase{"Mpt", "vocab/ggml-vocab-mpt.gguf", "vocab/ggml-vocab-mpt.gguf"},
        VectorCase{"Refact", "vocab/ggml-vocab-refact.gguf", "vocab/ggml-vocab-refact.gguf"},
        VectorCase{"Starcoder", "vocab/ggml-vocab-starcoder.gguf", "vocab/ggml-vocab-starcoder.gguf"},
        // Hugging Face files imported (no GGUF of these vocabularies in shared/).
        VectorCase{"Llama3HfFiles", "vocab/llama3.2-bpe", "vocab/ggml-vocab-llama-bpe.gguf"},
        VectorCase{"Qwen2HfFiles", "vocab/qwen2-bpe", "vocab/ggml-vocab-qwen2.gguf"},
        // DeepSeek-R1-Distill-Qwen keeps Qwen2's vocabulary and pre-tokenizer (only added tokens differ).
        VectorCase{"DeepseekR1QwenHfFiles", "vocab/qwen2-bpe",
                   "vocab/removed-upstream-2025-05/ggml-vocab-deepseek-r1-qwen.gguf"}),
    [](const ::testing::TestParamInfo<VectorCase>& param) { return std::string(param.param.name); });

INSTANTIATE_TEST_SUITE_P(
    TokenizerWordPieceVocabularies, TokenizerLlamaVectors,
    ::testing::Values(VectorCase{"BertBge", "vocab/ggml-vocab-bert-bge.gguf", "vocab/ggml-vocab-bert-bge.gguf",
                                 /*round_trip=*/false}),
    [](const ::testing::TestParamInfo<VectorCase>& param) { return std::string(param.param.name); });

// Vectors in shared/ whose vocabulary is in neither form here: each is reported as skipped, with the reason.
class TokenizerVectorsWithoutVocabulary : public ::testing::TestWithParam<const char*> {};

TEST_P(TokenizerVectorsWithoutVocabulary, ReportedAsSkipped) {
  const auto inp = models_dir() / (std::string(GetParam()) + ".inp");
  if (!std::filesystem::exists(inp)) GTEST_SKIP() << "shared test data missing: " << inp;
  GTEST_SKIP() << GetParam() << ": shared/ has the vectors but neither the GGUF vocabulary nor its Hugging Face files";
}

INSTANTIATE_TEST_SUITE_P(TokenizerVectors, TokenizerVectorsWithoutVocabulary,
                         ::testing::Values("vocab/ggml-vocab-command-r.gguf", "vocab/ggml-vocab-gemma-4.gguf",
                                           "vocab/ggml-vocab-qwen35.gguf",
                                           "vocab/removed-upstream-2025-05/ggml-vocab-chameleon.gguf",
                                           "vocab/removed-upstream-2025-05/ggml-vocab-gpt-4o.gguf",
                                           "vocab/removed-upstream-2025-05/ggml-vocab-llama4.gguf",
                                           "vocab/removed-upstream-2025-05/ggml-vocab-nomic-bert-moe.gguf",
                                           "vocab/removed-upstream-2025-05/ggml-vocab-pixtral.gguf",
                                           "vocab/removed-upstream-2025-05/ggml-vocab-roberta-bpe.gguf"));

}  // namespace
}  // namespace sovra::tokenizer
