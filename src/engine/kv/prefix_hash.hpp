#pragma once
// Content hashes of full KV blocks, chained by prefix: the hash of block i covers the tokens of block i and the
// hash of block i-1, so two sequences share a block hash exactly when they share every token up to the end of
// that block (barring a 64-bit collision, which BlockPool rules out by comparing the tokens themselves).
#include <cstdint>
#include <span>
#include <vector>

namespace sovra::engine::kv {

using BlockHash = std::uint64_t;
inline constexpr BlockHash kRootHash = 0x9e3779b97f4a7c15ULL;  // parent of a sequence's first block

BlockHash hash_block(BlockHash parent, std::span<const std::int32_t> tokens);

// Hashes of the full blocks of `tokens` ([0, tokens.size() / block_size)), appended to `hashes` from index
// hashes.size() on (already computed ones are kept).
void extend_block_hashes(std::span<const std::int32_t> tokens, std::int32_t block_size, std::vector<BlockHash>& hashes);

}  // namespace sovra::engine::kv
