// ChatCall with parallel_tool_calls = false in tool_choice auto: the choice's engine request ends as soon as its
// first tool call is complete, not when the model stops. The model (stories260K-chat, Hermes syntax) is driven by a
// grammar that makes it write one call and then a fixed second call, so the test knows what an unstopped run writes.
#include "routing/chat_call.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"
#include "engine/sampling/grammar/constraint.hpp"
#include "engine/sampling/grammar/json_schema.hpp"
#include "routing/generation_request.hpp"
#include "routing/local_backend_support.hpp"
#include "routing/local_model.hpp"

namespace sovra::routing {
namespace {

using namespace testing;

constexpr const char* kSecondCall = "\n</tool_call>\n<tool_call>\n{\"name\":\"g\",\"arguments\":{\"zone\":\"UTC\"}}";

struct Outcome {
  int calls = 0;  // tool calls started (deltas with an id)
  std::optional<api::FinishReason> finish;
  api::Usage usage;
};

Outcome run(const LocalModel& m, bool single_tool_call) {
  const auto grammar = sampling::grammar::compile_json_schema(
      *parse_json(R"({"type":"object","properties":{"name":{"const":"f"},"arguments":{"type":"object",
          "properties":{"x":{"type":"integer","minimum":1,"maximum":9}},"required":["x"],"additionalProperties":false}},
          "required":["name","arguments"],"additionalProperties":false})"),
      {.strict = true, .prefix = "<tool_call>\n", .suffix = std::string(kSecondCall) + "\n</tool_call>"});
  EXPECT_TRUE(grammar.has_value()) << grammar.error().message;
  auto trie = m.trie();
  EXPECT_TRUE(trie.has_value());
  api::GenerationParams params;
  params.temperature = 0.0f;
  engine::GenerationRequest r = generation_request(m, params, m.tokenize("Once upon a time", true, false), 300, 1, 0);
  r.constraint = std::make_shared<sampling::grammar::GrammarConstraint>(*grammar, *trie);
  std::vector<chat::OutputParser> parsers;
  parsers.emplace_back(
      chat::OutputParserOptions{.syntax = m.syntax(), .tool_calls = true, .tool_names = {"f", "g"}, .id_seed = 7});
  ChatRecorder rec;
  auto call = std::make_shared<ChatCall>(m.engine_ptr(), m.tokenizer(), std::move(parsers), false, single_tool_call,
                                         rec.sink());
  std::vector<engine::GenerationRequest> requests;
  requests.push_back(std::move(r));
  const Status st = call->start(std::move(requests), {true}, [] {});
  EXPECT_TRUE(st.has_value()) << st.error().message;
  EXPECT_TRUE(rec.wait());
  Outcome out;
  std::lock_guard lock(rec.mu);
  for (const auto& e : rec.events) {
    if (e.kind == api::ChatEvent::Kind::kFinished) {
      EXPECT_FALSE(e.error.has_value()) << e.error->message;
      out.usage = e.usage;
      continue;
    }
    for (const auto& c : e.delta.tool_calls) out.calls += c.id.empty() ? 0 : 1;
    if (e.delta.finish_reason) out.finish = e.delta.finish_reason;
  }
  return out;
}

TEST(ChatCall, SingleToolCallStopsGenerationWhenTheFirstCallIsComplete) {
  if (!std::filesystem::exists(shared_model("stories260K-chat.gguf"))) {
    GTEST_SKIP() << shared_model("stories260K-chat.gguf") << " is absent (../shared)";
  }
  auto l = load_backend("stories260K-chat.gguf", "cc-single");
  ASSERT_TRUE(l.backend);
  auto model = LocalModel::create("cc-single", l.registry->find("cc-single"));
  ASSERT_TRUE(model.has_value()) << model.error().message;
  ASSERT_EQ((*model)->syntax().format, chat::OutputFormat::kHermes);

  const Outcome all = run(**model, false);
  EXPECT_EQ(all.calls, 2) << "the grammar writes a second call after the first";
  EXPECT_EQ(all.finish, api::FinishReason::kToolCalls);

  const Outcome one = run(**model, true);
  EXPECT_EQ(one.calls, 1);
  EXPECT_EQ(one.finish, api::FinishReason::kToolCalls);
  EXPECT_GT(one.usage.completion_tokens, 0);
  // Greedy: both runs write the same first call; the stopped one ends there (a token in flight at most), well
  // before the second call's tokens.
  const auto second_call_tokens = static_cast<std::int64_t>((*model)->tokenize(kSecondCall, false, false).size());
  EXPECT_LE(one.usage.completion_tokens, all.usage.completion_tokens - second_call_tokens + 2)
      << "stopped " << one.usage.completion_tokens << " vs full " << all.usage.completion_tokens;
  EXPECT_EQ(one.usage.prompt_tokens, all.usage.prompt_tokens);
}

}  // namespace
}  // namespace sovra::routing
