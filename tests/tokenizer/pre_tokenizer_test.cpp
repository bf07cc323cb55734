#include "tokenizer/pre_tokenizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sovra::tokenizer {
namespace {

std::vector<std::string> split(std::string_view pre, std::string_view text) {
  auto p = PreTokenizer::create(pre);
  EXPECT_TRUE(p) << p.error().message;
  if (!p) return {};
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  p->split(text, ranges);
  std::vector<std::string> out;
  std::uint32_t expected_begin = 0;
  for (const auto& [b, e] : ranges) {
    EXPECT_EQ(b, expected_begin);  // pieces cover the text in order
    expected_begin = e;
    out.emplace_back(text.substr(b, e - b));
  }
  EXPECT_EQ(expected_begin, text.size());
  return out;
}

using V = std::vector<std::string>;

TEST(TokenizerPreTokenizer, Gpt2) {
  EXPECT_EQ(split("gpt-2", "Hello world's  end!!"), V({"Hello", " world", "'s", " ", " end", "!!"}));
}

TEST(TokenizerPreTokenizer, Llama3GroupsDigitsByThreeAndKeepsNewlines) {
  EXPECT_EQ(split("llama-bpe", "1234567 ab\n\n cd"), V({"123", "456", "7", " ab", "\n\n", " cd"}));
  EXPECT_EQ(split("llama-bpe", "I'M here"), V({"I", "'M", " here"}));
}

TEST(TokenizerPreTokenizer, Qwen2SplitsEveryDigit) { EXPECT_EQ(split("qwen2", "x 123"), V({"x", " ", "1", "2", "3"})); }

TEST(TokenizerPreTokenizer, SequencesKeepUnmatchedTextAsPieces) {
  // starcoder: digits isolated first, then GPT-2's pattern on what is left.
  EXPECT_EQ(split("starcoder", "ab12 c"), V({"ab", "1", "2", " c"}));
  // deepseek-coder: CJK runs are their own pieces.
  EXPECT_EQ(split("deepseek-coder", "中文abc"), V({"中文", "abc"}));
}

TEST(TokenizerPreTokenizer, Gpt4oAndTekkenSplitCamelCase) {
  EXPECT_EQ(split("gpt-4o", "HelloWorld's 12345"), V({"Hello", "World's", " ", "123", "45"}));
  EXPECT_EQ(split("tekken", "HelloWorld 12"), V({"Hello", "World", " ", "1", "2"}));
}

TEST(TokenizerPreTokenizer, EveryPresetCompilesAndUnknownNamesFail) {
  for (const char* name :
       {"default", "gpt-2", "llama-bpe", "llama3", "qwen2", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon",
        "mpt", "starcoder", "refact", "command-r", "gpt-4o", "tekken", "bloom", "viking", "chatglm-bpe", "dbrx"}) {
    auto p = PreTokenizer::create(name);
    EXPECT_TRUE(p) << name << ": " << p.error().message;
  }
  EXPECT_TRUE(PreTokenizer::create("llama-bpe")->ignore_merges());
  EXPECT_FALSE(PreTokenizer::create("qwen2")->ignore_merges());
  auto bad = PreTokenizer::create("made-up");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'made-up'"), std::string::npos);
}

TEST(TokenizerPreTokenizer, HostileInputIsCoveredExactly) {
  std::string junk;
  for (int i = 0; i < 100000; ++i) junk += static_cast<char>((i * 7919) % 256);
  for (const char* name : {"llama-bpe", "deepseek-llm", "falcon", "gpt-4o"}) {
    const auto pieces = split(name, junk);
    std::string joined;
    for (const auto& p : pieces) joined += p;
    EXPECT_EQ(joined, junk) << name;
  }
}

}  // namespace
}  // namespace sovra::tokenizer
