// DeepSeek R1 tool calls (reasoning is the <think> block, handled before this parser):
//   <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather
//   ```json
//   {"location": "Paris"}
//   ```<｜tool▁call▁end｜><｜tool▁calls▁end｜>
// and DeepSeek V3.1's shorter call, <｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location":
// "Paris"}<｜tool▁call▁end｜>.
#include <optional>
#include <string>

#include "chat/parse/format_parser.hpp"
#include "chat/parse/json_args_stream.hpp"
#include "chat/parse/json_space.hpp"
#include "chat/parse/marker_scan.hpp"

namespace sovra::chat {
namespace {

constexpr std::string_view kCallsBegin = "<\uFF5Ctool\u2581calls\u2581begin\uFF5C>";
constexpr std::string_view kCallsEnd = "<\uFF5Ctool\u2581calls\u2581end\uFF5C>";
constexpr std::string_view kCallBegin = "<\uFF5Ctool\u2581call\u2581begin\uFF5C>";
constexpr std::string_view kCallEnd = "<\uFF5Ctool\u2581call\u2581end\uFF5C>";
constexpr std::string_view kSep = "<\uFF5Ctool\u2581sep\uFF5C>";
constexpr std::string_view kFence = "```json";
constexpr std::string_view kFenceEnd = "```";
constexpr std::size_t kMaxName = 256;

class DeepSeekR1Format final : public FormatParser {
 public:
  void feed(std::string_view text, EventSink& sink) override {
    buf_.append(text);
    step(sink, false);
  }

  void finish(EventSink& sink) override {
    step(sink, true);
    if (state_ == State::kText || state_ == State::kFailed) {
      sink.content(buf_);
    } else if (state_ == State::kCalls) {
      if (!raw_.empty() && !settled_any_) sink.malformed(raw_ + buf_, "tool calls block is empty");
    } else if (call_) {
      sink.discard_tool_call(*call_, raw_ + buf_, "tool call is incomplete");
    } else {
      sink.malformed(raw_ + buf_, "tool call is incomplete or names a tool not offered");
    }
    buf_.clear();
  }

 private:
  enum class State { kText, kCalls, kHead, kName, kFenceOpen, kArgs, kAfterArgs, kFailed };

  void consume(std::size_t n) {
    raw_.append(buf_, 0, n);
    buf_.erase(0, n);
  }

  void fail_rest(EventSink& sink, std::string reason) {
    if (call_) {
      sink.discard_tool_call(*call_, raw_, std::move(reason));
    } else {
      sink.malformed(raw_, std::move(reason));
    }
    raw_.clear();
    call_.reset();
    state_ = State::kFailed;
  }

  void start_args(EventSink& sink) {
    call_.reset();
    if (sink.tool_allowed(name_)) call_ = sink.start_tool_call(name_);
    args_.emplace(call_);
    state_ = State::kArgs;
  }

