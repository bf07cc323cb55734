#include "chat/parse/output_parser.hpp"

#include <optional>
#include <utility>

#include "chat/parse/event_sink.hpp"
#include "chat/parse/format_parser.hpp"
#include "chat/parse/reasoning_splitter.hpp"

namespace sovra::chat {
namespace {

std::unique_ptr<FormatParser> make_format(const OutputParserOptions& o) {
  if (!o.tool_calls && o.syntax.format != OutputFormat::kHarmony) return make_plain_format();
  switch (o.syntax.format) {
    case OutputFormat::kPlain:
      return make_plain_format();
    case OutputFormat::kHermes:
      return make_hermes_format();
    case OutputFormat::kLlama3:
      return make_llama3_format();
    case OutputFormat::kMistral:
      return make_mistral_format();
    case OutputFormat::kHarmony:
      return make_harmony_format();
    case OutputFormat::kDeepSeekR1:
      return make_deepseek_r1_format();
  }
  return make_plain_format();
}

std::optional<ReasoningMarkers> markers_of(ReasoningSyntax s) {
  switch (s) {
    case ReasoningSyntax::kNone:
      return std::nullopt;
    case ReasoningSyntax::kThinkTags:
      return ReasoningMarkers{"<think>", "</think>"};
    case ReasoningSyntax::kMistralThink:
      return ReasoningMarkers{"[THINK]", "[/THINK]"};
  }
  return std::nullopt;
}

}  // namespace

struct OutputParser::Impl {
  explicit Impl(OutputParserOptions o)
      : sink({.trim = o.syntax.format != OutputFormat::kPlain || o.syntax.reasoning != ReasoningSyntax::kNone,
              .id_seed = o.id_seed,
              .short_ids = o.syntax.format == OutputFormat::kMistral,
              .tool_names = std::move(o.tool_names)}),
        format(make_format(o)) {
    if (auto m = markers_of(o.syntax.reasoning)) reasoning.emplace(*m, o.reasoning_open);
  }

  EventSink sink;
  std::unique_ptr<FormatParser> format;
  std::optional<ReasoningSplitter> reasoning;
  bool finished = false;
};

OutputParser::OutputParser(OutputParserOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
OutputParser::~OutputParser() = default;
OutputParser::OutputParser(OutputParser&&) noexcept = default;
OutputParser& OutputParser::operator=(OutputParser&&) noexcept = default;

void OutputParser::feed(std::string_view delta, std::vector<ParseEvent>& events) {
  if (impl_->finished || delta.empty()) return;
  impl_->sink.set_output(&events);
  if (impl_->reasoning) {
    impl_->reasoning->feed(delta, impl_->sink, *impl_->format);
  } else {
    impl_->format->feed(delta, impl_->sink);
  }
  impl_->sink.set_output(nullptr);
}

ParseResult OutputParser::finish(std::vector<ParseEvent>& events) {
  if (impl_->finished) return {};
  impl_->finished = true;
  impl_->sink.set_output(&events);
  if (impl_->reasoning) {
    impl_->reasoning->finish(impl_->sink, *impl_->format);
  } else {
    impl_->format->finish(impl_->sink);
  }
  ParseResult result = impl_->sink.finish();
  impl_->sink.set_output(nullptr);
  return result;
}

ParseResult OutputParser::parse(std::string_view text, OutputParserOptions options) {
  OutputParser parser(std::move(options));
  std::vector<ParseEvent> events;
  parser.feed(text, events);
  return parser.finish(events);
}

}  // namespace sovra::chat
