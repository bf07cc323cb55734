#include "chat/parse/parse_event.hpp"

namespace sovra::chat {

const char* parse_event_kind_name(ParseEventKind kind) {
  switch (kind) {
    case ParseEventKind::kContent:
      return "content";
    case ParseEventKind::kReasoning:
      return "reasoning";
    case ParseEventKind::kToolCallStart:
      return "tool_call_start";
    case ParseEventKind::kToolCallArguments:
      return "tool_call_arguments";
    case ParseEventKind::kToolCallEnd:
      return "tool_call_end";
    case ParseEventKind::kToolCallDiscarded:
      return "tool_call_discarded";
  }
  return "unknown";
}

}  // namespace sovra::chat
