// Hermes / Qwen2.5 / Qwen3: tool calls as <tool_call>{"name": "f", "arguments": {...}}</tool_call>, any number,
// with content before, between and after them.
#include <string>

#include "chat/parse/format_parser.hpp"
#include "chat/parse/json_call_streamer.hpp"
#include "chat/parse/json_space.hpp"
#include "chat/parse/marker_scan.hpp"

namespace sovra::chat {
namespace {

constexpr std::string_view kOpenTag = "<tool_call>";
constexpr std::string_view kCloseTag = "</tool_call>";

class HermesFormat final : public FormatParser {
 public:
  void feed(std::string_view text, EventSink& sink) override {
    buf_.append(text);
    step(sink, false);
  }

  void finish(EventSink& sink) override {
    step(sink, true);
    switch (state_) {
      case State::kText:
        sink.content(buf_);
        break;
      case State::kAfterCall:
        call_.close(sink, raw_, true);
        sink.content(buf_);
        break;
      case State::kCall:
      case State::kSkip:
        raw_ += buf_;
        call_.close(sink, raw_, false);
        break;
    }
    buf_.clear();
  }

 private:
  enum class State { kText, kCall, kAfterCall, kSkip };

  void step(EventSink& sink, bool final) {
    for (;;) {
      if (state_ == State::kText) {
        const MarkerScan scan = scan_markers(buf_, {kOpenTag}, final);
        sink.content(std::string_view(buf_).substr(0, scan.safe));
        if (!scan.found()) {
          buf_.erase(0, scan.safe);
          return;
        }
        buf_.erase(0, scan.pos + kOpenTag.size());
        raw_ = kOpenTag;
        call_ = JsonCallStreamer();
        state_ = State::kCall;
      } else if (state_ == State::kCall) {
        const std::size_t used = call_.feed(buf_, sink);
        raw_.append(buf_, 0, used);
        buf_.erase(0, used);
        if (call_.failed()) {
          state_ = State::kSkip;
        } else if (call_.done()) {
          state_ = State::kAfterCall;
        } else {
          return;
        }
      } else if (state_ == State::kSkip) {
        // A malformed call: its text up to the closing marker becomes content.
        const MarkerScan scan = scan_markers(buf_, {kCloseTag}, final);
        if (!scan.found()) {
          raw_.append(buf_, 0, scan.safe);
          buf_.erase(0, scan.safe);
          return;
        }
        raw_.append(buf_, 0, scan.pos + kCloseTag.size());
        buf_.erase(0, scan.pos + kCloseTag.size());
        call_.close(sink, raw_, false);
        state_ = State::kText;
      } else {  // kAfterCall: whitespace, then </tool_call> (tolerated missing when text or another call follows)
        std::size_t ws = 0;
        while (ws < buf_.size() && is_space(buf_[ws])) ++ws;
        const std::string_view rest = std::string_view(buf_).substr(ws);
        if (rest.starts_with(kCloseTag)) {
          raw_.append(buf_, 0, ws + kCloseTag.size());
          buf_.erase(0, ws + kCloseTag.size());
        } else if (!final && (kCloseTag.starts_with(rest) || kOpenTag.starts_with(rest))) {
          return;
        }
        call_.close(sink, raw_, true);
        state_ = State::kText;
      }
    }
  }

  State state_ = State::kText;
  std::string buf_;
  std::string raw_;
  JsonCallStreamer call_;
};

}  // namespace

std::unique_ptr<FormatParser> make_hermes_format() { return std::make_unique<HermesFormat>(); }

}  // namespace sovra::chat
