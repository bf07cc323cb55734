// Input the tokenizer must survive: invalid UTF-8, NUL bytes, megabyte strings. Every id must be in range and,
// with a vocabulary that has "▁" and all byte tokens, decoding must give the input back.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/sampling/rng.hpp"
#include "spm_test_vocab.hpp"
#include "tokenizer/spm_tokenizer.hpp"

namespace sovra::tokenizer {
namespace {

// What decode(encode(s)) returns: the text with each literal "▁" read back as a space.
std::string expected_round_trip(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, 3) == "\xE2\x96\x81") {
      out += ' ';
      i += 3;
    } else {
      out += s[i++];
    }
  }
  return out;
}

class TokenizerHostile : public ::testing::Test {
 protected:
  void SetUp() override {
    SpmVocab v = testing::small_vocab();
    // Drop the user-defined tokens: after one, llama.cpp's rules add a space, which is no round trip.
    while (v.types.back() == TokenType::kUserDefined) {
      v.tokens.pop_back();
      v.scores.pop_back();
      v.types.pop_back();
    }
    auto t = SpmTokenizer::create(v);
    ASSERT_TRUE(t) << t.error().message;
    tokenizer_ = std::make_unique<SpmTokenizer>(std::move(t).value());
  }

  void expect_round_trip(std::string_view input) {
    const std::vector<TokenId> ids = tokenizer_->encode(input, true);
    for (const TokenId id : ids) {
      ASSERT_GE(id, 0);
      ASSERT_LT(static_cast<std::size_t>(id), tokenizer_->vocab_size());
    }
    ASSERT_EQ(tokenizer_->decode(ids), expected_round_trip(input)) << "input of " << input.size() << " bytes";
  }

  std::unique_ptr<SpmTokenizer> tokenizer_;
};

TEST_F(TokenizerHostile, InvalidUtf8RoundTrips) {
  const std::vector<std::string> inputs = {
      "\xFF",
      "\xC3",
      "\xE2\x82",
      "\xF0\x9F\x98",
      "\x80\x80",
      "a\xC3",
      "\xC0\xAF",
      "\xED\xA0\x80",
      "\xE2 x",
      "\xF0 \xF0  \xF0",
      "\xC3\xC3\xA9",
      "ab\xE2\x96",
      "\xE2\x96\x81",
      "x\xE2\x96\x81\xE2\x96 y",
      "\xF8\x88\x80\x80\x80",
      "\xFE\xFF",
  };
  for (const std::string& s : inputs) expect_round_trip(s);
}

TEST_F(TokenizerHostile, NulBytesAreOrdinaryBytes) {
  const std::string s("a\0b\0\0 c\0", 8);
  const std::vector<TokenId> ids = tokenizer_->encode(s, false);
  EXPECT_NE(std::find(ids.begin(), ids.end(), testing::kByteBase + 0), ids.end());
  expect_round_trip(s);
  expect_round_trip(std::string(1000, '\0'));
}

TEST_F(TokenizerHostile, MegabyteInputs) {
  constexpr std::size_t kMiB = 1 << 20;
  sampling::Rng rng(99);
  std::string random(kMiB, '\0');
  for (char& c : random) c = static_cast<char>(rng.next_u64() & 0xFF);
  expect_round_trip(random);
  expect_round_trip(std::string(kMiB, 'x'));  // one long run of equal merges
  expect_round_trip(std::string(kMiB, ' '));
  std::string words;
  while (words.size() < kMiB) words += "hello world the end abc ";
  expect_round_trip(words);
  std::string accents;
  while (accents.size() < kMiB) accents += "é€😀";
  expect_round_trip(accents);
}

TEST_F(TokenizerHostile, RandomShortStringsRoundTrip) {
  sampling::Rng rng(7);
  const std::string alphabet = std::string("abcxhelowrdtn <>|\xE2\x96\x81\xC3\xA9\xFF\x80", 24) + std::string(1, '\0');
  for (int n = 0; n < 3000; ++n) {
    std::string s(rng.next_u64() % 24, '\0');
    for (char& c : s) c = alphabet[rng.next_u64() % alphabet.size()];
    expect_round_trip(s);
  }
}

}  // namespace
}  // namespace sovra::tokenizer
