#pragma once
// What the output parser tells its consumer: a stream of typed events while text is generated, and one final
// result when generation ends. This is the interface the OpenAI and Anthropic API layers consume.
//
// Event contract (for one OutputParser, from construction to finish()):
//  - kContent / kReasoning: `text` is a non-empty delta of the assistant's visible answer / of its reasoning.
//    OpenAI maps them to `delta.content` / `delta.reasoning_content`; Anthropic to text / thinking deltas.
//    The concatenation of all kContent texts equals ParseResult::content, and of all kReasoning texts equals
//    ParseResult::reasoning_content, byte for byte.
//  - kToolCallStart: a tool call begins; `index` (0, 1, 2, … in order of starts), `id` and `name` are set and final.
//    Every later event of this call carries the same `index`.
//  - kToolCallArguments: `text` is the next piece of the call's arguments (JSON text). The concatenation of a
//    call's argument deltas equals that call's ParsedToolCall::arguments. OpenAI: `delta.tool_calls[i]
//    .function.arguments`.
//  - kToolCallEnd: the call is complete and valid; it is in ParseResult::tool_calls (with the same index).
//  - kToolCallDiscarded: the call started but its text turned out malformed (invalid JSON, truncated output,
//    a tool that was not offered). It is NOT in ParseResult::tool_calls; its whole raw text follows as kContent
//    (never lose text) and ParseResult::issues says why. A consumer that already relayed the start may ignore
//    this event or close the call; the content that follows is the truth.
//  - Events of a tool call are never interleaved with another call's; content or reasoning may come between calls.
//  - No partial marker (e.g. "<tool_" of "<tool_call>") ever appears in a text delta: the parser holds back only
//    the text that could still become a marker and releases it as soon as it cannot.
//  - Whether the text was fed whole or in any split, the same final result is produced and the concatenated
//    deltas are the same (deltas themselves may be cut differently).
#include <cstddef>
#include <string>
#include <vector>

namespace sovra::chat {

enum class ParseEventKind {
  kContent,
  kReasoning,
  kToolCallStart,
  kToolCallArguments,
  kToolCallEnd,
  kToolCallDiscarded,
};

struct ParseEvent {
  ParseEventKind kind = ParseEventKind::kContent;
  std::string text;       // kContent, kReasoning, kToolCallArguments
  std::size_t index = 0;  // tool-call events: the call's position in the stream
  std::string id;         // kToolCallStart
  std::string name;       // kToolCallStart

  bool operator==(const ParseEvent&) const = default;
};

struct ParsedToolCall {
  std::size_t index = 0;  // the index its stream events carried
  std::string id;         // the model's own id if it wrote one (Mistral [CALL_ID]), else generated from
                          // OutputParserOptions::id_seed: "call_" + 24 alphanumerics, or 9 alphanumerics for
                          // Mistral, whose chat templates reject any other id when the call is sent back
  std::string name;
  std::string arguments;  // a JSON object as text: the model's own JSON, validated, whitespace-trimmed

  bool operator==(const ParsedToolCall&) const = default;
};

struct ParseResult {
  std::string content;
  std::string reasoning_content;
  std::vector<ParsedToolCall> tool_calls;
  // Why some text that looked like a tool call was kept as content, for logs and metrics: fixed wording, byte
  // offsets and indices only, never the model's text (not even a tool name).
  std::vector<std::string> issues;

  bool operator==(const ParseResult&) const = default;
};

const char* parse_event_kind_name(ParseEventKind kind);

}  // namespace sovra::chat
