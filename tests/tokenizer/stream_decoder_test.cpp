#include "tokenizer/stream_decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/byte_level.hpp"

namespace sovra::tokenizer {
namespace {

// Byte tokens only (id = byte), so any text can be split anywhere.
const BpeTokenizer& bytes_tokenizer() {
  static const BpeTokenizer t = [] {
    BpeVocab v;
    for (int b = 0; b < 256; ++b) v.tokens.push_back(to_byte_level(std::string(1, static_cast<char>(b))));
    return std::move(BpeTokenizer::create(v)).value();
  }();
  return t;
}

TEST(TokenizerStreamDecoder, HoldsBackSplitCharacters) {
  StreamDecoder d(bytes_tokenizer());
  const std::string euro = "\xE2\x82\xAC";
  EXPECT_EQ(d.push('a'), "a");
  EXPECT_EQ(d.push(0xE2), "");
  EXPECT_EQ(d.pending(), 1u);
  EXPECT_EQ(d.push(0x82), "");
  EXPECT_EQ(d.push(0xAC), euro);
  EXPECT_EQ(d.pending(), 0u);
  EXPECT_EQ(d.finish(), "");
}

TEST(TokenizerStreamDecoder, ConcatenationEqualsDecodeForValidText) {
  const std::string text = "héllo 日本 🎉 done";
  const auto ids = bytes_tokenizer().encode(text, false);
  StreamDecoder d(bytes_tokenizer());
  std::string streamed;
  for (const TokenId id : ids) {
    const std::string chunk = d.push(id);
    EXPECT_EQ(complete_prefix(chunk), chunk.size()) << "a chunk ended inside a character";
    streamed += chunk;
  }
  streamed += d.finish();
  EXPECT_EQ(streamed, text);
}

TEST(TokenizerStreamDecoder, InvalidBytesBecomeReplacementCharacters) {
  StreamDecoder d(bytes_tokenizer());
  EXPECT_EQ(d.push(0xFF), "\xEF\xBF\xBD");  // can never start a character
  EXPECT_EQ(d.push(0xE2), "");              // might
  EXPECT_EQ(d.push('x'),
            "\xEF\xBF\xBD"
            "x");  // did not
  EXPECT_EQ(d.push(0xF0), "");
  EXPECT_EQ(d.finish(), "\xEF\xBF\xBD");  // cut off at the end
  EXPECT_EQ(d.push(0xED), "");
  EXPECT_EQ(d.push(0xA0), "\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate: invalid
  EXPECT_EQ(d.push(-5), "");                            // out-of-range ids contribute nothing
}

TEST(TokenizerStreamDecoder, CompletePrefix) {
  EXPECT_EQ(complete_prefix(""), 0u);
  EXPECT_EQ(complete_prefix("ab"), 2u);
  EXPECT_EQ(complete_prefix("a\xC3"), 1u);
  EXPECT_EQ(complete_prefix("a\xC3\xA9"), 3u);
  EXPECT_EQ(complete_prefix("a\xF0\x9F\x8E"), 1u);
  EXPECT_EQ(complete_prefix("a\xF0\x9F\x8E\x89"), 5u);
  EXPECT_EQ(complete_prefix("a\x80\x80\x80"), 4u);  // stray continuations are not held back
}

}  // namespace
}  // namespace sovra::tokenizer
