// Output-parser throughput: MB/s of generated text through OutputParser, fed in 4-byte deltas (about one token
// each), per format, against the plain format (no markers to look for) as the baseline in the same run.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "chat/parse/output_parser.hpp"

namespace {

using sovra::chat::OutputFormat;
using sovra::chat::OutputParser;
using sovra::chat::ParseEvent;
using sovra::chat::ReasoningSyntax;

// About 1 MB of output in the format's own shape: prose, reasoning and tool calls.
std::string make_output(OutputFormat format) {
  const std::string prose = "The forecast for Paris shows light rain in the morning, clearing by noon; 18 °C. ";
  const std::string args = R"({"location": "Paris, France", "unit": "celsius", "days": [1, 2, 3]})";
  std::string unit;
  switch (format) {
    case OutputFormat::kHermes:
      unit = "<think>" + prose + "</think>" + prose +
             "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": " + args + "}\n</tool_call>\n";
      break;
    case OutputFormat::kHarmony:
      unit = "<|channel|>analysis<|message|>" + prose +
             "<|end|><|start|>assistant<|channel|>commentary "
             "to=functions.get_weather <|constrain|>json<|message|>" +
             args + "<|call|>";
      break;
    case OutputFormat::kMistral:
      unit = prose + "[TOOL_CALLS]get_weather[ARGS]" + args;
      break;
    default:
      unit = prose + prose + args;
      break;
  }
  std::string out;
  while (out.size() < (1u << 20)) out += unit;
  return out;
}

void run_parser(benchmark::State& state, OutputFormat format, ReasoningSyntax reasoning) {
  const std::string text = make_output(format);
  std::vector<ParseEvent> events;
  for (auto _ : state) {
    // A whole output is one parser; the events vector is what an API layer would drain after each delta.
    OutputParser parser({.syntax = {format, reasoning}});
    for (std::size_t i = 0; i < text.size(); i += 4) {
      parser.feed(std::string_view(text).substr(i, 4), events);
      events.clear();
    }
    benchmark::DoNotOptimize(parser.finish(events));
    events.clear();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_Plain(benchmark::State& s) { run_parser(s, OutputFormat::kPlain, ReasoningSyntax::kNone); }
void BM_HermesWithThink(benchmark::State& s) { run_parser(s, OutputFormat::kHermes, ReasoningSyntax::kThinkTags); }
void BM_Harmony(benchmark::State& s) { run_parser(s, OutputFormat::kHarmony, ReasoningSyntax::kNone); }
void BM_Mistral(benchmark::State& s) { run_parser(s, OutputFormat::kMistral, ReasoningSyntax::kNone); }

BENCHMARK(BM_Plain)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HermesWithThink)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Harmony)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Mistral)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
