// Structured output through the LocalBackend: response_format json_schema / json_object and tool_choice required
// or named, decoded under a grammar by the engine on stories260K (a model that never saw JSON).
#include <gtest/gtest.h>

#include "chat/parse/output_parser.hpp"
#include "common/json.hpp"
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
  req.response_format = {.kind = api::ResponseFormat::Kind::kJsonSchema,
                         .schema_name = "person",
                         .schema_json = kSchema,
                         .strict = true};
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
