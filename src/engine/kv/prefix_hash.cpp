#include "engine/kv/prefix_hash.hpp"

namespace sovra::engine::kv {
namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  // splitmix64-style finalizer over the running state: cheap and well distributed.
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

}  // namespace

BlockHash hash_block(BlockHash parent, std::span<const std::int32_t> tokens) {
  std::uint64_t h = mix(parent, tokens.size());
  for (auto t : tokens) h = mix(h, static_cast<std::uint32_t>(t));
  return h;
}

void extend_block_hashes(std::span<const std::int32_t> tokens, std::int32_t block_size,
                         std::vector<BlockHash>& hashes) {
  const std::size_t full = tokens.size() / static_cast<std::size_t>(block_size);
  for (std::size_t b = hashes.size(); b < full; ++b) {
    const BlockHash parent = b == 0 ? kRootHash : hashes[b - 1];
    hashes.push_back(hash_block(parent, tokens.subspan(b * block_size, block_size)));
  }
}

}  // namespace sovra::engine::kv