  void step(EventSink& sink, bool final) {
    for (;;) {
      switch (state_) {
        case State::kFailed:
          sink.content(buf_);
          buf_.clear();
          return;
        case State::kText: {
          const MarkerScan scan = scan_markers(buf_, {kCallsBegin, kCallBegin}, final);
          sink.content(std::string_view(buf_).substr(0, scan.safe));
          if (!scan.found()) {
            buf_.erase(0, scan.safe);
            return;
          }
          buf_.erase(0, scan.pos);
          raw_.clear();
          settled_any_ = false;
          if (scan.marker == 0) consume(kCallsBegin.size());
          state_ = State::kCalls;
          break;
        }
        case State::kCalls: {
          const std::size_t ws = leading_space(buf_);
          const std::string_view rest = std::string_view(buf_).substr(ws);
          if (rest.starts_with(kCallBegin)) {
            consume(ws + kCallBegin.size());
            head_.clear();
            state_ = State::kHead;
          } else if (rest.starts_with(kCallsEnd)) {
            consume(ws + kCallsEnd.size());
            if (!settled_any_) sink.malformed(raw_, "tool calls block is empty");
            raw_.clear();
            state_ = State::kText;
          } else if (rest.empty() || (!final && (kCallBegin.starts_with(rest) || kCallsEnd.starts_with(rest)))) {
            if (final) consume(ws);
            return;
          } else {
            // Text after the last call without the closing marker: the block ended.
            consume(ws);
            if (!settled_any_) sink.malformed(raw_, "tool calls block is empty");
            raw_.clear();
            state_ = State::kText;
          }
          break;
        }
        case State::kHead: {
          const MarkerScan scan = scan_markers(buf_, {kSep}, final);
          const std::size_t take = scan.found() ? scan.pos : scan.safe;
          head_.append(buf_, 0, take);
          consume(take);
          if (head_.size() > kMaxName) return fail_rest(sink, "tool call header is too long");
          if (!scan.found()) {
            if (final) fail_rest(sink, "tool call header is incomplete");
            return;
          }
          consume(kSep.size());
          name_.clear();
          if (head_ == "function") {
            state_ = State::kName;  // R1: the name follows on the separator's line
          } else {
            name_ = head_;  // V3.1: the header is the name, arguments follow the separator
            start_args(sink);
          }
          break;
        }
        case State::kName: {
          const std::size_t nl = buf_.find('\n');
          const std::size_t take = nl == std::string::npos ? buf_.size() : nl;
          name_.append(buf_, 0, take);
          consume(take);
          if (name_.size() > kMaxName) return fail_rest(sink, "tool call name is too long");
          if (nl == std::string::npos) {
            if (final) fail_rest(sink, "tool call is incomplete");
            return;
          }
          state_ = State::kFenceOpen;
          break;
        }
        case State::kFenceOpen: {
          const std::size_t ws = leading_space(buf_);
          const std::string_view rest = std::string_view(buf_).substr(ws);
          if (rest.starts_with(kFence)) {
            consume(ws + kFence.size());
          } else if (!final && kFence.starts_with(rest)) {
            return;
          }
          start_args(sink);
          break;
        }
        case State::kArgs: {
          consume(args_->feed(buf_, sink));
          if (final) args_->finish();
          if (args_->failed()) return fail_rest(sink, "tool call arguments are not JSON");
          if (!args_->done()) return;
          state_ = State::kAfterArgs;
          break;
        }
        case State::kAfterArgs: {
          std::size_t ws = leading_space(buf_);
          std::string_view rest = std::string_view(buf_).substr(ws);
          if (rest.starts_with(kFenceEnd)) {
            ws += kFenceEnd.size();
            rest.remove_prefix(kFenceEnd.size());
            const std::size_t more = leading_space(rest);
            ws += more;
            rest.remove_prefix(more);
          } else if (!final && kFenceEnd.starts_with(rest)) {
            return;
          }
          if (rest.starts_with(kCallEnd)) {
            consume(ws + kCallEnd.size());
          } else if (!final && kCallEnd.starts_with(rest)) {
            return;
          } else if (rest.empty()) {
            consume(ws);  // the output ended right after the arguments: tolerated
          } else {
            return fail_rest(sink, "tool call is not closed");
          }
          if (call_) {
            sink.end_tool_call(*call_, raw_);
          } else {
            sink.malformed(raw_, "tool call names a tool that was not offered");
          }
          raw_.clear();
          call_.reset();
          settled_any_ = true;
          state_ = State::kCalls;
          break;
        }
      }
    }
  }

  State state_ = State::kText;
  std::string buf_;
  std::string raw_;
  std::string head_;
  std::string name_;
  bool settled_any_ = false;
  std::optional<std::size_t> call_;
  std::optional<JsonArgsStream> args_;
};

}  // namespace

std::unique_ptr<FormatParser> make_deepseek_r1_format() { return std::make_unique<DeepSeekR1Format>(); }

}  // namespace sovra::chat
