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
//  - Between a call's start and its end (or discard) only that call's argument deltas appear; content, reasoning
//    and other calls come before or after it.
//  - No partial marker (e.g. "<tool_" of "<tool_call>") ever appears in a text delta. Text is held back only while
//    it could still be the beginning of a marker, while it is markup whose meaning is not known yet (a harmony
//    header before <|message|>, a tool name before [ARGS]), while it is a call that cannot be streamed (arguments
//    written before the name, a Llama 3 JSON output or <|python_tag|> code until complete), or while it is
//    whitespace that trimming may drop; it is released as soon as none of these holds.
//  - Trimming: except for the plain format without reasoning (where content is the text, unchanged), content and
//    reasoning lose their leading and trailing whitespace ("</think>\n\n", newlines around tool calls).
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
