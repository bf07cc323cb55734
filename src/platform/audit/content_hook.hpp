#pragma once
// The content-retention CallHook: for a call whose project opted in (CallInfo::retain_content), its ticket keeps
// the prompt (the request body) and the completion (CallResult::content_completion) in the ContentStore,
// encrypted, before the response's final byte. Calls of other projects get no ticket and cost nothing. The
// database writes run on the hook's own thread, never on the caller's.
#include <memory>

#include "gateway/call.hpp"
#include "platform/audit/content_store.hpp"

namespace sovra::platform::audit {

std::shared_ptr<gateway::CallHook> make_content_hook(std::shared_ptr<ContentStore> content);

}  // namespace sovra::platform::audit
