#include "engine/detokenizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sovra::engine {
namespace {

// A vocabulary whose pieces are given directly, to split characters across tokens at will.
class PieceTokenizer final : public tokenizer::Tokenizer {
 public:
  explicit PieceTokenizer(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {}
  std::vector<tokenizer::TokenId> encode(std::string_view, const tokenizer::EncodeOptions&) const override { return {}; }
  std::string decode(std::span<const tokenizer::TokenId>) const override { return {}; }
  std::string_view token_to_piece(tokenizer::TokenId id) const override {
    if (id < 0 || static_cast<std::size_t>(id) >= pieces_.size()) return {};
    return pieces_[static_cast<std::size_t>(id)];
  }
  tokenizer::TokenId bos_id() const override { return tokenizer::kNoToken; }
  tokenizer::TokenId eos_id() const override { return tokenizer::kNoToken; }
  bool add_bos() const override { return false; }
  std::size_t vocab_size() const override { return pieces_.size(); }

 private:
  std::vector<std::string> pieces_;
};

TEST(StreamingDetokenizer, HoldsBackSplitCharactersUntilComplete) {
  // "é" = C3 A9, "€" = E2 82 AC, "😀" = F0 9F 98 80, split over tokens.
  PieceTokenizer tok({"a", "\xC3", "\xA9", "\xE2\x82", "\xAC", "\xF0", "\x9F\x98",
                      "\x80"
                      "b"});
  StreamingDetokenizer d(tok);
  EXPECT_EQ(d.push(0), "a");
  EXPECT_EQ(d.push(1), "");
  EXPECT_EQ(d.push(2), "\xC3\xA9");
  EXPECT_EQ(d.push(3), "");
  EXPECT_EQ(d.push(4), "\xE2\x82\xAC");
  EXPECT_EQ(d.push(5), "");
  EXPECT_EQ(d.push(6), "");
  EXPECT_EQ(d.push(7),
            "\xF0\x9F\x98\x80"
            "b");
  EXPECT_EQ(d.finish(), "");
}

TEST(StreamingDetokenizer, PassesThroughBytesThatCanNeverFormACharacter) {
  PieceTokenizer tok({"\x80", "x\xFF", "\xE2"});
  StreamingDetokenizer d(tok);
  EXPECT_EQ(d.push(0), "\x80");
  EXPECT_EQ(d.push(1), "x\xFF");
  EXPECT_EQ(d.push(2), "");
  EXPECT_EQ(d.finish(), "\xE2");  // an unfinished character at the very end is flushed
  EXPECT_EQ(d.push(99), "");      // unknown ids contribute nothing
}

TEST(StopMatcher, CutsAtTheStopStringAndHoldsBackPossibleStarts) {
  StopMatcher m({"END", "\n\n"});
  EXPECT_EQ(m.push("hello E"), "hello ");
  EXPECT_EQ(m.push("N"), "");
  EXPECT_EQ(m.push("x"), "ENx");  // not a stop string after all
  EXPECT_EQ(m.push("ab\n"), "ab");
  EXPECT_EQ(m.push("\nrest"), "");
  EXPECT_TRUE(m.matched());
  EXPECT_EQ(m.push("more"), "");
  EXPECT_EQ(m.finish(), "");
}

TEST(StopMatcher, FinishReturnsTheHeldBackTail) {
  StopMatcher m({"STOP"});
  EXPECT_EQ(m.push("xST"), "x");
  EXPECT_FALSE(m.matched());
  EXPECT_EQ(m.finish(), "ST");
  StopMatcher none({});
  EXPECT_EQ(none.push("abc"), "abc");
  StopMatcher empty_ignored({""});
  EXPECT_EQ(empty_ignored.push("abc"), "abc");
}

}  // namespace
}  // namespace sovra::engine

namespace sovra::engine {
namespace {

TEST(StopMatcher, ReportsWhichStopStringMatched) {
  StopMatcher m({"END", "\n\n"});
  EXPECT_EQ(m.matched_stop(), "");
  EXPECT_EQ(m.push("one\n"), "one");
  EXPECT_EQ(m.push("\ntwo END"), "");
  EXPECT_TRUE(m.matched());
  EXPECT_EQ(m.matched_stop(), "\n\n");  // the earliest in the text, not the first listed
}

}  // namespace
}  // namespace sovra::engine
