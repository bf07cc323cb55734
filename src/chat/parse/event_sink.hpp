#pragma once
// Where every output format sends what it recognised. The sink turns that into ParseEvents and, from the very
// same calls, builds the ParseResult, so the streamed deltas and the final result cannot disagree.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chat/parse/parse_event.hpp"

namespace sovra::chat {

// A text channel (content, reasoning) that drops leading whitespace and holds trailing whitespace back until
// non-whitespace follows (dropped at the end), so "</think>\n\n" or the newlines around tool calls do not
// become content. With trim off, text passes through unchanged.
class TrimmedText {
 public:
  explicit TrimmedText(bool trim) : trim_(trim) {}
  // Returns the part of `text` (plus held whitespace) that may be released now.
  std::string take(std::string_view text);

 private:
  bool trim_;
  bool started_ = false;
  std::string held_;
};

struct EventSinkOptions {
  bool trim = true;                     // trim content / reasoning (see TrimmedText); off for plain text
  std::uint64_t id_seed = 0;            // tool-call ids are derived from it
  bool short_ids = false;               // 9 alphanumerics (Mistral's templates reject other ids) instead of call_…
  std::vector<std::string> tool_names;  // non-empty: calls to other names stay content
};

class EventSink {
 public:
  explicit EventSink(EventSinkOptions options);

  // Events produced from now on are appended to `out` (set by OutputParser before every feed/finish).
  void set_output(std::vector<ParseEvent>* out) { out_ = out; }

  void content(std::string_view text);
  void reasoning(std::string_view text);

  bool tool_allowed(std::string_view name) const;
  // Starts a call (emits kToolCallStart) and returns its index. `id` empty: generate one.
  std::size_t start_tool_call(std::string name, std::string id = {});
  void tool_arguments(std::size_t index, std::string_view text);
  std::string_view arguments_so_far(std::size_t index) const;
  // Completes a call: arguments that are empty become "{}"; arguments must be a JSON object, otherwise the call
  // is discarded and `raw` goes to content. Returns whether the call was kept.
  bool end_tool_call(std::size_t index, std::string_view raw);
  // A started call whose text is malformed: kToolCallDiscarded, then `raw` as content, and an issue.
  void discard_tool_call(std::size_t index, std::string_view raw, std::string reason);
  // Text that looked like tool-call markup but never became a call: content, and an issue.
  void malformed(std::string_view raw, std::string reason);

  // Drops held trailing whitespace and returns the result.
  ParseResult finish();

 private:
  struct OpenCall {
    ParsedToolCall call;
    bool open = false;
  };
  void emit(ParseEventKind kind, std::string text, std::size_t index = 0);

  EventSinkOptions options_;
  std::vector<ParseEvent>* out_ = nullptr;
  TrimmedText content_trim_;
  TrimmedText reasoning_trim_;
  ParseResult result_;
  std::vector<OpenCall> calls_;  // every started call, by index
};

}  // namespace sovra::chat
