#pragma once
// The interface each model family's output format implements, and the factories of the formats. Internal to
// src/chat/parse: consumers use OutputParser (output_parser.hpp).
#include <memory>
#include <string_view>

#include "chat/parse/event_sink.hpp"

namespace sovra::chat {

// Contract: feed() receives the generated text in order, in any split; it sends to the sink everything it has
// recognised and keeps back only text that could still be the beginning of a marker (or a tool call whose end
// has not arrived). finish() is called once after the last feed(): everything kept back must then reach the
// sink, as a tool call or as content — no text is ever dropped except markup.
class FormatParser {
 public:
  virtual ~FormatParser() = default;
  virtual void feed(std::string_view text, EventSink& sink) = 0;
  virtual void finish(EventSink& sink) = 0;
};

std::unique_ptr<FormatParser> make_plain_format();
std::unique_ptr<FormatParser> make_hermes_format();
std::unique_ptr<FormatParser> make_llama3_format();
std::unique_ptr<FormatParser> make_mistral_format();
std::unique_ptr<FormatParser> make_harmony_format();
std::unique_ptr<FormatParser> make_deepseek_r1_format();

}  // namespace sovra::chat
