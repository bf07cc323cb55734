#pragma once
// Parses jinja2 template source into statements (ast.hpp). Throws JinjaError(kSyntax) with the line number for
// malformed templates, unknown tags and nesting deeper than kMaxParseDepth.
#include <string_view>

#include "chat/jinja/ast.hpp"
#include "chat/jinja/token_stream.hpp"

namespace sovra::chat::jinja {

Body parse_template(std::string_view source);

}  // namespace sovra::chat::jinja
