#include "chat/jinja/interpreter.hpp"

#include "chat/jinja/builtins.hpp"
#include "chat/jinja/error.hpp"
#include "chat/jinja/py_text.hpp"

namespace sovra::chat::jinja {
namespace {

// Sets the line of errors thrown below an AST node that does not know its line yet.
template <typename F>
auto with_line(int line, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (JinjaError& e) {
    if (e.line() == 0) e.set_line(line);
    throw;
  }
}

std::string kind_label(const Value& v) {
  if (v.is_mapping()) return "dict object";
  if (v.is_list()) return v.as_list().generator ? "generator object" : "list object";
  if (v.is_string()) return "str object";
  if (v.is_none()) return "None";
  return v.type_name() + " object";
}

[[noreturn]] void undefined_error(const Value& v) {
  throw_undefined(v.undefined_hint().empty() ? "value is undefined" : v.undefined_hint());
}

}  // namespace

Value* Interpreter::Frame::find(const std::string& name) {
  for (Frame* f = this; f != nullptr; f = f->parent.get()) {
    for (auto& [k, v] : f->vars) {
      if (k == name) return &v;
    }
  }
  return nullptr;
}

void Interpreter::Frame::set(const std::string& name, Value v) {
  for (auto& [k, old] : vars) {
    if (k == name) {
      old = std::move(v);
      return;
    }
  }
  vars.emplace_back(name, std::move(v));
}

void Interpreter::limit_error(const std::string& msg) { throw JinjaError(ErrorKind::kLimit, msg); }

void Interpreter::check_string_size(std::size_t bytes) const {
  if (bytes > options_.limits.max_output_bytes) limit_error("template built a string larger than the output limit");
}

void Interpreter::check_list_size(std::size_t items) const {
  if (items > options_.limits.max_list_items) limit_error("template built a list larger than the limit");
}

std::string Interpreter::render(const Body& body, const Value& context) {
  frame_ = std::make_shared<Frame>();
  if (context.is_dict()) {
    for (const auto& [k, v] : context.as_dict().items) frame_->vars.emplace_back(to_str(k), v);
  }
  std::string out;
  out_ = &out;
  const Flow flow = exec_body(body);
  if (flow != Flow::kNormal) throw JinjaError(ErrorKind::kSyntax, "break or continue outside a loop");
  return out;
}

void Interpreter::emit(const Value& v) {
  append_str(*out_, v);
  check_string_size(out_->size());
}

Interpreter::Flow Interpreter::exec_body(const Body& body) {
  for (const auto& s : body) {
    const Flow f = exec(*s);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s) {
  step();
  return with_line(s.line, [&]() -> Flow {
    switch (s.kind) {
      case StmtKind::kText:
        out_->append(s.text);
        check_string_size(out_->size());
        return Flow::kNormal;
      case StmtKind::kOutput: emit(eval(*s.expr)); return Flow::kNormal;
      case StmtKind::kIf:
        for (std::size_t i = 0; i < s.conditions.size(); ++i) {
          if (eval(*s.conditions[i]).truthy()) return exec_body(s.bodies[i]);
        }
        return exec_body(s.else_body);
      case StmtKind::kFor: return exec_for(s);
      case StmtKind::kSet: exec_set(s); return Flow::kNormal;
      case StmtKind::kSetBlock: {
        Value v(capture(s.body, frame_));
        if (s.expr) v = eval_filter(*s.expr, &v);
        frame_->set(s.targets[0], std::move(v));
        return Flow::kNormal;
      }
      case StmtKind::kMacro: exec_macro(s); return Flow::kNormal;
      case StmtKind::kCallBlock: exec_call_block(s); return Flow::kNormal;
      case StmtKind::kFilterBlock: {
        Value v(capture(s.body, frame_));
        emit(eval_filter(*s.expr, &v));
        return Flow::kNormal;
      }
      case StmtKind::kBreak:
      case StmtKind::kContinue:
        if (loop_depth_ == 0) throw JinjaError(ErrorKind::kSyntax, "break or continue outside a loop");
        return s.kind == StmtKind::kBreak ? Flow::kBreak : Flow::kContinue;
      case StmtKind::kDo: eval(*s.expr); return Flow::kNormal;
      case StmtKind::kBlock: return exec_body(s.body);
    }
    return Flow::kNormal;
  });
}

std::string Interpreter::capture(const Body& body, FramePtr frame) {
  std::string buffer;
  std::string* saved_out = out_;
  FramePtr saved_frame = frame_;
  out_ = &buffer;
  frame_ = std::move(frame);
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;
  try {
    exec_body(body);
  } catch (...) {
    out_ = saved_out;
    frame_ = saved_frame;
    loop_depth_ = saved_loops;
    throw;
  }
  out_ = saved_out;
  frame_ = saved_frame;
  loop_depth_ = saved_loops;
  return buffer;
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined: return {};
    case Kind::kList: return v.as_list().items;
    case Kind::kDict: {
      if (v.as_dict().is_namespace) throw_type("'Namespace' object is not iterable");
      std::vector<Value> keys;
      keys.reserve(v.as_dict().items.size());
      for (const auto& kv : v.as_dict().items) keys.emplace_back(kv.first);
      return keys;
    }
    case Kind::kString: {
      const auto& s = v.as_string();
      const auto offs = utf8_offsets(s);
      std::vector<Value> chars;
      chars.reserve(offs.size());
      for (std::size_t i = 0; i + 1 < offs.size(); ++i) chars.emplace_back(s.substr(offs[i], offs[i + 1] - offs[i]));
      return chars;
    }
    default: throw_type("'" + v.type_name() + "' object is not iterable");
  }
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s) {
  std::vector<Value> items = iterate(eval(*s.expr));
  FramePtr saved = frame_;
  // Every iteration gets a fresh frame: jinja2 does not carry a `set` from one iteration to the next.
  auto bind = [&](const Value& item) {
    frame_ = std::make_shared<Frame>();
    frame_->parent = saved;
    if (s.targets.size() == 1) {
      frame_->set(s.targets[0], item);
      return;
    }
    std::vector<Value> parts = iterate(item);
    if (parts.size() != s.targets.size()) {
      throw_type("cannot unpack " + std::to_string(parts.size()) + " values into " +
                 std::to_string(s.targets.size()) + " loop variables");
    }
    for (std::size_t k = 0; k < parts.size(); ++k) frame_->set(s.targets[k], parts[k]);
  };
  struct Restore {
    Interpreter& in;
    FramePtr saved;
    ~Restore() {
      in.frame_ = saved;
      --in.loop_depth_;
    }
  } restore{*this, saved};
  ++loop_depth_;
  if (s.cond) {
    std::vector<Value> kept;
    for (auto& item : items) {
      step();
      bind(item);
      if (eval(*s.cond).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    frame_ = saved;
    exec_body(s.else_body);
    return Flow::kNormal;
  }
  const auto n = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < n; ++i) {
    step();
    bind(items[static_cast<std::size_t>(i)]);
    Value loop = Value::dict();
    auto& d = loop.as_dict();
    d.items.reserve(12);
    d.items.emplace_back("index", Value(i + 1));
    d.items.emplace_back("index0", Value(i));
    d.items.emplace_back("revindex", Value(n - i));
    d.items.emplace_back("revindex0", Value(n - i - 1));
    d.items.emplace_back("first", Value(i == 0));
    d.items.emplace_back("last", Value(i == n - 1));
    d.items.emplace_back("length", Value(n));
    d.items.emplace_back("depth", Value(loop_depth_));
    d.items.emplace_back("depth0", Value(loop_depth_ - 1));
    d.items.emplace_back("previtem", i > 0 ? items[static_cast<std::size_t>(i - 1)] : Value::undefined("there is no previous item"));
    d.items.emplace_back("nextitem", i + 1 < n ? items[static_cast<std::size_t>(i + 1)] : Value::undefined("there is no next item"));
    d.items.emplace_back("cycle", Value::callable("cycle", [i](Interpreter&, CallArgs& args) -> Value {
      if (args.positional.empty()) throw_type("no items for cycling given");
      return args.positional[static_cast<std::size_t>(i) % args.positional.size()];
    }));
    frame_->set("loop", std::move(loop));
    const Flow f = exec_body(s.body);
    if (f == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

void Interpreter::exec_set(const Stmt& s) {
  Value v = eval(*s.expr);
  if (!s.attr.empty()) {
    Value* target = frame_->find(s.targets[0]);
    if (target == nullptr || !target->is_dict() || !target->as_dict().is_namespace) {
      throw JinjaError(ErrorKind::kRuntime, "cannot assign attribute on non-namespace object");
    }
    check_no_cycle(*this, *target, v);
    target->as_dict().set(s.attr, std::move(v));
    return;
  }
  if (s.targets.size() == 1) {
    frame_->set(s.targets[0], std::move(v));
    return;
  }
  std::vector<Value> parts = iterate(v);
  if (parts.size() != s.targets.size()) throw_type("cannot unpack values in set: wrong number of values");
  for (std::size_t k = 0; k < parts.size(); ++k) frame_->set(s.targets[k], parts[k]);
}

Value Interpreter::make_macro(const Stmt& s, std::string name, const Body& body, FramePtr closure) {
  const Stmt* def = &s;
  const Body* code = &body;
  // Weak: the frame holds the macro, so a strong reference would be a cycle that is never freed.
  std::weak_ptr<Frame> scope = closure;
  return Value::callable(std::move(name), [this, def, code, scope](Interpreter&, CallArgs& args) -> Value {
    FramePtr parent = scope.lock();
    if (!parent) throw JinjaError(ErrorKind::kRuntime, "macro called after the scope that defined it ended");
    if (++call_depth_ > options_.limits.max_call_depth) {
      --call_depth_;
      limit_error("macro calls nested too deeply");
    }
    struct Depth {
      int& d;
      ~Depth() { --d; }
    } depth{call_depth_};
    auto frame = std::make_shared<Frame>();
    frame->parent = parent;
    std::vector<Value> varargs;
    if (args.positional.size() > def->targets.size() && !def->uses_varargs) {
      throw_type("macro '" + def->text + "' takes not more than " + std::to_string(def->targets.size()) +
                 " argument(s)");
    }
    for (std::size_t k = 0; k < args.positional.size(); ++k) {
      if (k < def->targets.size()) frame->set(def->targets[k], args.positional[k]);
      else varargs.push_back(args.positional[k]);
    }
    Value kwargs = Value::dict();
    for (auto& [key, value] : args.named) {
      bool is_param = key == "caller" && def->uses_caller;
      for (const auto& t : def->targets) is_param = is_param || t == key;
      if (is_param) frame->set(key, value);
      else if (def->uses_kwargs) kwargs.as_dict().set(key, value);
      else throw_type("macro '" + def->text + "' was invoked with an unexpected keyword argument '" + key + "'");
    }
    FramePtr saved = frame_;
    frame_ = frame;
    for (std::size_t k = 0; k < def->targets.size(); ++k) {
      if (frame->vars.end() != std::find_if(frame->vars.begin(), frame->vars.end(),
                                            [&](const auto& kv) { return kv.first == def->targets[k]; })) {
        continue;
      }
      Value dflt = Value::undefined("parameter '" + def->targets[k] + "' was not provided");
      if (k < def->defaults.size() && def->defaults[k]) {
        try {
          dflt = eval(*def->defaults[k]);
        } catch (...) {
          frame_ = saved;
          throw;
        }
      }
      frame->set(def->targets[k], std::move(dflt));
    }
    frame_ = saved;
    frame->set("varargs", Value::tuple(std::move(varargs)));
    frame->set("kwargs", std::move(kwargs));
    return Value(capture(*code, frame));
  });
}

void Interpreter::exec_macro(const Stmt& s) { frame_->set(s.text, make_macro(s, s.text, s.body, frame_)); }

void Interpreter::exec_call_block(const Stmt& s) {
  const Expr& call_expr = *s.expr;
  Value callee = eval(*call_expr.args[0]);
  CallArgs args = eval_args(call_expr, 1);
  args.named.emplace_back("caller", make_macro(s, "caller", s.body, frame_));
  emit(call(callee, args));
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  step();
  if (callee.is_callable()) return callee.as_callable().fn(*this, args);
  if (callee.is_undefined()) undefined_error(callee);
  throw_type("'" + callee.type_name() + "' object is not callable");
}

CallArgs Interpreter::eval_args(const Expr& e, std::size_t first) {
  CallArgs args;
  args.positional.reserve(e.args.size() - first);
  for (std::size_t k = first; k < e.args.size(); ++k) args.positional.push_back(eval(*e.args[k]));
  for (const auto& [key, value] : e.kwargs) args.named.emplace_back(key, eval(*value));
  return args;
}

Value Interpreter::eval(const Expr& e) {
  step();
  return with_line(e.line, [&]() -> Value {
    switch (e.kind) {
      case ExprKind::kLiteral: return e.literal;
      case ExprKind::kName: return eval_name(e);
      case ExprKind::kList: {
        std::vector<Value> items;
        items.reserve(e.args.size());
        for (const auto& a : e.args) items.push_back(eval(*a));
        return e.name == "tuple" ? Value::tuple(std::move(items)) : Value::list(std::move(items));
      }
      case ExprKind::kDict: {
        Value d = Value::dict();
        for (std::size_t k = 0; k + 1 < e.args.size(); k += 2) {
          Value key = eval(*e.args[k]);
          if (key.is_list() || key.is_dict() || key.is_undefined()) throw_type("unhashable type: '" + key.type_name() + "'");
          d.as_dict().set(std::move(key), eval(*e.args[k + 1]));
        }
        return d;
      }
      case ExprKind::kAttr: return get_attr(*this, eval(*e.args[0]), e.name);
      case ExprKind::kItem: {
        Value obj = eval(*e.args[0]);
        return get_item(*this, obj, eval(*e.args[1]));
      }
      case ExprKind::kSlice: return eval_slice(e);
      case ExprKind::kCall: return eval_call(e);
      case ExprKind::kFilter: return eval_filter(e, nullptr);
      case ExprKind::kTest: return eval_test(e);
      case ExprKind::kUnary: {
        Value v = eval(*e.args[0]);
        if (e.name == "not") return Value(!v.truthy());
        if (v.is_undefined()) undefined_error(v);
        if (e.name == "+") {
          if (!v.is_number()) throw_type("bad operand type for unary +: '" + v.type_name() + "'");
          return v.is_bool() ? Value(std::int64_t{v.as_bool()}) : v;
        }
        if (v.is_int()) return Value(-v.as_int());
        if (v.is_bool()) return Value(-std::int64_t{v.as_bool()});
        if (v.is_float()) return Value(-v.as_float());
        throw_type("bad operand type for unary -: '" + v.type_name() + "'");
      }
      case ExprKind::kBinary: {
        Value a = eval(*e.args[0]);
        Value b = eval(*e.args[1]);
        return binary_op(*this, e.name, a, b);
      }
      case ExprKind::kAnd: {
        Value a = eval(*e.args[0]);
        return a.truthy() ? eval(*e.args[1]) : a;
      }
      case ExprKind::kOr: {
        Value a = eval(*e.args[0]);
        return a.truthy() ? a : eval(*e.args[1]);
      }
      case ExprKind::kCompare: {
        Value left = eval(*e.args[0]);
        for (std::size_t k = 0; k < e.ops.size(); ++k) {
          Value right = eval(*e.args[k + 1]);
          if (!binary_op(*this, e.ops[k], left, right).truthy()) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case ExprKind::kCondition:
        if (eval(*e.args[0]).truthy()) return eval(*e.args[1]);
        return e.args[2] ? eval(*e.args[2]) : Value::undefined("the inline if-expression evaluated to false");
    }
    return Value::undefined();
  });
}

Value Interpreter::eval_name(const Expr& e) {
  if (Value* v = frame_->find(e.name)) return *v;
  Value g = global_function(e.name);
  if (!g.is_undefined()) return g;
  return Value::undefined("'" + e.name + "' is undefined");
}

Value Interpreter::eval_call(const Expr& e) {
  Value callee = eval(*e.args[0]);
  CallArgs args = eval_args(e, 1);
  return call(callee, args);
}

Value Interpreter::eval_filter(const Expr& e, const Value* operand) {
  // In a filter block or `set x | f | g` the innermost operand is the captured body.
  Value v = !e.args[0]                                                      ? (operand != nullptr ? *operand : Value::undefined())
            : (operand != nullptr && e.args[0]->kind == ExprKind::kFilter) ? eval_filter(*e.args[0], operand)
                                                                            : eval(*e.args[0]);
  CallArgs args = eval_args(e, 1);
  step();
  return with_line(e.line, [&] { return apply_filter(*this, e.name, v, args); });
}

Value Interpreter::eval_test(const Expr& e) {
  Value v = eval(*e.args[0]);
  CallArgs args = eval_args(e, 1);
  const bool result = apply_test(*this, e.name, v, args);
  return Value(e.negated ? !result : result);
}

Value Interpreter::eval_slice(const Expr& e) {
  Value obj = eval(*e.args[0]);
  std::int64_t parts[3] = {0, 0, 1};
  bool given[3] = {false, false, false};
  for (int k = 0; k < 3; ++k) {
    if (!e.args[k + 1]) continue;
    Value p = eval(*e.args[k + 1]);
    if (p.is_none()) continue;
    if (!to_int(p, parts[k]) || p.is_float() || p.is_string()) {
      throw_type("slice indices must be integers or None");
    }
    given[k] = true;
  }
  if (given[2] && parts[2] == 0) throw_type("slice step cannot be zero");
  if (obj.is_undefined()) undefined_error(obj);
  const bool is_str = obj.is_string();
  if (!is_str && !(obj.is_list() && !obj.as_list().generator)) {
    throw_type("'" + obj.type_name() + "' object is not subscriptable");
  }
  std::vector<std::size_t> offs;
  std::int64_t len = 0;
  if (is_str) {
    offs = utf8_offsets(obj.as_string());
    len = static_cast<std::int64_t>(offs.size()) - 1;
  } else {
    len = static_cast<std::int64_t>(obj.as_list().items.size());
  }
  const std::int64_t step_by = parts[2];
  auto clamp = [&](std::int64_t v, bool has, bool is_start) -> std::int64_t {
    if (!has) {
      if (step_by > 0) return is_start ? 0 : len;
      return is_start ? len - 1 : -1;
    }
    if (v < 0) v += len;
    if (step_by > 0) return std::clamp<std::int64_t>(v, 0, len);
    return std::clamp<std::int64_t>(v, -1, len - 1);
  };
  const std::int64_t start = clamp(parts[0], given[0], true);
  const std::int64_t stop = clamp(parts[1], given[1], false);
  std::vector<std::int64_t> idx;
  for (std::int64_t k = start; step_by > 0 ? k < stop : k > stop; k += step_by) idx.push_back(k);
  if (is_str) {
    std::string out;
    const auto& s = obj.as_string();
    for (auto k : idx) {
      const auto u = static_cast<std::size_t>(k);
      out.append(s, offs[u], offs[u + 1] - offs[u]);
    }
    return Value(std::move(out));
  }
  std::vector<Value> out;
  out.reserve(idx.size());
  for (auto k : idx) out.push_back(obj.as_list().items[static_cast<std::size_t>(k)]);
  return Value::list(std::move(out));
}

Value get_attr(Interpreter& in, const Value& obj, const std::string& name) {
  (void)in;
  switch (obj.kind()) {
    case Kind::kUndefined: undefined_error(obj);
    case Kind::kDict: {
      if (obj.as_dict().is_namespace) {
        if (const Value* v = obj.as_dict().find(name)) return *v;
        return Value::undefined("'Namespace' object has no attribute '" + name + "'");
      }
      Value m = bind_method(obj, name);
      if (!m.is_undefined()) return m;
      if (const Value* v = obj.as_dict().find(name)) return *v;
      break;
    }
    case Kind::kString:
    case Kind::kList: {
      Value m = bind_method(obj, name);
      if (!m.is_undefined()) return m;
      break;
    }
    default: break;
  }
  return Value::undefined("'" + kind_label(obj) + "' has no attribute '" + name + "'");
}

Value get_item(Interpreter& in, const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Kind::kUndefined: undefined_error(obj);
    case Kind::kDict:
      if (const Value* v = obj.as_dict().find(key)) return *v;
      if (key.is_string() && !obj.as_dict().is_namespace) return get_attr(in, obj, key.as_string());
      break;
    case Kind::kList:
    case Kind::kString: {
      std::int64_t idx = 0;
      if (key.is_string() && obj.is_list()) return get_attr(in, obj, key.as_string());
      if (!(key.is_int() || key.is_bool()) || !to_int(key, idx)) break;
      if (obj.is_list()) {
        const auto& items = obj.as_list().items;
        const auto n = static_cast<std::int64_t>(items.size());
        if (idx < 0) idx += n;
        if (idx >= 0 && idx < n && !obj.as_list().generator) return items[static_cast<std::size_t>(idx)];
        break;
      }
      const auto offs = utf8_offsets(obj.as_string());
      const auto n = static_cast<std::int64_t>(offs.size()) - 1;
      if (idx < 0) idx += n;
      if (idx < 0 || idx >= n) break;
      const auto u = static_cast<std::size_t>(idx);
      return Value(obj.as_string().substr(offs[u], offs[u + 1] - offs[u]));
    }
    default: break;
  }
  return Value::undefined("'" + kind_label(obj) + "' has no attribute '" + to_str(key) + "'");
}

}  // namespace sovra::chat::jinja
