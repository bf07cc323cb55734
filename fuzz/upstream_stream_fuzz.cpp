// Fuzzes what an upstream server controls in a streamed answer: the SSE bytes (split at a position chosen by the
// input, as TCP may split them), each event's chunk JSON (chat and text), embedding and rerank answers, and an error
// response body. Every input must end in events or a clear error, never a crash. Differential: a chunk the simple
// chat-chunk decoder reads must decode to the same fields through the JSON tree.
#include <cstdint>
#include <set>
#include <string>

#include "routing/openai_wire.hpp"
#include "routing/sse_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  sovra::routing::SseDecoder decoder(4096);
  std::set<std::int32_t> seen;
  auto on_message = [&](sovra::routing::SseMessage&& m) {
    (void)sovra::routing::decode_chat_chunk(m.data, seen);
    (void)sovra::routing::decode_text_chunk(m.data);
  };
  if (decoder.feed(std::string_view(input).substr(0, split), on_message)) {
    (void)decoder.feed(std::string_view(input).substr(split), on_message);
  }
  (void)sovra::routing::decode_chat_chunk(input, seen);
  if (auto simple = sovra::routing::decode_simple_chat_chunk(input)) {
    std::set<std::int32_t> fresh;
    auto tree = sovra::routing::decode_chat_chunk_tree(input, fresh);
    if (!tree) __builtin_trap();
    for (auto& d : tree->deltas) d.role = false;
    if (!sovra::routing::same_chat_chunk(*simple, *tree)) __builtin_trap();
  }
  (void)sovra::routing::decode_embedding_response(input, split % 4);
  (void)sovra::routing::decode_rerank_response(input, split % 4);
  const auto e = sovra::routing::upstream_error(400 + static_cast<int>(split % 200), input);
  if (e.message.empty() || e.status() < 400) __builtin_trap();
  return 0;
}
