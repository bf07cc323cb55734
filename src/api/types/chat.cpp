#include "api/types/chat.hpp"

#include "api/types/completion.hpp"

#include <algorithm>

namespace sovra::api {

const char* role_name(Role role) {
  switch (role) {
    case Role::kSystem:
      return "system";
    case Role::kDeveloper:
      return "developer";
    case Role::kUser:
      return "user";
    case Role::kAssistant:
      return "assistant";
    case Role::kTool:
      return "tool";
  }
  return "user";
}

bool ChatMessage::has_non_text_parts() const {
  return std::any_of(parts.begin(), parts.end(), [](const ContentPart& p) {
    return p.kind != ContentPart::Kind::kText && p.kind != ContentPart::Kind::kRefusal;
  });
}

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kToolCalls:
      return "tool_calls";
    case FinishReason::kContentFilter:
      return "content_filter";
  }
  return "stop";
}

}  // namespace sovra::api
