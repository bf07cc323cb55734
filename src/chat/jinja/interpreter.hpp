#pragma once
// Walks a parsed template and renders it. Internal to src/chat/jinja: failures are thrown as JinjaError (with
// the template line) and caught by Template::render.
//
// Scoping follows jinja2: `for` bodies and macro calls get their own frame (so `set` inside a loop does not
// leak out of it; namespace() is the way out), `if` does not. Every statement, expression and loop iteration
// costs a step; steps, output bytes, string and list sizes and call depth are bounded by RenderLimits.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja/ast.hpp"
#include "chat/jinja/value.hpp"

namespace sovra::chat::jinja {

struct RenderLimits {
  std::uint64_t max_steps = 5'000'000;  // a large real chat with tools takes ~100k
  std::size_t max_output_bytes = 16u << 20;  // also the largest string a template may build
  std::size_t max_list_items = 1u << 20;
  int max_call_depth = 48;
};

struct RenderOptions {
  RenderLimits limits;
  std::int64_t now_unix_seconds = -1;  // what strftime_now formats (UTC); -1: the current time
};

class Interpreter {
 public:
  explicit Interpreter(const RenderOptions& options) : options_(options) {}

  // Renders `body` with the top-level variables of `context` (a dict).
  std::string render(const Body& body, const Value& context);

  // Calls a callable value (macro, global function, bound method).
  Value call(const Value& callee, CallArgs& args);
  // Counts one unit of work against max_steps.
  void step() {
    if (++steps_ > options_.limits.max_steps) limit_error("template exceeded its step limit");
  }
  // Throws when a string or list of this size would exceed the limits.
  void check_string_size(std::size_t bytes) const;
  void check_list_size(std::size_t items) const;
  const RenderOptions& options() const { return options_; }
  [[noreturn]] static void limit_error(const std::string& msg);

 private:
  struct Frame {
    std::vector<std::pair<std::string, Value>> vars;
    std::shared_ptr<Frame> parent;
    Value* find(const std::string& name);
    void set(const std::string& name, Value v);
  };
  using FramePtr = std::shared_ptr<Frame>;
  enum class Flow { kNormal, kBreak, kContinue };

  Flow exec_body(const Body& body);
  Flow exec(const Stmt& s);
  Flow exec_for(const Stmt& s);
  void exec_set(const Stmt& s);
  void exec_macro(const Stmt& s);
  void exec_call_block(const Stmt& s);
  std::string capture(const Body& body, FramePtr frame);
  Value make_macro(const Stmt& s, std::string name, const Body& body, FramePtr closure);
  void emit(const Value& v);

  Value eval(const Expr& e);
  Value eval_name(const Expr& e);
  Value eval_call(const Expr& e);
  Value eval_filter(const Expr& e, const Value* operand);
  Value eval_test(const Expr& e);
  Value eval_slice(const Expr& e);
  CallArgs eval_args(const Expr& e, std::size_t first);

  const RenderOptions& options_;
  FramePtr frame_;
  std::string* out_ = nullptr;
  std::uint64_t steps_ = 0;
  int call_depth_ = 0;
  int loop_depth_ = 0;
};

// Attribute and item access with jinja2's rules (attribute first for `.`, item first for `[]`; missing →
// Undefined; access on Undefined → UndefinedError). Bound methods of str/list/dict come back as callables.
Value get_attr(Interpreter& in, const Value& obj, const std::string& name);
Value get_item(Interpreter& in, const Value& obj, const Value& key);

// Items a `for` loop visits: list items, dict keys, string characters; Undefined → none.
std::vector<Value> iterate(const Value& v);

}  // namespace sovra::chat::jinja
