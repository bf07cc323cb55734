// Structured output through the LocalBackend: response_format json_schema / json_object and tool_choice required
// or named, decoded under a grammar by the engine on stories260K (a model that never saw JSON).
#include <gtest/gtest.h>

#include "chat/parse/output_parser.hpp"
#include "common/json.hpp"
#include "engine/sampling/grammar/matcher.hpp"
#include "engine/sampling/grammar/schema_validator.hpp"
#include "routing/local_backend.hpp"
#include "routing/local_backend_support.hpp"
#include "routing/output_constraint.hpp"

namespace sovra::routing {
namespace {

using namespace testing;

#define REQUIRE_MODEL(file) \
  if (!std::filesystem::exists(shared_model(file))) GTEST_SKIP() << shared_model(file) << " is absent (../shared)"

// Bounded everywhere, so every document ends within the context whatever the model prefers.
constexpr const char* kSchema = R"({"type":"object","properties":{
    "name":{"type":"string","minLength":1,"maxLength":12},
    "mood":{"enum":["happy","sad","sleepy"]},
    "age":{"type":"integer","minimum":1,"maximum":99}},
  "required":["name","mood","age"],"additionalProperties":false})";

TEST(LocalBackendConstraint, JsonSchemaOutputParsesAndValidates) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lbc-schema");
  ASSERT_TRUE(l.backend);
  auto req = user_chat("stories", "Describe a person as JSON.");
  req.response_format = {
      .kind = api::ResponseFormat::Kind::kJsonSchema, .schema_name = "person", .schema_json = kSchema, .strict = true};
  req.params.n = 3;
  req.params.temperature = 1.0f;
  req.params.seed = 42;
  req.params.max_tokens = 200;
  ChatRecorder rec;
  auto id = l.backend->start_chat(req, rec.sink());
  ASSERT_TRUE(id.has_value()) << id.error().message;
  ASSERT_TRUE(rec.wait());
  ASSERT_FALSE(rec.last().error.has_value()) << rec.last().error->message;
  const auto schema = parse_json(kSchema);
  ASSERT_TRUE(schema.has_value());
  const auto content = content_by_choice(rec.events);
  ASSERT_EQ(content.size(), 3u);
  for (const auto& [i, text] : content) {
    auto doc = parse_json(text);
    ASSERT_TRUE(doc.has_value()) << "choice " << i << ": " << text;
    EXPECT_EQ(sampling::grammar::testing::validate(*doc, *schema), "") << text;
  }
  for (const auto& e : rec.events) {
    if (e.kind == api::ChatEvent::Kind::kDelta && e.delta.finish_reason) {
      EXPECT_EQ(*e.delta.finish_reason, api::FinishReason::kStop);
    }
  }
}

TEST(LocalBackendConstraint, JsonObjectOutputParses) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lbc-object");
  ASSERT_TRUE(l.backend);
  auto req = user_chat("stories", "JSON please");
  req.response_format.kind = api::ResponseFormat::Kind::kJsonObject;
  req.params.temperature = 0.0f;
  req.params.max_tokens = 300;
  ChatRecorder rec;
  ASSERT_TRUE(l.backend->start_chat(req, rec.sink()).has_value());
  ASSERT_TRUE(rec.wait());
  const auto content = content_by_choice(rec.events);
  const std::string text = content.count(0) ? content.at(0) : "";
  // Greedy may run into max_tokens inside a long string; whenever it stopped by itself the object is complete.
  const auto& last_delta = rec.events[rec.events.size() - 2].delta;
  ASSERT_TRUE(last_delta.finish_reason.has_value());
  if (*last_delta.finish_reason == api::FinishReason::kStop) {
    auto doc = parse_json(text);
    ASSERT_TRUE(doc.has_value()) << text;
    EXPECT_TRUE(doc->is_object()) << text;
  } else {
    EXPECT_TRUE(text.starts_with("{")) << text;
  }
}

