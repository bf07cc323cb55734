// Holding back and releasing text at marker boundaries, delta by delta.
#include <gtest/gtest.h>

#include "chat/parse/marker_scan.hpp"
#include "parse_harness.hpp"

namespace sovra::chat {
namespace {

std::string contents(const std::vector<ParseEvent>& events, ParseEventKind kind) {
  std::string out;
  for (const auto& e : events) {
    if (e.kind == kind) out += e.text;
  }
  return out;
}

TEST(MarkerScan, HoldsOnlyATailThatCouldStartAMarker) {
  EXPECT_EQ(scan_markers("Hello <tool_c", {"<tool_call>"}).safe, 6u);
  EXPECT_EQ(scan_markers("Hello <tool_x", {"<tool_call>"}).safe, 13u);
  EXPECT_EQ(scan_markers("Hello <tool_c", {"<tool_call>"}, true).safe, 13u);
  const MarkerScan hit = scan_markers("ab[ARGS]cd[TOOL_CALLS]", {"[TOOL_CALLS]", "[ARGS]"});
  EXPECT_TRUE(hit.found());
  EXPECT_EQ(hit.pos, 2u);
  EXPECT_EQ(hit.marker, 1u);
  EXPECT_EQ(partial_marker_tail("x<<", "<|a|>"), 1u);
  EXPECT_EQ(partial_marker_tail("", "<|a|>"), 0u);
}

TEST(StreamingParse, ReleasesHeldTextAsSoonAsItCannotBeAMarker) {
  OutputParser parser({.syntax = {OutputFormat::kHermes, ReasoningSyntax::kNone}});
  std::vector<ParseEvent> events;
  parser.feed("Hello <tool", events);
  EXPECT_EQ(contents(events, ParseEventKind::kContent), "Hello");
  parser.feed("box> is here", events);
  EXPECT_EQ(contents(events, ParseEventKind::kContent), "Hello <toolbox> is here");
  parser.feed(" <tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\":", events);
  ASSERT_FALSE(events.empty());
  // The call started and its arguments began streaming before the call's text is complete.
  EXPECT_EQ(events.back().kind, ParseEventKind::kToolCallArguments);
  EXPECT_EQ(contents(events, ParseEventKind::kToolCallArguments), "{\"a\":");
  parser.feed(" 1}}\n</tool_call>", events);
  const ParseResult r = parser.finish(events);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments, "{\"a\": 1}");
  EXPECT_EQ(r.content, "Hello <toolbox> is here");
}

TEST(StreamingParse, ReasoningStreamsBeforeTheBlockCloses) {
  OutputParser parser({.syntax = {OutputFormat::kPlain, ReasoningSyntax::kThinkTags}});
  std::vector<ParseEvent> events;
  parser.feed("<think>\nStep one", events);
  EXPECT_EQ(contents(events, ParseEventKind::kReasoning), "Step one");
  parser.feed(", step two</th", events);
  EXPECT_EQ(contents(events, ParseEventKind::kReasoning), "Step one, step two");
  parser.feed("ink>\n\nDone.", events);
  const ParseResult r = parser.finish(events);
  EXPECT_EQ(r.reasoning_content, "Step one, step two");
  EXPECT_EQ(r.content, "Done.");
}

TEST(StreamingParse, UnclosedReasoningAtTheEndIsAllReasoning) {
  const ParseResult r =
      OutputParser::parse("Still thinking about </thi",
                          {.syntax = {OutputFormat::kDeepSeekR1, ReasoningSyntax::kThinkTags}, .reasoning_open = true});
  EXPECT_EQ(r.reasoning_content, "Still thinking about </thi");
  EXPECT_EQ(r.content, "");
}

TEST(StreamingParse, HarmonyHeadersNeverLeak) {
  const std::string text =
      "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>Answer.<|return|>";
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    const auto run =
        parse_test::run_with_cuts(text, {.syntax = {OutputFormat::kHarmony, ReasoningSyntax::kNone}}, {cut});
    for (const auto& e : run.events) {
      EXPECT_EQ(e.text.find("<|"), std::string::npos) << "cut " << cut << ": " << e.text;
      EXPECT_EQ(e.text.find("|>"), std::string::npos) << "cut " << cut << ": " << e.text;
    }
    EXPECT_EQ(run.result.content, "Answer.");
  }
}

TEST(StreamingParse, IdsAreDeterministicPerSeedAndDifferAcrossSeeds) {
  const std::string text = "<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>";
  const auto a = OutputParser::parse(text, {.syntax = {OutputFormat::kHermes}, .id_seed = 1});
  const auto b = OutputParser::parse(text, {.syntax = {OutputFormat::kHermes}, .id_seed = 1});
  const auto c = OutputParser::parse(text, {.syntax = {OutputFormat::kHermes}, .id_seed = 2});
  ASSERT_EQ(a.tool_calls.size(), 1u);
  ASSERT_EQ(c.tool_calls.size(), 1u);
  EXPECT_EQ(a.tool_calls[0].id, b.tool_calls[0].id);
  EXPECT_NE(a.tool_calls[0].id, c.tool_calls[0].id);
}

TEST(StreamingParse, FeedAfterFinishIsIgnored) {
  OutputParser parser({.syntax = {OutputFormat::kPlain}});
  std::vector<ParseEvent> events;
  parser.feed("a", events);
  EXPECT_EQ(parser.finish(events).content, "a");
  parser.feed("b", events);
  EXPECT_EQ(contents(events, ParseEventKind::kContent), "a");
}

}  // namespace
}  // namespace sovra::chat
