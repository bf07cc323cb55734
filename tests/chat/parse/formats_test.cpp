// Edge cases of each family's format that the recorded generations do not cover.
#include <gtest/gtest.h>

#include "chat/parse/json_value_scanner.hpp"
#include "chat/parse/python_call.hpp"
#include "parse_harness.hpp"

namespace sovra::chat {
namespace {

ParseResult parse(std::string_view text, OutputFormat format, ReasoningSyntax reasoning = ReasoningSyntax::kNone) {
  const OutputParserOptions options{.syntax = {format, reasoning}};
  // Every case is also checked byte by byte against the whole-text result.
  const auto whole = parse_test::run_whole(text, options);
  const auto bytes = parse_test::run_with_cuts(text, options, parse_test::every_byte(text.size()));
  EXPECT_EQ(whole.result, bytes.result) << text;
  parse_test::expect_events_match_result(whole, std::string(text));
  parse_test::expect_events_match_result(bytes, std::string(text));
  return whole.result;
}

TEST(JsonValueScanner, FindsTheEndOfAValue) {
  JsonValueScanner s;
  EXPECT_EQ(s.feed("  {\"a\": \"}\\\"\", \"b\": [1, {}]} tail"), 28u);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.leading_space(), 2u);
  JsonValueScanner n;
  EXPECT_EQ(n.feed("123"), 3u);
  EXPECT_FALSE(n.done());
  EXPECT_EQ(n.feed(", x"), 0u);
  EXPECT_TRUE(n.done());
  JsonValueScanner bad;
  bad.feed("}");
  EXPECT_TRUE(bad.failed());
}

TEST(PythonCall, ReadsKeywordLiterals) {
  auto c = parse_python_call(R"(wolfram_alpha.call(query='solve x^2 = 4', n=2, exact=True, unit=None))");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "wolfram_alpha");
  EXPECT_EQ(c->arguments, R"({"query":"solve x^2 = 4","n":2,"exact":true,"unit":null})");
  EXPECT_EQ(parse_python_call("f.call()")->arguments, "{}");
  EXPECT_FALSE(parse_python_call("print(1)"));
  EXPECT_FALSE(parse_python_call("f.call(x=y)"));
  EXPECT_FALSE(parse_python_call("f.call(x=\"unterminated)"));
  EXPECT_FALSE(parse_python_call("f.call(x=1) + 2"));
}

TEST(HermesFormat, MissingClosingTagIsTolerated) {
  auto r = parse(
      "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n<tool_call>\n{\"name\": \"b\", \"arguments\": "
      "{\"x\": 1}}",
      OutputFormat::kHermes);
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0].name, "a");
  EXPECT_EQ(r.tool_calls[1].arguments, "{\"x\": 1}");
  EXPECT_TRUE(r.issues.empty());
}

TEST(HermesFormat, CallWithoutArgumentsGetsAnEmptyObject) {
  auto r = parse("<tool_call>{\"name\": \"now\"}</tool_call>", OutputFormat::kHermes);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments, "{}");
}

TEST(HermesFormat, NonObjectBodyIsContent) {
  auto r = parse("<tool_call>[1, 2]</tool_call> after", OutputFormat::kHermes);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, "<tool_call>[1, 2]</tool_call> after");
  EXPECT_EQ(r.issues.size(), 1u);
  auto s = parse("<tool_call>{\"name\": \"f\", \"arguments\": [1]}</tool_call>", OutputFormat::kHermes);
  EXPECT_TRUE(s.tool_calls.empty());
  EXPECT_EQ(s.issues.size(), 1u);
}

TEST(Llama3Format, JsonThenTextKeepsTheCallAndTheText) {
  auto r = parse("{\"name\": \"f\", \"parameters\": {\"a\": 1}}\nI called f.", OutputFormat::kLlama3);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.content, "I called f.");
}

TEST(Llama3Format, JsonAnswerThatIsNotACallStaysContent) {
  auto r = parse("{\"city\": \"Paris\", \"population\": 2100000}", OutputFormat::kLlama3);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, "{\"city\": \"Paris\", \"population\": 2100000}");
}

