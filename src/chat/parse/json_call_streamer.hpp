#pragma once
// Streams one tool call written as a JSON object, {"name": "f", "arguments": {...}} (Hermes, Mistral's array form,
// Llama 3's JSON form). The call starts once its name is known and its arguments have begun; the arguments
// object's text is then passed on as it arrives. Keys may come in any order (Hermes 2 Pro writes the arguments
// first: those are held until the name is read).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "chat/parse/event_sink.hpp"
#include "chat/parse/json_value_scanner.hpp"

namespace sovra::chat {

class JsonCallStreamer {
 public:
  // `require_arguments`: an object without an arguments key is not a call (Llama 3, whose bare JSON output could
  // as well be an answer in JSON); otherwise a call without arguments gets "{}".
  explicit JsonCallStreamer(bool require_arguments = false) : require_arguments_(require_arguments) {}

  // Feeds more of the object's text. Returns the bytes consumed; it stops right after the closing brace, so the
  // caller sees what follows. Leading whitespace before '{' is consumed.
  std::size_t feed(std::string_view text, EventSink& sink);

  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  // True once some non-whitespace byte was consumed (the object began).
  bool begun() const { return state_ != State::kStart; }
  // The name read so far (empty until its string closed).
  const std::string& name() const { return name_; }

  // Ends the call. `raw` is the call's whole text (markers included) used as content when the call is not
  // valid; `complete` says whether the surrounding markup closed properly. Returns whether a call was kept.
  bool close(EventSink& sink, std::string_view raw, bool complete);

 private:
  enum class State { kStart, kKey, kInKey, kColon, kValue, kAfterValue, kDone, kFailed };
  void on_value_done();
  void stream(EventSink& sink);

  State state_ = State::kStart;
  std::string text_;  // the object's text consumed so far
  std::string key_;   // raw key text (between quotes) of the current member
  bool key_escape_ = false;
  JsonValueScanner value_;
  std::size_t value_begin_ = 0;  // offset in text_ where the current value's scanning began
  std::string name_;
  std::optional<std::size_t> args_begin_;  // offset of the arguments value's first byte
  std::optional<std::size_t> args_end_;
  bool args_is_string_ = false;  // "arguments": "{\"a\": 1}" (a JSON string holding the JSON)
  std::string args_decoded_;
  std::optional<std::size_t> call_;  // sink index once started
  std::size_t args_sent_ = 0;        // bytes of the arguments value already passed to the sink
  bool disallowed_ = false;
  bool require_arguments_ = false;
};

}  // namespace sovra::chat
