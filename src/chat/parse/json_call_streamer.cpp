#include "chat/parse/json_call_streamer.hpp"
#include "chat/parse/json_space.hpp"

#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include "common/json.hpp"

namespace sovra::chat {
namespace {

bool is_name_key(std::string_view k) { return k == "name"; }
bool is_args_key(std::string_view k) { return k == "arguments" || k == "parameters"; }

}  // namespace

std::size_t JsonCallStreamer::feed(std::string_view text, EventSink& sink) {
  std::size_t i = 0;
  while (i < text.size() && state_ != State::kDone && state_ != State::kFailed) {
    const char c = text[i];
    switch (state_) {
      case State::kStart:
        if (is_space(c)) {
          ++i;
          continue;
        }
        if (c != '{') {
          state_ = State::kFailed;
          return i;
        }
        state_ = State::kKey;
        break;
      case State::kKey:
        if (c == '"') {
          key_.clear();
          state_ = State::kInKey;
        } else if (c == '}' && !args_begin_ && name_.empty()) {
          state_ = State::kDone;  // "{}": complete, rejected at close for lacking a name
        } else if (!is_space(c)) {
          state_ = State::kFailed;
          return i;
        }
        break;
      case State::kInKey:
        if (key_escape_) {
          key_escape_ = false;
          key_ += c;
        } else if (c == '\\') {
          key_escape_ = true;
          key_ += c;
        } else if (c == '"') {
          state_ = State::kColon;
        } else {
          key_ += c;
        }
        break;
      case State::kColon:
        if (c == ':') {
          state_ = State::kValue;
          value_ = JsonValueScanner();
          value_begin_ = text_.size() + 1;
        } else if (!is_space(c)) {
          state_ = State::kFailed;
          return i;
        }
        break;
      case State::kValue: {
        const std::size_t used = value_.feed(text.substr(i));
        text_.append(text.substr(i, used));
        i += used;
        if (value_.failed()) {
          state_ = State::kFailed;
          return i;
        }
        if (is_args_key(key_) && value_.state() != JsonValueScanner::State::kBefore && !args_begin_) {
          args_begin_ = value_begin_ + value_.leading_space();
          args_is_string_ = value_.first() == '"';
        }
        if (value_.done()) {
          on_value_done();
          state_ = State::kAfterValue;
        }
        stream(sink);
        continue;
      }
      case State::kAfterValue:
        if (c == ',') {
          state_ = State::kKey;
        } else if (c == '}') {
          state_ = State::kDone;
        } else if (!is_space(c)) {
          state_ = State::kFailed;
          return i;
        }
        break;
      case State::kDone:
      case State::kFailed:
        break;
    }
    text_ += c;
    ++i;
  }
  stream(sink);
  return i;
}

void JsonCallStreamer::on_value_done() {
  const std::string_view value = std::string_view(text_).substr(value_begin_ + value_.leading_space());
  if (is_name_key(key_) && value_.first() == '"' && name_.empty()) {
    auto parsed = parse_json(value);
    if (parsed && parsed->is_string()) name_ = std::string(parsed->get_string());
  } else if (is_args_key(key_) && args_begin_ && !args_end_) {
    args_end_ = text_.size();
    if (args_is_string_) {
      auto parsed = parse_json(value);
      if (parsed && parsed->is_string()) args_decoded_ = std::string(parsed->get_string());
      // An undecodable string stays empty: close() reports the call.
    }
  }
}

void JsonCallStreamer::stream(EventSink& sink) {
  if (!call_ && !disallowed_ && !name_.empty() && (args_begin_ || (state_ == State::kDone && !require_arguments_))) {
    if (!sink.tool_allowed(name_)) {
      disallowed_ = true;
      return;
    }
    call_ = sink.start_tool_call(name_);
  }
  if (!call_ || !args_begin_) return;
  if (args_is_string_) {
    if (args_end_ && args_sent_ == 0 && !args_decoded_.empty()) {
      // The decoded JSON may carry whitespace at its ends; the sink wants the exact value.
      std::string_view d = args_decoded_;
      while (!d.empty() && is_space(d.front())) d.remove_prefix(1);
      while (!d.empty() && is_space(d.back())) d.remove_suffix(1);
      sink.tool_arguments(*call_, d);
      args_sent_ = 1;
    }
    return;
  }
  const std::size_t end = args_end_ ? *args_end_ : text_.size();
  const std::size_t from = *args_begin_ + args_sent_;
  if (end > from) {
    sink.tool_arguments(*call_, std::string_view(text_).substr(from, end - from));
    args_sent_ = end - *args_begin_;
  }
}

bool JsonCallStreamer::close(EventSink& sink, std::string_view raw, bool complete) {
  if (disallowed_) {
    sink.malformed(raw, "tool call names a tool that was not offered");
    return false;
  }
  std::string reason;
  if (state_ == State::kFailed) {
    reason = "tool call is not a JSON object of the expected shape";
  } else if (state_ != State::kDone || !complete) {
    reason = "tool call is incomplete";
  } else if (name_.empty()) {
    reason = "tool call has no name";
  } else if (require_arguments_ && !args_begin_) {
    reason = "JSON output without arguments is not a tool call";
  } else if (args_begin_ && !args_end_) {
    reason = "tool call arguments are incomplete";
  }
  if (reason.empty() && !call_) {
    stream(sink);
    if (disallowed_) return close(sink, raw, complete);
  }
  if (!reason.empty() || !call_) {
    if (reason.empty()) reason = "tool call could not be read";
    if (call_) {
      sink.discard_tool_call(*call_, raw, reason);
    } else {
      sink.malformed(raw, reason);
    }
    return false;
  }
  return sink.end_tool_call(*call_, raw);
}

}  // namespace sovra::chat
