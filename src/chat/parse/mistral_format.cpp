// Mistral: [TOOL_CALLS] followed by a JSON array of {"name", "arguments"[, "id"]} objects (Nemo, Small 3.1), or
// the newer [TOOL_CALLS]name[ARGS]{…} form (Small 3.2, Devstral, Ministral 3), optionally with [CALL_ID]id
// between name and arguments; one [TOOL_CALLS] per call.
#include <optional>
#include <string>

#include "chat/parse/format_parser.hpp"
#include "chat/parse/json_args_stream.hpp"
#include "chat/parse/json_call_streamer.hpp"
#include "chat/parse/json_space.hpp"
#include "chat/parse/marker_scan.hpp"

namespace sovra::chat {
namespace {

constexpr std::string_view kToolCalls = "[TOOL_CALLS]";
constexpr std::string_view kArgsMarker = "[ARGS]";
constexpr std::string_view kCallIdMarker = "[CALL_ID]";
constexpr std::size_t kMaxName = 256;

class MistralFormat final : public FormatParser {
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
      case State::kArrayItem:
        if (item_.begun()) {
          item_.close(sink, raw_ + item_raw_ + buf_, false);
        } else {
          sink.malformed(raw_ + buf_, "tool call array is incomplete");
        }
        break;
      case State::kArgs:
        args_->finish();
        if (args_->done() && call_) {
          sink.end_tool_call(*call_, raw_ + buf_);
        } else if (call_) {
          sink.discard_tool_call(*call_, raw_ + buf_, "tool call arguments are incomplete");
        } else {
          sink.malformed(raw_ + buf_, "tool call is incomplete or names a tool that was not offered");
        }
        break;
      case State::kFailed:
        break;
      default:
        sink.malformed(raw_ + buf_, "tool call markup is incomplete");
        break;
    }
    buf_.clear();
  }

 private:
  enum class State { kText, kAfterMarker, kArrayItem, kArrayNext, kName, kCallId, kArgs, kFailed };

  void fail_rest(EventSink& sink) {
    // Markup we cannot read: from here on everything is content.
    sink.malformed(raw_, "tool call markup could not be read");
    raw_.clear();
    state_ = State::kFailed;
  }

  void consume(std::size_t n) {
    raw_.append(buf_, 0, n);
    buf_.erase(0, n);
  }

  void step(EventSink& sink, bool final) {
    for (;;) {
      switch (state_) {
        case State::kFailed:
          sink.content(buf_);
          buf_.clear();
          return;
        case State::kText: {
          const MarkerScan scan = scan_markers(buf_, {kToolCalls}, final);
          sink.content(std::string_view(buf_).substr(0, scan.safe));
          if (!scan.found()) {
            buf_.erase(0, scan.safe);
            return;
          }
          buf_.erase(0, scan.pos);
          raw_.clear();
          consume(kToolCalls.size());
          state_ = State::kAfterMarker;
          break;
        }
        case State::kAfterMarker: {
          std::size_t ws = 0;
          while (ws < buf_.size() && is_space(buf_[ws])) ++ws;
          if (ws == buf_.size()) return;
          if (buf_[ws] == '[') {
            consume(ws + 1);
            item_ = JsonCallStreamer();
            state_ = State::kArrayItem;
          } else {
            consume(ws);
            name_.clear();
            call_id_.clear();
            state_ = State::kName;
          }
          break;
        }
        case State::kArrayItem: {
          if (!item_.begun()) {
            std::size_t ws = 0;
            while (ws < buf_.size() && is_space(buf_[ws])) ++ws;
            consume(ws);
            if (buf_.empty()) return;
            if (buf_[0] == ']') {  // end of the array (or an empty one)
              consume(1);
              raw_.clear();
              state_ = State::kText;
              break;
            }
          }
          const std::size_t used = item_.feed(buf_, sink);
          item_raw_.append(buf_, 0, used);
          buf_.erase(0, used);
          if (item_.failed()) {
            item_.close(sink, raw_ + item_raw_, false);
            raw_.clear();
            item_raw_.clear();
            state_ = State::kFailed;
          } else if (item_.done()) {
            // Markup before a valid call is dropped; before an invalid one it is content with the call's text.
            item_.close(sink, raw_ + item_raw_, true);
            raw_.clear();
            item_raw_.clear();
            state_ = State::kArrayNext;
          } else {
            return;
          }
          break;
        }
        case State::kArrayNext: {
          std::size_t ws = 0;
          while (ws < buf_.size() && is_space(buf_[ws])) ++ws;
          if (ws == buf_.size()) {
            if (final) state_ = State::kText;
            return;
          }
          if (buf_[ws] == ',') {
            consume(ws + 1);
            item_ = JsonCallStreamer();
            state_ = State::kArrayItem;
          } else if (buf_[ws] == ']') {
            buf_.erase(0, ws + 1);
            raw_.clear();
            state_ = State::kText;
          } else {
            fail_rest(sink);
          }
          break;
        }
        case State::kName:
        case State::kCallId: {
          const MarkerScan scan = scan_markers(buf_, {kArgsMarker, kCallIdMarker}, final);
          std::string& field = state_ == State::kName ? name_ : call_id_;
          const std::size_t take = scan.found() ? scan.pos : scan.safe;
          field.append(buf_, 0, take);
          consume(take);
          if (field.size() > kMaxName || field.find_first_of(" \n\t{[") != std::string::npos) {
            fail_rest(sink);
            break;
          }
          if (!scan.found()) {
            if (final) fail_rest(sink);
            return;
          }
          const bool is_args = scan.marker == 0;
          consume(is_args ? kArgsMarker.size() : kCallIdMarker.size());
          if (!is_args) {
            state_ = State::kCallId;
            break;
          }
          call_.reset();
          if (sink.tool_allowed(name_)) call_ = sink.start_tool_call(name_, call_id_);
          args_.emplace(call_);
          state_ = State::kArgs;
          break;
        }
        case State::kArgs: {
          const std::size_t used = args_->feed(buf_, sink);
          consume(used);
          if (args_->failed()) {
            if (call_) {
              sink.discard_tool_call(*call_, raw_, "tool call arguments are not JSON");
            } else {
              sink.malformed(raw_, "tool call names a tool that was not offered");
            }
            raw_.clear();
            state_ = State::kText;
          } else if (args_->done()) {
            if (call_) {
              sink.end_tool_call(*call_, raw_);
            } else {
              sink.malformed(raw_, "tool call names a tool that was not offered");
            }
            raw_.clear();
            state_ = State::kText;
          } else {
            return;
          }
          break;
        }
      }
    }
  }

  State state_ = State::kText;
  std::string buf_;
  std::string raw_;       // markup (and call text) consumed since the last call was settled
  std::string item_raw_;  // the current array item's text
  JsonCallStreamer item_;
  std::string name_;
  std::string call_id_;
  std::optional<std::size_t> call_;
  std::optional<JsonArgsStream> args_;
};

}  // namespace

std::unique_ptr<FormatParser> make_mistral_format() { return std::make_unique<MistralFormat>(); }

}  // namespace sovra::chat
