#include "chat/parse/json_value_scanner.hpp"
#include "chat/parse/json_space.hpp"

namespace sovra::chat {
namespace {

bool ends_scalar(char c) {
  return is_space(c) || c == ',' || c == '}' || c == ']' || c == '{' || c == '[' || c == '"' || c == ':' || c == '<';
}

}  // namespace

std::size_t JsonValueScanner::feed(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    switch (state_) {
      case State::kDone:
      case State::kFailed:
        return i;
      case State::kBefore:
        if (is_space(c)) {
          ++leading_space_;
          break;
        }
        first_ = c;
        state_ = State::kInside;
        if (c == '{' || c == '[') {
          depth_ = 1;
        } else if (c == '"') {
          in_string_ = true;
        } else if (c == '}' || c == ']' || c == ',' || c == ':') {
          state_ = State::kFailed;
          return i;
        }
        break;
      case State::kInside:
        if (in_string_) {
          if (escape_) {
            escape_ = false;
          } else if (c == '\\') {
            escape_ = true;
          } else if (c == '"') {
            in_string_ = false;
            if (depth_ == 0) {
              state_ = State::kDone;
              return i + 1;
            }
          }
        } else if (first_ != '{' && first_ != '[') {
          // A bare scalar: it ends at the first byte that cannot belong to it (not consumed).
          if (ends_scalar(c)) {
            state_ = State::kDone;
            return i;
          }
        } else if (c == '"') {
          in_string_ = true;
        } else if (c == '{' || c == '[') {
          ++depth_;
        } else if (c == '}' || c == ']') {
          if (--depth_ == 0) {
            state_ = State::kDone;
            return i + 1;
          }
        }
        break;
    }
    ++i;
  }
  return i;
}

void JsonValueScanner::finish() {
  if (state_ == State::kInside && first_ != '{' && first_ != '[' && first_ != '"') state_ = State::kDone;
}

}  // namespace sovra::chat
