// Llama 3.1 / 3.2 / 3.3: a custom tool call is the whole output, {"name": "f", "parameters": {...}} ("arguments"
// accepted too, calls separated by ';'), optionally after <|python_tag|>; a built-in tool call is
// <|python_tag|>brave_search.call(query="…"), and other code after the tag is a call of the "python" tool.
#include <optional>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "chat/parse/format_parser.hpp"
#include "chat/parse/json_call_streamer.hpp"
#include "chat/parse/json_space.hpp"
#include "chat/parse/marker_scan.hpp"
#include "chat/parse/python_call.hpp"

namespace sovra::chat {
namespace {

constexpr std::string_view kPythonTag = "<|python_tag|>";
constexpr std::string_view kEom = "<|eom_id|>";
constexpr std::string_view kEot = "<|eot_id|>";

class Llama3Format final : public FormatParser {
 public:
  void feed(std::string_view text, EventSink& sink) override {
    buf_.append(text);
    step(sink, false);
  }

  void finish(EventSink& sink) override {
    step(sink, true);
    switch (state_) {
      case State::kJson:
        call_.close(sink, raw_ + buf_, false);
        break;
      case State::kCode:
        code_call(sink);
        break;
      case State::kStart:
      case State::kTag:
        if (!raw_.empty()) {
          sink.malformed(raw_ + buf_, "<|python_tag|> with nothing after it");
        } else {
          sink.content(buf_);
        }
        break;
      default:
        sink.content(buf_);
        break;
    }
    buf_.clear();
  }

 private:
  enum class State { kStart, kText, kTag, kJson, kJsonNext, kCode, kFailed };

  void consume(std::size_t n) {
    raw_.append(buf_, 0, n);
    buf_.erase(0, n);
  }

  void begin_json() {
    call_ = JsonCallStreamer(/*require_arguments=*/true);
    state_ = State::kJson;
  }

  void code_call(EventSink& sink) {
    std::string_view code = raw_code_;
    while (!code.empty() && is_space(code.back())) code.remove_suffix(1);
    while (!code.empty() && is_space(code.front())) code.remove_prefix(1);
    const std::string raw = raw_ + raw_code_;
    std::string name;
    std::string args;
    if (auto builtin = parse_python_call(code)) {
      name = std::move(builtin->name);
      args = std::move(builtin->arguments);
    } else if (!code.empty()) {
      name = "python";
      boost::json::object o;
      o["code"] = boost::json::string(code);
      args = boost::json::serialize(o);
    }
    if (!sink.tool_allowed(name)) {
      sink.malformed(raw, name.empty() ? "empty <|python_tag|> call" : "tool call names a tool that was not offered");
    } else {
      const std::size_t index = sink.start_tool_call(name);
      sink.tool_arguments(index, args);
      sink.end_tool_call(index, raw);
    }
    raw_.clear();
    raw_code_.clear();
  }

  void step(EventSink& sink, bool final) {
    for (;;) {
      switch (state_) {
        case State::kFailed:
          sink.content(buf_);
          buf_.clear();
          return;
        case State::kStart: {
          // A bare JSON call is recognised only as the start of the output.
          const std::size_t ws = leading_space(buf_);
          const std::string_view rest = std::string_view(buf_).substr(ws);
          if (rest.empty() && !final) return;
          if (!rest.empty() && rest.front() == '{') {
            consume(ws);
            begin_json();
          } else if (!final && kPythonTag.starts_with(rest)) {
            return;
          } else {
            state_ = State::kText;
          }
          break;
        }
        case State::kText: {
          const MarkerScan scan = scan_markers(buf_, {kPythonTag}, final);
          sink.content(std::string_view(buf_).substr(0, scan.safe));
          if (!scan.found()) {
            buf_.erase(0, scan.safe);
            return;
          }
          buf_.erase(0, scan.pos);
          raw_.clear();
          consume(kPythonTag.size());
          state_ = State::kTag;
          break;
        }
        case State::kTag: {
          consume(leading_space(buf_));
          if (buf_.empty()) return;
          if (buf_.starts_with(kPythonTag)) {  // a repeated tag
            consume(kPythonTag.size());
            break;
          }
          if (!final && kPythonTag.starts_with(buf_)) return;
          if (buf_[0] == '{') {
            begin_json();
          } else {
            state_ = State::kCode;
          }
          break;
        }
        case State::kJson: {
          const std::size_t used = call_.feed(buf_, sink);
          consume(used);
          if (call_.failed()) {
            call_.close(sink, raw_, false);
            raw_.clear();
            state_ = State::kFailed;
          } else if (call_.done()) {
            state_ = State::kJsonNext;
          } else {
            return;
          }
          break;
        }
        case State::kJsonNext: {
          std::size_t ws = leading_space(buf_);
          std::string_view rest = std::string_view(buf_).substr(ws);
          for (std::string_view stop : {kEom, kEot}) {
            if (rest.starts_with(stop)) {
              ws += stop.size();
              rest.remove_prefix(stop.size());
            } else if (!final && stop.starts_with(rest) && !rest.empty()) {
              return;
            }
          }
          if (rest.empty() && !final) return;
          const bool another = !rest.empty() && rest.front() == ';';
          consume(ws);  // (invalidates rest)
          call_.close(sink, raw_, true);
          raw_.clear();
          if (another) {
            consume(1);
            state_ = State::kTag;  // the next call: JSON (or code) after optional whitespace
          } else {
            state_ = State::kText;
          }
          break;
        }
        case State::kCode: {
          // The code runs to the end of the output or the end-of-message token.
          const MarkerScan scan = scan_markers(buf_, {kEom, kEot}, final);
          raw_code_.append(buf_, 0, scan.safe);
          buf_.erase(0, scan.safe);
          if (!scan.found()) return;
          buf_.erase(0, scan.marker == 0 ? kEom.size() : kEot.size());
          code_call(sink);
          state_ = State::kText;
          break;
        }
      }
    }
  }

  State state_ = State::kStart;
  std::string buf_;
  std::string raw_;       // markup and call text consumed for the current call
  std::string raw_code_;  // code after <|python_tag|>
  JsonCallStreamer call_;
};

}  // namespace

std::unique_ptr<FormatParser> make_llama3_format() { return std::make_unique<Llama3Format>(); }

}  // namespace sovra::chat
