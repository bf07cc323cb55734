// `sovra tokenize`: the real binary on shared vocabularies (a GGUF file and a Hugging Face directory).
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/server_process.hpp"

namespace sovra::test {
namespace {

std::filesystem::path vocab_dir() { return std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "vocab"; }

TEST(CliTokenize, GgufVocabularyPrintsIdsAsJson) {
  const auto gguf = vocab_dir() / "ggml-vocab-gpt-2.gguf";
  if (!std::filesystem::exists(gguf)) GTEST_SKIP() << "shared test data missing: " << gguf;
  std::string out, err;
  ASSERT_EQ(run_sovra({"tokenize", "-m", gguf.string(), "--text", "Hello world", "--json"}, &out, &err), 0) << err;
  // GPT-2's own ids for "Hello" and " world" (no BOS: the vocabulary does not ask for one).
  EXPECT_EQ(out, "{\"count\":2,\"ids\":[15496,995],\"pieces\":[\"Hello\",\" world\"]}\n");
}

TEST(CliTokenize, HfDirectoryBosAndParseSpecial) {
  const auto dir = vocab_dir() / "qwen2-bpe";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "shared test data missing: " << dir;
  std::string plain, special, err;
  ASSERT_EQ(run_sovra({"tokenize", "-m", dir.string(), "--text", "<|im_start|>hi", "--json"}, &plain, &err), 0) << err;
  ASSERT_EQ(run_sovra({"tokenize", "-m", dir.string(), "--text", "<|im_start|>hi", "--json", "--parse-special"},
                      &special, &err),
            0)
      << err;
  EXPECT_EQ(plain.find("151644"), std::string::npos) << plain;  // the marker is text by default
  EXPECT_NE(special.find("\"ids\":[151644,"), std::string::npos) << special;

  const auto llama3 = vocab_dir() / "llama3.2-bpe";
  if (!std::filesystem::exists(llama3)) GTEST_SKIP() << "shared test data missing: " << llama3;
  std::string with_bos, without_bos;
  ASSERT_EQ(run_sovra({"tokenize", "-m", llama3.string(), "--text", "Hello", "--json"}, &with_bos, &err), 0) << err;
  ASSERT_EQ(run_sovra({"tokenize", "-m", llama3.string(), "--text", "Hello", "--json", "--no-bos"}, &without_bos, &err),
            0)
      << err;
  EXPECT_NE(with_bos.find("\"ids\":[128000,9906]"), std::string::npos) << with_bos;
  EXPECT_NE(without_bos.find("\"ids\":[9906]"), std::string::npos) << without_bos;
}

TEST(CliTokenize, ReadsFileAndPrintsOneLinePerToken) {
  const auto gguf = vocab_dir() / "ggml-vocab-gpt-2.gguf";
  if (!std::filesystem::exists(gguf)) GTEST_SKIP() << "shared test data missing: " << gguf;
  const auto file = std::filesystem::temp_directory_path() / ("sovra-tokenize-" + std::to_string(::getpid()));
  std::ofstream(file, std::ios::binary) << "a\xFF b";  // invalid UTF-8 is tokenized, never rejected
  std::string out, err;
  ASSERT_EQ(run_sovra({"tokenize", "-m", gguf.string(), "--file", file.string()}, &out, &err), 0) << err;
  std::filesystem::remove(file);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;      // "a", "\xFF", " b"
  EXPECT_NE(out.find("\"\xEF\xBF\xBD\""), std::string::npos) << out;  // the lone byte, shown as U+FFFD
}

TEST(CliTokenize, BadInvocationsFailWithAMessage) {
  std::string out, err;
  EXPECT_NE(run_sovra({"tokenize", "-m", "/nonexistent/model.gguf", "--text", "x"}, &out, &err), 0);
  EXPECT_NE(err.find("/nonexistent/model.gguf"), std::string::npos) << err;
  EXPECT_NE(run_sovra({"tokenize", "-m", "/nonexistent/model.gguf"}, &out, &err), 0);
  EXPECT_NE(err.find("--text or --file"), std::string::npos) << err;
}

}  // namespace
}  // namespace sovra::test
