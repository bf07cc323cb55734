#pragma once
// Splits template source into text and tag tokens the way jinja2 does with Hugging Face's settings:
// trim_blocks (drop the first newline after a block or comment tag), lstrip_blocks (drop spaces and tabs
// before a block or comment tag that starts its line), `-` whitespace control on any tag, `+` to keep the
// leading whitespace, `{% raw %}`, CRLF normalised to LF and one trailing newline of the source dropped.
#include <string>
#include <string_view>
#include <vector>

namespace sovra::chat::jinja {

enum class TokenType {
  kText,
  kVarBegin,
  kVarEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kString,
  kInt,
  kFloat,
  kOp,
  kEof,
};

struct Token {
  TokenType type = TokenType::kEof;
  std::string text;  // for kString: the unescaped value
  int line = 1;
};

// Throws JinjaError(kSyntax) on an unterminated tag, string or comment, or a character no token starts with.
std::vector<Token> tokenize(std::string_view source);

}  // namespace sovra::chat::jinja
