#pragma once
// Finds where one JSON value ends in text that arrives in pieces, without parsing it: nesting depth, strings
// and escapes only. Validation is parse_json's job once the value is complete.
#include <cstddef>
#include <string_view>

namespace sovra::chat {

class JsonValueScanner {
 public:
  enum class State { kBefore, kInside, kDone, kFailed };

  // Scans `text` (the continuation of what was fed before). Returns how many bytes belong to the value (leading
  // whitespace included); stops right after an object, array or string closes, and before the byte that ends a
  // bare scalar (number, true, …).
  std::size_t feed(std::string_view text);
  // No more text will come: a bare scalar still open is complete.
  void finish();

  State state() const { return state_; }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  // The value's first byte: '{', '[', '"', or the first byte of a scalar (0 before it arrives).
  char first() const { return first_; }
  // Bytes of leading whitespace before the value (valid once the value started).
  std::size_t leading_space() const { return leading_space_; }

 private:
  State state_ = State::kBefore;
  char first_ = 0;
  std::size_t leading_space_ = 0;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
};

}  // namespace sovra::chat
