#pragma once
// MessageBuilder: turns the protocol-neutral stream of one chat call (api::ChatDelta of choice 0) into Anthropic's
// content blocks — thinking (from reasoning_content), text, tool_use (one per tool call) — in the order they were
// generated, one block open at a time. Streaming calls take the SSE frames of each step (content_block_start /
// _delta / _stop, message_start, message_delta, message_stop, ping, error); non-streaming calls take the
// Message object at the end. Both come from the same state, so a stream and a response agree block for block.
//
// Not thread-safe: the handler feeds one call's events in order (the events contract guarantees no concurrency).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types/completion.hpp"
#include "common/error.hpp"

namespace sovra::api::anthropic {

struct MessageHeader {
  std::string id;     // msg_…
  std::string model;  // as the client asked for it
};

// "end_turn", "max_tokens", "stop_sequence", "tool_use", "refusal".
const char* stop_reason_name(FinishReason reason, bool stop_sequence);

class MessageBuilder {
 public:
  struct Block {
    enum class Kind : std::uint8_t { kThinking, kText, kToolUse };
    Kind kind = Kind::kText;
    std::string text;  // thinking, text, or the tool input's JSON text as generated
    std::string tool_id;
    std::string tool_name;
    std::int32_t tool_index = -1;  // the backend's index of the tool call
  };

  // `emit_thinking`: false drops reasoning_content (the client turned thinking off).
  MessageBuilder(MessageHeader header, bool emit_thinking);

  // Streaming: `frames` receives SSE frames; nullptr when only the final message is wanted.
  std::string start_frames(std::int64_t input_tokens) const;  // message_start + ping
  void add(const ChatDelta& delta, std::string* frames);
  // Closes the open block and writes message_delta (stop reason and usage). message_stop is separate because
  // it may be sent only once the call's tickets are finished.
  void finish(const Usage& usage, std::string* frames);
  static std::string stop_frame();                                                  // message_stop
  static std::string error_frame(const Error& error, std::string_view request_id);  // event: error

  // Non-streaming: the Message object (call after finish()).
  std::string message_json(const Usage& usage) const;

  const std::vector<Block>& blocks() const { return blocks_; }
  const char* stop_reason() const;
  const std::string& stop_sequence() const { return stop_sequence_; }

 private:
  void open(Block block, std::string* frames);
  void close(std::string* frames);

  MessageHeader header_;
  bool emit_thinking_;
  std::vector<Block> blocks_;
  bool open_ = false;  // the last block in blocks_ is open
  std::optional<FinishReason> finish_reason_;
  std::string stop_sequence_;
};

}  // namespace sovra::api::anthropic
