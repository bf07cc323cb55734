// Fuzzes the model-output parser (src/chat/parse) of every format with arbitrary text cut at arbitrary points.
// Input: byte 0 picks the format, byte 1 the reasoning syntax and flags, byte 2 seeds the cuts; the rest is the
// generated text. Invariants: never crash; the split run gives the same result as the whole run; the events of
// both runs satisfy the contract of parse_event.hpp; kept tool calls have JSON-object arguments; the plain format
// gives the text back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "chat/parse/output_parser.hpp"
#include "common/json.hpp"

namespace {

using sovra::chat::OutputFormat;
using sovra::chat::OutputParser;
using sovra::chat::OutputParserOptions;
using sovra::chat::ParseEvent;
using sovra::chat::ParseEventKind;
using sovra::chat::ParseResult;
using sovra::chat::ReasoningSyntax;

void fail_check(const char* what, int line) {
  std::fprintf(stderr, "chat_parse_fuzz: invariant failed at line %d: %s\n", line, what);
  std::abort();
}
#define check(cond) ((cond) ? void() : fail_check(#cond, __LINE__))

ParseResult run(std::string_view text, const OutputParserOptions& options, const std::vector<std::size_t>& cuts,
                std::vector<ParseEvent>& events) {
  OutputParser parser(options);
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    if (cut <= from || cut >= text.size()) continue;
    parser.feed(text.substr(from, cut - from), events);
    from = cut;
  }
  parser.feed(text.substr(from), events);
  return parser.finish(events);
}

void check_contract(const std::vector<ParseEvent>& events, const ParseResult& result) {
  std::string content;
  std::string reasoning;
  std::map<std::size_t, std::string> args;
  std::map<std::size_t, std::string> names;
  std::map<std::size_t, bool> kept;
  long open = -1;
  for (const auto& e : events) {
    switch (e.kind) {
      case ParseEventKind::kContent:
        check(!e.text.empty() && open == -1);
        content += e.text;
        break;
      case ParseEventKind::kReasoning:
        check(!e.text.empty() && open == -1);
        reasoning += e.text;
        break;
      case ParseEventKind::kToolCallStart:
        check(open == -1 && e.index == names.size());
        names[e.index] = e.name;
        open = static_cast<long>(e.index);
        break;
      case ParseEventKind::kToolCallArguments:
        check(static_cast<long>(e.index) == open);
        args[e.index] += e.text;
        break;
      case ParseEventKind::kToolCallEnd:
      case ParseEventKind::kToolCallDiscarded:
        check(static_cast<long>(e.index) == open);
        kept[e.index] = e.kind == ParseEventKind::kToolCallEnd;
        open = -1;
        break;
    }
  }
  check(open == -1);
  check(content == result.content);
  check(reasoning == result.reasoning_content);
  std::size_t n_kept = 0;
  for (const auto& [index, k] : kept) n_kept += k ? 1 : 0;
  check(n_kept == result.tool_calls.size());
  for (const auto& call : result.tool_calls) {
    check(kept[call.index] && names[call.index] == call.name && args[call.index] == call.arguments);
    auto parsed = sovra::parse_json(call.arguments);
    check(parsed && parsed->is_object());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  static constexpr OutputFormat kFormats[] = {OutputFormat::kPlain,   OutputFormat::kHermes,
                                              OutputFormat::kLlama3,  OutputFormat::kMistral,
                                              OutputFormat::kHarmony, OutputFormat::kDeepSeekR1};
  static constexpr ReasoningSyntax kReasoning[] = {ReasoningSyntax::kNone, ReasoningSyntax::kThinkTags,
                                                   ReasoningSyntax::kMistralThink};
  OutputParserOptions options;
  options.syntax = {kFormats[data[0] % 6], kReasoning[data[1] % 3]};
  options.reasoning_open = (data[1] & 0x4) != 0;
  options.tool_calls = (data[1] & 0x8) == 0;
  if ((data[1] & 0x10) != 0) options.tool_names = {"get_weather", "python", "f"};
  const std::string_view text(reinterpret_cast<const char*>(data) + 3, size - 3);

  std::vector<std::size_t> cuts;
  std::uint32_t state = data[2] * 2654435761u + 1;
  for (std::size_t at = 0; at < text.size();) {
    state = state * 1664525u + 1013904223u;
    at += 1 + (state >> 24) % 8;
    cuts.push_back(at);
  }
  std::vector<ParseEvent> whole_events;
  const ParseResult whole = run(text, options, {}, whole_events);
  std::vector<ParseEvent> split_events;
  const ParseResult split = run(text, options, cuts, split_events);
  check(whole == split);
  check_contract(whole_events, whole);
  check_contract(split_events, split);
  if (options.syntax.format == OutputFormat::kPlain && options.syntax.reasoning == ReasoningSyntax::kNone) {
    check(whole.content == text && whole.tool_calls.empty());
  }
  return 0;
}
