#include "tokenizer/hf_import.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>

namespace sovra::tokenizer {
namespace {

namespace fs = std::filesystem;

class TokenizerHfImport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sovra-hf-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name, std::ios::binary) << text; }
  fs::path dir_;
};

TEST_F(TokenizerHfImport, VocabMergesAndAddedTokens) {
  write("vocab.json", R"({"a": 0, "b": 1, "ab": 2, "\u0120": 3, "\u0120ab": 4})");
  write("merges.txt", "#version: 0.2\na b\n\u0120 ab\n");
  write("tokenizer_config.json", R"({"tokenizer_class": "Qwen2Tokenizer", "eos_token": "<|end|>",
      "added_tokens_decoder": {"6": {"content": "<|end|>", "special": true},
                               "7": {"content": "<x>", "special": false}}})");
  auto t = load_from_hf_dir(dir_);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->vocab_size(), 8u);  // id 5 is a gap: an unused token
  EXPECT_EQ(t->pre_tokenizer().name(), "qwen2");
  EXPECT_EQ(t->eos_id(), 6);
  EXPECT_EQ(t->encode("ab ab<x>", false), (std::vector<TokenId>{2, 4, 7}));
  EXPECT_EQ(t->encode("<|end|>", {.parse_special = true}), (std::vector<TokenId>{6}));
}

TEST_F(TokenizerHfImport, OpenAiFilesAndPreOverride) {
  write("encoder.json", R"({"a": 0, "b": 1, "ab": 2})");
  write("vocab.bpe", "a b\n");
  auto t = load_from_hf_dir(dir_, {.pre = "llama-bpe"});
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->pre_tokenizer().name(), "llama-bpe");
  EXPECT_EQ(t->encode("ab", false), (std::vector<TokenId>{2}));
}

TEST_F(TokenizerHfImport, MissingAndMalformedFilesAreErrors) {
  EXPECT_EQ(load_from_hf_dir(dir_).error().code, ErrorCode::kNotFound);
  write("vocab.json", "{not json");
  write("merges.txt", "");
  auto bad = load_from_hf_dir(dir_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kCorruptData);
  EXPECT_NE(bad.error().message.find("vocab.json"), std::string::npos);
  write("vocab.json", R"({"a": -4})");
  EXPECT_EQ(load_from_hf_dir(dir_).error().code, ErrorCode::kCorruptData);
}

}  // namespace
}  // namespace sovra::tokenizer
