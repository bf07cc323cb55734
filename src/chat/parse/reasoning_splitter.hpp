#pragma once
// Separates a leading reasoning block (<think>…</think>, [THINK]…[/THINK]) from the rest of the output: the
// block's text goes to the sink as reasoning, everything after it to the family's format parser.
#include <string>
#include <string_view>

#include "chat/parse/event_sink.hpp"
#include "chat/parse/format_parser.hpp"

namespace sovra::chat {

struct ReasoningMarkers {
  std::string_view open;
  std::string_view close;
};

class ReasoningSplitter {
 public:
  // `starts_inside`: the prompt already opened the block (the template ended with "<think>\n"), so the output
  // begins with reasoning and only the closing marker is expected.
  ReasoningSplitter(ReasoningMarkers markers, bool starts_inside)
      : markers_(markers), state_(starts_inside ? State::kInside : State::kStart) {}

  void feed(std::string_view text, EventSink& sink, FormatParser& next);
  void finish(EventSink& sink, FormatParser& next);

 private:
  enum class State { kStart, kInside, kAfter };
  void step(EventSink& sink, FormatParser& next, bool final);

  ReasoningMarkers markers_;
  State state_;
  std::string buf_;
};

}  // namespace sovra::chat
