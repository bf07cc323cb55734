// No tool calls: every byte is content.
#include "chat/parse/format_parser.hpp"

namespace sovra::chat {
namespace {

class PlainFormat final : public FormatParser {
 public:
  void feed(std::string_view text, EventSink& sink) override { sink.content(text); }
  void finish(EventSink&) override {}
};

}  // namespace

std::unique_ptr<FormatParser> make_plain_format() { return std::make_unique<PlainFormat>(); }

}  // namespace sovra::chat