TEST(Llama3Format, JsonWithANameButNoParametersIsAnAnswer) {
  auto r = parse("{\"name\": \"Bob\", \"age\": 3}", OutputFormat::kLlama3);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, "{\"name\": \"Bob\", \"age\": 3}");
}

TEST(Llama3Format, CallsSeparatedAfterAnEndOfMessageToken) {
  // Found by the fuzzer: the separator after <|eom_id|> was read from a buffer that had already moved.
  auto r = parse(
      "<|python_tag|>{\"name\": \"a\", \"parameters\": {}}<|eom_id|>; {\"name\": \"b\", \"parameters\": {\"x\": 1}}",
      OutputFormat::kLlama3);
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[1].name, "b");
  EXPECT_EQ(r.content, "");
}

TEST(Llama3Format, RepeatedTagAfterWhitespace) {
  // Found by the fuzzer: whole and split runs disagreed on a second tag after whitespace.
  auto r = parse("<|python_tag|>\n <|python_tag|>brave_search.call(query=\"x\")", OutputFormat::kLlama3);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "brave_search");
}

TEST(Llama3Format, TextThenPythonTag) {
  auto r = parse("Let me search.<|python_tag|>brave_search.call(query=\"x\")<|eom_id|>", OutputFormat::kLlama3);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "brave_search");
  EXPECT_EQ(r.content, "Let me search.");
}

TEST(MistralFormat, ArgumentsThatAreNotAnObjectAreContent) {
  auto r = parse("[TOOL_CALLS]f[ARGS]42 and more", OutputFormat::kMistral);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.content, "[TOOL_CALLS]f[ARGS]42 and more");
}

TEST(MistralFormat, EmptyArrayIsNoCall) {
  auto r = parse("[TOOL_CALLS][]", OutputFormat::kMistral);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, "");
}

TEST(MistralFormat, NameWithSpacesIsNotAName) {
  auto r = parse("[TOOL_CALLS]this is prose", OutputFormat::kMistral);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, "[TOOL_CALLS]this is prose");
  EXPECT_EQ(r.issues.size(), 1u);
}

TEST(HarmonyFormat, CallToAToolNotOfferedIsContent) {
  const std::string text = "<|channel|>commentary to=functions.evil <|constrain|>json<|message|>{}<|call|>";
  const OutputParserOptions options{.syntax = {OutputFormat::kHarmony}, .tool_names = {"good"}};
  auto r = parse_test::run_whole(text, options).result;
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.issues.size(), 1u);
  EXPECT_NE(r.content.find("{}"), std::string::npos);
}

TEST(HarmonyFormat, TruncatedArgumentsAreDiscarded) {
  auto r = parse("<|channel|>commentary to=functions.f <|constrain|>json<|message|>{\"a\": ", OutputFormat::kHarmony);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.issues.size(), 1u);
}

TEST(HarmonyFormat, OverlongHeaderIsTextAndLaterMessagesStillCount) {
  const std::string junk(600, 'x');
  auto r = parse("<|channel|>" + junk + "<|start|>assistant<|channel|>final<|message|>Hi.", OutputFormat::kHarmony);
  EXPECT_EQ(r.content, "<|channel|>" + junk + "Hi.");
  EXPECT_EQ(r.issues.size(), 1u);
}

TEST(HarmonyFormat, PlainTextWithoutChannelsIsContent) {
  auto r = parse("Just text.", OutputFormat::kHarmony);
  EXPECT_EQ(r.content, "Just text.");
}

TEST(DeepSeekFormat, CallWithoutFenceAndWithoutBlockEnd) {
  auto r =
      parse("<｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n{\"a\": [1]}<｜tool▁call▁end｜>", OutputFormat::kDeepSeekR1);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments, "{\"a\": [1]}");
}

TEST(DeepSeekFormat, UnclosedCallIsContent) {
  auto r =
      parse("<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{\"a\": 1} junk", OutputFormat::kDeepSeekR1);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.issues.size(), 1u);
  EXPECT_NE(r.content.find("junk"), std::string::npos);
}

}  // namespace
}  // namespace sovra::chat
