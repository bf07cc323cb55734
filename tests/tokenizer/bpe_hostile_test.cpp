// Real byte-level BPE and WordPiece vocabularies against hostile input: random bytes (invalid UTF-8, NUL,
// control characters), a megabyte without a single space, and many threads at once. Nothing may crash, every id
// must be in range, BPE must give the bytes back, and concurrent encodes must agree.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tokenizer/open.hpp"

namespace sovra::tokenizer {
namespace {

std::filesystem::path vocab_dir() { return std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "vocab"; }

std::unique_ptr<Tokenizer> open_or_skip(const char* name) {
  const auto path = vocab_dir() / name;
  if (!std::filesystem::exists(path)) return nullptr;
  auto t = open_tokenizer(path);
  EXPECT_TRUE(t) << t.error().message;
  return t ? std::move(*t) : nullptr;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

void expect_in_range(const Tokenizer& t, const std::vector<TokenId>& ids) {
  for (const TokenId id : ids) ASSERT_TRUE(id >= 0 && static_cast<std::size_t>(id) < t.vocab_size()) << id;
}

TEST(TokenizerBpeHostile, RandomBytesAndHugeWordsRoundTrip) {
  for (const char* name : {"ggml-vocab-gpt-2.gguf", "ggml-vocab-deepseek-llm.gguf", "ggml-vocab-falcon.gguf"}) {
    const auto t = open_or_skip(name);
    if (!t) GTEST_SKIP() << "shared test data missing: " << vocab_dir() / name;
    const std::string junk = random_bytes(1 << 14, 1);
    const auto ids = t->encode(junk, {.parse_special = true});
    expect_in_range(*t, ids);
    EXPECT_EQ(t->encode(junk, false), t->encode(junk, false));
    // Some vocabularies (DeepSeek, Falcon) have no token for bytes that never occur in UTF-8 (0xC0, 0xF5-0xFF):
    // those are dropped, as llama.cpp drops them; every other byte comes back.
    std::array<bool, 256> has_token{};
    for (int b = 0; b < 256; ++b) has_token[b] = !t->encode(std::string(1, static_cast<char>(b)), false).empty();
    std::string expected;
    for (const char c : junk) {
      if (has_token[static_cast<unsigned char>(c)]) expected += c;
    }
    EXPECT_EQ(t->decode(t->encode(junk, false)), expected) << name;
    const std::string word(1 << 16, 'x');  // one pre-token of 64 KiB
    const auto long_ids = t->encode(word, false);
    expect_in_range(*t, long_ids);
    EXPECT_EQ(t->decode(long_ids), word) << name;
    const std::string spaces(1 << 15, ' ');
    EXPECT_EQ(t->decode(t->encode(spaces + "a" + spaces, false)), spaces + "a" + spaces) << name;
  }
}

TEST(TokenizerBpeHostile, WordPieceSurvivesJunk) {
  const auto t = open_or_skip("ggml-vocab-bert-bge.gguf");
  if (!t) GTEST_SKIP() << "shared test data missing: bert-bge";
  expect_in_range(*t, t->encode(random_bytes(1 << 14, 2), {.add_bos = true, .add_eos = true}));
  expect_in_range(*t, t->encode(std::string(1 << 16, 'a'), false));
}

TEST(TokenizerBpeHostile, ConcurrentEncodesAgree) {
  const auto t = open_or_skip("ggml-vocab-gpt-2.gguf");
  if (!t) GTEST_SKIP() << "shared test data missing: gpt-2";
  const std::string text = random_bytes(1 << 14, 3) + " Hello world, 12345 héllo 日本語";
  const auto expected = t->encode(text, false);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      bool same = true;
      for (int r = 0; r < 5; ++r) same = same && t->encode(text, false) == expected;
      ok[static_cast<std::size_t>(i)] = same ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  for (const int v : ok) EXPECT_EQ(v, 1);
}

}  // namespace
}  // namespace sovra::tokenizer
