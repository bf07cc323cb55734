#pragma once
// Protocol-neutral chat request: what the OpenAI and Anthropic parsers produce and what routing, the chat
// templates and the engine consume. Plain data; every field has already been validated by the parser that filled
// it, so code downstream never re-checks ranges or types.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/types/generation.hpp"

namespace sovra::api {

enum class Role : std::uint8_t { kSystem, kDeveloper, kUser, kAssistant, kTool };

const char* role_name(Role role);

// One part of a message's content. Only text is rendered today; the other kinds are kept so the endpoint can
// refuse them with a precise message (and a vision model can accept them later).
struct ContentPart {
  enum class Kind : std::uint8_t { kText, kImage, kAudio, kFile, kRefusal };
  Kind kind = Kind::kText;
  std::string text;  // kText and kRefusal: the text; kImage: the URL (data: or https:); kAudio: the format
};

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text, as the client sent it (OpenAI sends a string)
};

struct ChatMessage {
  Role role = Role::kUser;
  // Text content is the concatenation of the text parts; `parts` keeps the structure when the client sent an
  // array (null content, e.g. an assistant message with only tool calls, leaves both empty and `has_content` false).
  std::string content;
  std::vector<ContentPart> parts;
  bool has_content = false;
  bool content_was_array = false;
  std::string name;                              // optional participant name
  std::vector<ToolCall> tool_calls;              // assistant only
  std::string tool_call_id;                      // tool only
  std::optional<std::string> reasoning_content;  // assistant only (vLLM / DeepSeek extension)

  // True when some part is not text (image, audio, file): the model must support that modality.
  bool has_non_text_parts() const;
};

struct ToolDefinition {
  std::string name;
  std::string description;
  std::string parameters_json;  // JSON Schema of the arguments as serialized JSON; "{}" when absent
  bool strict = false;
};

struct ToolChoice {
  enum class Mode : std::uint8_t { kAuto, kNone, kRequired, kFunction };
  Mode mode = Mode::kAuto;
  std::string function_name;  // kFunction only; always one of the request's tools
};

struct ResponseFormat {
  enum class Kind : std::uint8_t { kText, kJsonObject, kJsonSchema };
  Kind kind = Kind::kText;
  std::string schema_name;
  std::string schema_json;  // kJsonSchema: the schema as serialized JSON ("{}" when absent)
  bool strict = false;
};

struct ChatRequest {
  std::string model;
  std::vector<ChatMessage> messages;
  GenerationParams params;
  std::vector<ToolDefinition> tools;
  ToolChoice tool_choice;  // default: auto with tools, none without
  bool parallel_tool_calls = true;
  ResponseFormat response_format;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::string user;
  std::map<std::string, std::string> metadata;
  // Reasoning ("thinking": Anthropic's `thinking`, the templates' `enable_thinking`). Absent: the model's default.
  std::optional<bool> enable_thinking;
  std::int64_t thinking_budget_tokens = 0;  // tokens the model may spend reasoning; 0: no budget given
};

}  // namespace sovra::api
