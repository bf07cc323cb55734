#include "chat/jinja/template.hpp"

#include "chat/jinja/error.hpp"
#include "chat/jinja/parser.hpp"

namespace sovra::chat::jinja {
namespace {

const char* class_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kSyntax: return "TemplateSyntaxError";
    case ErrorKind::kUndefined: return "UndefinedError";
    case ErrorKind::kType: return "TypeError";
    case ErrorKind::kRaised: return "TemplateError";
    case ErrorKind::kLimit: return "LimitError";
    case ErrorKind::kRuntime: return "TemplateRuntimeError";
  }
  return "TemplateError";
}

Error to_error(const JinjaError& e) {
  std::string msg = std::string(class_name(e.kind())) + ": " + e.what();
  if (e.line() > 0) msg += " (template line " + std::to_string(e.line()) + ")";
  return Error::invalid(std::move(msg));
}

}  // namespace

Result<Template> Template::parse(std::string_view source) {
  try {
    Template t;
    t.body_ = std::make_shared<const Body>(parse_template(source));
    return t;
  } catch (const JinjaError& e) {
    return fail(to_error(e));
  } catch (const std::bad_alloc&) {
    return fail(Error::invalid("LimitError: out of memory while parsing the template"));
  } catch (const std::exception& e) {  // a bug, but still not a reason to take the server down
    return fail(Error::internal(std::string("template parser failed: ") + e.what()));
  }
}

Result<std::string> Template::render(const Value& context, const RenderOptions& options) const {
  try {
    Interpreter interpreter(options);
    return interpreter.render(*body_, context);
  } catch (const JinjaError& e) {
    return fail(to_error(e));
  } catch (const std::bad_alloc&) {
    return fail(Error::invalid("LimitError: out of memory while rendering the template"));
  } catch (const std::exception& e) {  // a bug, but still not a reason to take the server down
    return fail(Error::internal(std::string("template renderer failed: ") + e.what()));
  }
}

}  // namespace sovra::chat::jinja
