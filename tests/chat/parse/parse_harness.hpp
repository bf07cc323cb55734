#pragma once
// Test support: feeds output text to an OutputParser in given pieces and checks the event contract of
// parse_event.hpp against the final result.
#include <gtest/gtest.h>

#include <cstddef>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "chat/parse/output_parser.hpp"

namespace sovra::chat::parse_test {

struct ParseRun {
  std::vector<ParseEvent> events;
  ParseResult result;
};

// Feeds `text` cut before every offset in `cuts` (ascending).
inline ParseRun run_with_cuts(std::string_view text, const OutputParserOptions& options,
                              const std::vector<std::size_t>& cuts) {
  OutputParser parser(options);
  ParseRun run;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    if (cut <= from || cut >= text.size()) continue;
    parser.feed(text.substr(from, cut - from), run.events);
    from = cut;
  }
  parser.feed(text.substr(from), run.events);
  run.result = parser.finish(run.events);
  return run;
}

inline ParseRun run_whole(std::string_view text, const OutputParserOptions& options) {
  return run_with_cuts(text, options, {});
}

inline std::vector<std::size_t> every_byte(std::size_t n) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < n; ++i) cuts.push_back(i);
  return cuts;
}

inline std::vector<std::size_t> random_cuts(std::size_t n, std::uint32_t seed, std::size_t max_piece) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> piece(1, max_piece);
  std::vector<std::size_t> cuts;
  for (std::size_t at = piece(rng); at < n; at += piece(rng)) cuts.push_back(at);
  return cuts;
}

// The contract of parse_event.hpp: deltas concatenate to the result; every kept call was started, streamed and
// ended with the same index; discarded calls are not in the result; calls do not interleave.
inline void expect_events_match_result(const ParseRun& run, const std::string& where) {
  std::string content;
  std::string reasoning;
  std::map<std::size_t, std::string> args;
  std::map<std::size_t, ParseEvent> starts;
  std::map<std::size_t, int> ended;  // 1 kept, 2 discarded
  std::ptrdiff_t open = -1;
  for (const auto& e : run.events) {
    switch (e.kind) {
      case ParseEventKind::kContent:
        EXPECT_EQ(open, -1) << where << ": content inside call " << open;
        EXPECT_FALSE(e.text.empty()) << where;
        content += e.text;
        break;
      case ParseEventKind::kReasoning:
        EXPECT_EQ(open, -1) << where << ": reasoning inside call " << open;
        EXPECT_FALSE(e.text.empty()) << where;
        reasoning += e.text;
        break;
      case ParseEventKind::kToolCallStart:
        EXPECT_EQ(open, -1) << where << ": a call started while call " << open << " was open";
        EXPECT_EQ(e.index, starts.size()) << where;
        starts[e.index] = e;
        open = static_cast<std::ptrdiff_t>(e.index);
        break;
      case ParseEventKind::kToolCallArguments:
        EXPECT_EQ(static_cast<std::ptrdiff_t>(e.index), open) << where;
        args[e.index] += e.text;
        break;
      case ParseEventKind::kToolCallEnd:
      case ParseEventKind::kToolCallDiscarded:
        EXPECT_EQ(static_cast<std::ptrdiff_t>(e.index), open) << where;
        ended[e.index] = e.kind == ParseEventKind::kToolCallEnd ? 1 : 2;
        open = -1;
        break;
    }
  }
  EXPECT_EQ(open, -1) << where << ": a call was never ended";
  EXPECT_EQ(content, run.result.content) << where;
  EXPECT_EQ(reasoning, run.result.reasoning_content) << where;
  std::size_t kept = 0;
  for (const auto& [index, how] : ended) kept += how == 1 ? 1 : 0;
  ASSERT_EQ(kept, run.result.tool_calls.size()) << where;
  for (const auto& call : run.result.tool_calls) {
    ASSERT_TRUE(starts.count(call.index)) << where;
    EXPECT_EQ(ended[call.index], 1) << where;
    EXPECT_EQ(starts[call.index].id, call.id) << where;
    EXPECT_EQ(starts[call.index].name, call.name) << where;
    EXPECT_EQ(args[call.index], call.arguments) << where;
  }
}

}  // namespace sovra::chat::parse_test
