#pragma once
// Streams one JSON value written bare after a marker (Mistral "[ARGS]{…}", DeepSeek "<｜tool▁sep｜>{…}") to a
// started tool call, and says where it ended.
#include <cstddef>
#include <optional>
#include <string_view>

#include "chat/parse/event_sink.hpp"
#include "chat/parse/json_value_scanner.hpp"

namespace sovra::chat {

class JsonArgsStream {
 public:
  // `call`: the sink index, or nullopt to scan without sending (a call that will not be kept).
  explicit JsonArgsStream(std::optional<std::size_t> call) : call_(call) {}

  // Consumes bytes of the value (and the whitespace before it); returns how many.
  std::size_t feed(std::string_view text, EventSink& sink) {
    const std::size_t used = scanner_.feed(text);
    std::string_view part = text.substr(0, used);
    if (!started_) {
      while (!part.empty() &&
             (part.front() == ' ' || part.front() == '\n' || part.front() == '\r' || part.front() == '\t')) {
        part.remove_prefix(1);
      }
      started_ = !part.empty();
    }
    if (call_ && !scanner_.failed()) sink.tool_arguments(*call_, part);
    return used;
  }
  void finish() { scanner_.finish(); }
  bool done() const { return scanner_.done(); }
  bool failed() const { return scanner_.failed(); }

 private:
  std::optional<std::size_t> call_;
  JsonValueScanner scanner_;
  bool started_ = false;
};

}  // namespace sovra::chat