TEST(LocalBackendConstraint, RequiredToolChoiceYieldsAParsableToolCall) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lbc-tools", 2048);  // the tool prompt is ~800 tokens
  ASSERT_TRUE(l.backend);
  auto req = user_chat("stories", "What is the weather in Paris?");
  req.tools = {{.name = "get_weather",
                .description = "Weather of a city",
                .parameters_json = R"({"type":"object","properties":{"city":{"enum":["Paris","Oslo"]},
                    "days":{"type":"integer","minimum":1,"maximum":7}},"required":["city","days"],
                    "additionalProperties":false})",
                .strict = true},
               {.name = "get_time",
                .parameters_json = R"({"type":"object","properties":{"zone":{"enum":["UTC","CET"]}},
                    "required":["zone"],"additionalProperties":false})",
                .strict = true}};
  req.parallel_tool_calls = false;  // one call to check (several: ParallelToolCallsDecideHowManyCallsTheGrammarAllows)
  for (const auto mode : {api::ToolChoice::Mode::kRequired, api::ToolChoice::Mode::kFunction}) {
    req.tool_choice = {.mode = mode, .function_name = mode == api::ToolChoice::Mode::kFunction ? "get_time" : ""};
    req.params.temperature = 0.7f;
    req.params.seed = 5;
    req.params.max_tokens = 200;
    ChatRecorder rec;
    auto id = l.backend->start_chat(req, rec.sink());
    ASSERT_TRUE(id.has_value()) << id.error().message;
    ASSERT_TRUE(rec.wait());
    std::string name;
    std::string call_id;
    std::string arguments;
    std::optional<api::FinishReason> finish;
    for (const auto& e : rec.events) {
      if (e.kind != api::ChatEvent::Kind::kDelta) continue;
      for (const auto& c : e.delta.tool_calls) {
        EXPECT_EQ(c.index, 0);
        if (!c.name.empty()) name = c.name;
        if (!c.id.empty()) call_id = c.id;
        arguments += c.arguments;
      }
      if (e.delta.finish_reason) finish = e.delta.finish_reason;
    }
    EXPECT_EQ(finish, api::FinishReason::kToolCalls);
    EXPECT_TRUE(call_id.starts_with("call_")) << call_id;
    auto args = parse_json(arguments);
    ASSERT_TRUE(args.has_value()) << arguments;
    if (mode == api::ToolChoice::Mode::kFunction) {
      EXPECT_EQ(name, "get_time");
      EXPECT_TRUE(args->as_object().contains("zone")) << arguments;
    } else {
      ASSERT_TRUE(name == "get_weather" || name == "get_time") << name;
      EXPECT_TRUE(args->as_object().contains(name == "get_weather" ? "city" : "zone")) << arguments;
    }
  }
}

bool grammar_matches(const std::shared_ptr<const sampling::grammar::Grammar>& g, std::string_view text) {
  sampling::grammar::GrammarMatcher m(g);
  return m.accept_bytes(text) && m.is_complete();
}

TEST(OutputGrammar, ParallelToolCallsDecideHowManyCallsTheGrammarAllows) {
  auto req = user_chat("m", "Hi");
  req.tools = {{.name = "f",
                .parameters_json = R"({"type":"object","properties":{"x":{"type":"integer"}},"required":["x"],
                    "additionalProperties":false})",
                .strict = true},
               {.name = "g",
                .parameters_json = R"({"type":"object","properties":{},"additionalProperties":false})",
                .strict = true}};
  req.tool_choice.mode = api::ToolChoice::Mode::kRequired;
  struct Case {
    chat::OutputFormat format;
    std::string one;
    std::string two;
  };
  const std::vector<Case> cases = {
      {chat::OutputFormat::kHermes, "<tool_call>\n{\"name\":\"f\",\"arguments\":{\"x\":1}}\n</tool_call>",
       "<tool_call>\n{\"name\":\"f\",\"arguments\":{\"x\":1}}\n</tool_call>\n<tool_call>\n"
       "{\"name\":\"g\",\"arguments\":{}}\n</tool_call>"},
      {chat::OutputFormat::kMistral, "[TOOL_CALLS][{\"name\":\"g\",\"arguments\":{}}]",
       "[TOOL_CALLS][{\"name\":\"g\",\"arguments\":{}}, {\"name\":\"f\",\"arguments\":{\"x\":2}}]"},
      {chat::OutputFormat::kLlama3, "{\"name\":\"f\",\"parameters\":{\"x\":3}}",
       "{\"name\":\"f\",\"parameters\":{\"x\":3}}; {\"name\":\"g\",\"parameters\":{}}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.two);
    req.parallel_tool_calls = true;
    auto several = output_grammar(req, {.format = c.format}, "m");
    ASSERT_TRUE(several.has_value()) << several.error().message;
    EXPECT_TRUE(grammar_matches(*several, c.one));
    EXPECT_TRUE(grammar_matches(*several, c.two));
    req.parallel_tool_calls = false;
    auto single = output_grammar(req, {.format = c.format}, "m");
    ASSERT_TRUE(single.has_value()) << single.error().message;
    EXPECT_TRUE(grammar_matches(*single, c.one));
    EXPECT_FALSE(grammar_matches(*single, c.two)) << "a second call must be refused";
  }
  // What the grammar lets through, the model's output parser reads back as that many calls.
  for (const Case& c : cases) {
    chat::OutputParser parser({.syntax = {.format = c.format}, .tool_names = {"f", "g"}});
    std::vector<chat::ParseEvent> events;
    parser.feed(c.two, events);
    EXPECT_EQ(parser.finish(events).tool_calls.size(), 2u) << c.two;
  }
}

