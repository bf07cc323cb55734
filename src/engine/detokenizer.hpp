#pragma once
// StreamingDetokenizer: token ids → text deltas that never split a UTF-8 character.
//
// Contract: push(id) appends the token's piece (Tokenizer::token_to_piece) and returns the longest prefix of the
// pending bytes that ends on a character boundary; up to 3 bytes of an incomplete character are held back.
// Bytes that cannot start or continue a character are passed through as they come (the client sees what the
// model produced). finish() returns whatever is still held back. One per sequence; not thread-safe.
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace sovra::engine {

class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const tokenizer::Tokenizer& tok) : tok_(&tok) {}

  std::string push(tokenizer::TokenId id);
  std::string finish();

  // Bytes at the end of `s` that start a character not yet complete (0 … 3).
  static std::size_t incomplete_tail(std::string_view s);

 private:
  const tokenizer::Tokenizer* tok_;
  std::string pending_;
};

// StopMatcher: finds stop strings in streamed text, holding back a tail that might be the start of one.
// push(delta) returns the text safe to send now; after a match, matched() is true and nothing more is returned.
class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  std::string push(std::string_view delta);
  std::string finish();  // the held-back tail (no stop string completed)
  bool matched() const { return matched_; }
  // The stop string that matched (the earliest in the text; the first listed on a tie); empty before a match.
  const std::string& matched_stop() const { return matched_stop_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool matched_ = false;
  std::string matched_stop_;
};

}  // namespace sovra::engine
