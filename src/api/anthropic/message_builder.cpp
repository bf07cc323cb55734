#include "api/anthropic/message_builder.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "api/anthropic/error.hpp"
#include "common/json.hpp"
#include "common/json_escape.hpp"
#include "platform/ids.hpp"

namespace sovra::api::anthropic {
namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

void append_frame(std::string* frames, std::string_view event, std::string_view data) {
  if (frames == nullptr) return;
  frames->append("event: ").append(event).append("\ndata: ").append(data).append("\n\n");
}

bool valid_tool_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// {"input_tokens":…,…}: Anthropic counts cache reads apart from input_tokens (their sum is the prompt).
void append_usage_counts(std::string& out, const Usage& usage) {
  const std::int64_t cached = std::clamp<std::int64_t>(usage.cached_prompt_tokens, 0, usage.prompt_tokens);
  fmt::format_to(std::back_inserter(out),
                 R"("input_tokens":{},"cache_creation_input_tokens":0,"cache_read_input_tokens":{})",
                 usage.prompt_tokens - cached, cached);
}

void append_message_usage(std::string& out, const Usage& usage) {
  out += "{";
  append_usage_counts(out, usage);
  fmt::format_to(std::back_inserter(out),
                 R"(,"cache_creation":null,"output_tokens":{},"server_tool_use":null,"service_tier":"standard"}})",
                 usage.completion_tokens);
}

// The tool input as a JSON object: the generated arguments when they are one, else {} (a model that produced
// no or broken arguments; the text is never passed on as something it is not).
std::string tool_input_json(std::string_view arguments) {
  if (arguments.empty()) return "{}";
  auto parsed = parse_json(arguments);
  if (!parsed || !parsed->is_object()) return "{}";
  return boost::json::serialize(*parsed);
}

void append_block_start(std::string& out, const MessageBuilder::Block& b, bool with_content) {
  switch (b.kind) {
    case MessageBuilder::Block::Kind::kThinking:
      out += R"({"type":"thinking","thinking":)";
      append_string(out, with_content ? std::string_view(b.text) : std::string_view());
      out += R"(,"signature":""})";
      return;
    case MessageBuilder::Block::Kind::kText:
      out += R"({"type":"text","text":)";
      append_string(out, with_content ? std::string_view(b.text) : std::string_view());
      out += R"(,"citations":null})";
      return;
    case MessageBuilder::Block::Kind::kToolUse:
      out += R"({"type":"tool_use","id":)";
      append_string(out, b.tool_id);
      out += R"(,"name":)";
      append_string(out, b.tool_name);
      out += R"(,"input":)";
      out += with_content ? tool_input_json(b.text) : "{}";
      out += '}';
      return;
  }
}

void append_text_delta(std::string* frames, std::size_t index, std::string_view type, std::string_view field,
                       std::string_view text) {
  if (frames == nullptr) return;
  std::string data =
      fmt::format(R"({{"type":"content_block_delta","index":{},"delta":{{"type":"{}","{}":)", index, type, field);
  append_string(data, text);
  data += "}}";
  append_frame(frames, "content_block_delta", data);
}

}  // namespace

const char* stop_reason_name(FinishReason reason, bool stop_sequence) {
  switch (reason) {
    case FinishReason::kStop:
      return stop_sequence ? "stop_sequence" : "end_turn";
    case FinishReason::kLength:
      return "max_tokens";
    case FinishReason::kToolCalls:
      return "tool_use";
    case FinishReason::kContentFilter:
      return "refusal";
  }
  return "end_turn";
}

MessageBuilder::MessageBuilder(MessageHeader header, bool emit_thinking)
    : header_(std::move(header)), emit_thinking_(emit_thinking) {}

std::string MessageBuilder::start_frames(std::int64_t input_tokens) const {
  std::string data = R"({"type":"message_start","message":{"id":)";
  append_string(data, header_.id);
  data += R"(,"type":"message","role":"assistant","model":)";
  append_string(data, header_.model);
  data += R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":)";
  append_message_usage(data, Usage{.prompt_tokens = input_tokens});
  data += "}}";
  std::string frames;
  append_frame(&frames, "message_start", data);
  append_frame(&frames, "ping", R"({"type":"ping"})");
  return frames;
}