TEST(LocalBackendConstraint, RequiredToolChoiceWithoutParallelCallsMakesExactlyOneCall) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lbc-single", 2048);
  ASSERT_TRUE(l.backend);
  auto req = user_chat("stories", "Weather in Paris and Oslo?");
  req.tools = {{.name = "get_weather",
                .parameters_json = R"({"type":"object","properties":{"city":{"enum":["Paris","Oslo"]}},
                    "required":["city"],"additionalProperties":false})",
                .strict = true}};
  req.tool_choice.mode = api::ToolChoice::Mode::kRequired;
  req.parallel_tool_calls = false;
  req.params.n = 4;
  req.params.temperature = 1.0f;
  req.params.seed = 11;
  req.params.max_tokens = 300;
  ChatRecorder rec;
  auto id = l.backend->start_chat(req, rec.sink());
  ASSERT_TRUE(id.has_value()) << id.error().message;
  ASSERT_TRUE(rec.wait());
  ASSERT_FALSE(rec.last().error.has_value()) << rec.last().error->message;
  std::map<int, int> calls;
  std::map<int, api::FinishReason> finish;
  for (const auto& e : rec.events) {
    if (e.kind != api::ChatEvent::Kind::kDelta) continue;
    for (const auto& c : e.delta.tool_calls) {
      EXPECT_EQ(c.index, 0);
      calls[e.delta.index] += c.id.empty() ? 0 : 1;
    }
    if (e.delta.finish_reason) finish[e.delta.index] = *e.delta.finish_reason;
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(calls[i], 1) << "choice " << i;
    EXPECT_EQ(finish[i], api::FinishReason::kToolCalls) << "choice " << i;
  }
}

TEST(OutputGrammar, PlainModelsCannotBeForcedToCallToolsAndOthersAreFramed) {
  auto req = user_chat("m", "Hi");
  req.tools = {{.name = "f", .parameters_json = "{}"}};
  EXPECT_EQ(output_grammar(req, {}, "m").value(), nullptr) << "tool_choice auto: free output";
  req.tool_choice.mode = api::ToolChoice::Mode::kRequired;
  auto plain = output_grammar(req, {.format = chat::OutputFormat::kPlain}, "m");
  ASSERT_FALSE(plain.has_value());
  EXPECT_EQ(plain.error().param, "tool_choice");
  EXPECT_NE(plain.error().message.find("model 'm'"), std::string::npos);
  auto hermes = output_grammar(req, {.format = chat::OutputFormat::kHermes}, "m");
  ASSERT_TRUE(hermes.has_value()) << hermes.error().message;
  ASSERT_NE(*hermes, nullptr);
  EXPECT_NE((*hermes)->to_text().find("<"), std::string::npos);
  req.tool_choice.mode = api::ToolChoice::Mode::kNone;
  req.response_format.kind = api::ResponseFormat::Kind::kJsonObject;
  auto object = output_grammar(req, {.format = chat::OutputFormat::kHermes}, "m");
  ASSERT_TRUE(object.has_value());
  EXPECT_NE(*object, nullptr);
  req.response_format = {.kind = api::ResponseFormat::Kind::kJsonSchema, .schema_json = "[1", .strict = true};
  auto broken = output_grammar(req, {}, "m");
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().status(), 400);
}

}  // namespace
}  // namespace sovra::routing
