// Fuzzes the POST /tokenize and /detokenize request parsers: any JSON body either parses into a request whose
// invariants hold or fails with a message and a status of 400.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/openai/tokenize_request.hpp"
#include "common/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = sovra::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  if (auto t = sovra::api::openai::parse_tokenize_request(*json)) {
    if (t->prompt.has_value() == t->chat.has_value()) std::abort();  // exactly one form
    if (t->chat && t->chat->messages.empty()) std::abort();
  } else if (t.error().message.empty() || t.error().status() != 400) {
    std::abort();
  }
  if (auto d = sovra::api::openai::parse_detokenize_request(*json)) {
    for (const std::int32_t id : d->tokens) {
      if (id < 0) std::abort();
    }
    if (d->tokens.size() > sovra::api::openai::kMaxDetokenizeTokens) std::abort();
  } else if (d.error().message.empty() || d.error().status() != 400) {
    std::abort();
  }
  return 0;
}
