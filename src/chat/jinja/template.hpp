#pragma once
// A parsed Jinja chat template, rendered the way Hugging Face's apply_chat_template renders it (jinja2
// ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loop controls, raise_exception, strftime_now,
// tojson(ensure_ascii=False)).
//
// Contract: parse() and render() never throw and never crash on any input; a malformed template, a template
// that raises, misuses values or exceeds RenderLimits yields an Error (kInvalidArgument) whose message names the
// jinja2 error class, the message and the template line: "TemplateError: System role not supported (line 3)".
// A Template is immutable after parse and may be rendered from several threads at once.
#include <memory>
#include <string>
#include <string_view>

#include "chat/jinja/interpreter.hpp"
#include "chat/jinja/value.hpp"
#include "common/error.hpp"

namespace sovra::chat::jinja {

class Template {
 public:
  static Result<Template> parse(std::string_view source);

  // `context` is a dict of the template's top-level variables.
  Result<std::string> render(const Value& context, const RenderOptions& options = {}) const;

 private:
  std::shared_ptr<const Body> body_;
};

}  // namespace sovra::chat::jinja
