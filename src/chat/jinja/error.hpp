#pragma once
// The exception that carries a template failure inside the interpreter. It never leaves src/chat/jinja:
// Template::parse and Template::render catch it and return an Error naming the template line.
#include <stdexcept>
#include <string>

namespace sovra::chat::jinja {

enum class ErrorKind {
  kSyntax,     // TemplateSyntaxError
  kUndefined,  // UndefinedError
  kType,       // TypeError / ValueError from an operation on the wrong values
  kRaised,     // raise_exception() in the template: TemplateError
  kLimit,      // a hostile-template limit was hit
  kRuntime,    // any other TemplateRuntimeError
};

class JinjaError : public std::runtime_error {
 public:
  JinjaError(ErrorKind kind, const std::string& message, int line = 0)
      : std::runtime_error(message), kind_(kind), line_(line) {}
  ErrorKind kind() const { return kind_; }
  int line() const { return line_; }
  void set_line(int line) { line_ = line; }

 private:
  ErrorKind kind_;
  int line_;
};

[[noreturn]] inline void throw_type(const std::string& msg) { throw JinjaError(ErrorKind::kType, msg); }
[[noreturn]] inline void throw_undefined(const std::string& msg) { throw JinjaError(ErrorKind::kUndefined, msg); }

}  // namespace sovra::chat::jinja