void MessageBuilder::open(Block block, std::string* frames) {
  close(frames);
  blocks_.push_back(std::move(block));
  open_ = true;
  if (frames == nullptr) return;
  std::string data = fmt::format(R"({{"type":"content_block_start","index":{},"content_block":)", blocks_.size() - 1);
  append_block_start(data, blocks_.back(), false);
  data += '}';
  append_frame(frames, "content_block_start", data);
}

void MessageBuilder::close(std::string* frames) {
  if (!open_) return;
  open_ = false;
  append_frame(frames, "content_block_stop",
               fmt::format(R"({{"type":"content_block_stop","index":{}}})", blocks_.size() - 1));
}

void MessageBuilder::add(const ChatDelta& delta, std::string* frames) {
  if (delta.index != 0) return;  // Anthropic has one choice; the handler never asks for more
  auto current = [&]() -> Block* { return open_ ? &blocks_.back() : nullptr; };
  if (emit_thinking_ && delta.reasoning_content && !delta.reasoning_content->empty()) {
    if (current() == nullptr || current()->kind != Block::Kind::kThinking)
      open({.kind = Block::Kind::kThinking}, frames);
    blocks_.back().text += *delta.reasoning_content;
    append_text_delta(frames, blocks_.size() - 1, "thinking_delta", "thinking", *delta.reasoning_content);
  }
  if (delta.content && !delta.content->empty()) {
    if (current() == nullptr || current()->kind != Block::Kind::kText) open({.kind = Block::Kind::kText}, frames);
    blocks_.back().text += *delta.content;
    append_text_delta(frames, blocks_.size() - 1, "text_delta", "text", *delta.content);
  }
  for (const ToolCallDelta& call : delta.tool_calls) {
    Block* b = current();
    if (b == nullptr || b->kind != Block::Kind::kToolUse || b->tool_index != call.index) {
      open({.kind = Block::Kind::kToolUse,
            .tool_id = valid_tool_id(call.id) ? call.id : platform::new_id("toolu"),
            .tool_name = call.name,
            .tool_index = call.index},
           frames);
    }
    if (!call.arguments.empty()) {
      blocks_.back().text += call.arguments;
      append_text_delta(frames, blocks_.size() - 1, "input_json_delta", "partial_json", call.arguments);
    }
  }
  if (delta.finish_reason) {
    finish_reason_ = delta.finish_reason;
    stop_sequence_ = *delta.finish_reason == FinishReason::kStop ? delta.stop_sequence : std::string();
  }
}

const char* MessageBuilder::stop_reason() const {
  return stop_reason_name(finish_reason_.value_or(FinishReason::kStop), !stop_sequence_.empty());
}

void MessageBuilder::finish(const Usage& usage, std::string* frames) {
  close(frames);
  if (frames == nullptr) return;
  std::string data = R"({"type":"message_delta","delta":{"stop_reason":")";
  data += stop_reason();
  data += R"(","stop_sequence":)";
  if (stop_sequence_.empty()) {
    data += "null";
  } else {
    append_string(data, stop_sequence_);
  }
  data += R"(},"usage":{)";
  append_usage_counts(data, usage);
  fmt::format_to(std::back_inserter(data), R"(,"output_tokens":{},"server_tool_use":null}}}})",
                 usage.completion_tokens);
  append_frame(frames, "message_delta", data);
}

std::string MessageBuilder::stop_frame() {
  std::string frames;
  append_frame(&frames, "message_stop", R"({"type":"message_stop"})");
  return frames;
}

std::string MessageBuilder::error_frame(const Error& error, std::string_view request_id) {
  std::string frames;
  append_frame(&frames, "error", error_json(error, request_id));
  return frames;
}

std::string MessageBuilder::message_json(const Usage& usage) const {
  std::string out = R"({"id":)";
  append_string(out, header_.id);
  out += R"(,"type":"message","role":"assistant","model":)";
  append_string(out, header_.model);
  out += R"(,"content":[)";
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    if (i > 0) out += ',';
    append_block_start(out, blocks_[i], true);
  }
  out += R"(],"stop_reason":")";
  out += stop_reason();
  out += R"(","stop_sequence":)";
  if (stop_sequence_.empty()) {
    out += "null";
  } else {
    append_string(out, stop_sequence_);
  }
  out += R"(,"usage":)";
  append_message_usage(out, usage);
  out += '}';
  return out;
}

}  // namespace sovra::api::anthropic
