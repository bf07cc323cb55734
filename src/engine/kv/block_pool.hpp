#pragma once
// BlockPool: the bookkeeping of a paged KV cache — which fixed-size blocks are free, which are held by how many
// sequences, and which hold known content (prefix caching). It owns no tensors: block ids index the storage in
// model/paged_kv_cache.hpp.
//
// Contract:
// - A block is in exactly one state: free (no content), held (ref_count > 0), or cached-idle (ref_count 0 but
//   content registered under a hash; reusable by lookup() until allocate() evicts it, least recently released
//   first).
// - allocate() returns a block with ref_count 1 and no registered content, taking a free block first and else
//   evicting the least recently released cached-idle one; nullopt when neither exists.
// - lookup(hash, parent, tokens) finds a block registered with exactly that content and prefix and takes a
//   reference on it (reviving it from the idle list); register_content() makes a held block findable (ignored
//   when that content is already registered to another block, or prefix caching is off).
// - release() drops one reference; at zero the block becomes cached-idle (if registered) or free.
// - Not thread-safe: owned by one scheduler, used by its thread.
#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/kv/prefix_hash.hpp"

namespace sovra::engine::kv {

using BlockId = std::int32_t;

struct BlockPoolStats {
  std::uint64_t lookups = 0;  // lookup() calls
  std::uint64_t hits = 0;     // lookups that found a block
  std::uint64_t evictions = 0;
};

class BlockPool {
 public:
  BlockPool(std::int32_t n_blocks, bool prefix_caching);

  std::int32_t n_blocks() const { return static_cast<std::int32_t>(blocks_.size()); }
  // Blocks allocate() can hand out now (free + cached-idle).
  std::int32_t available() const { return static_cast<std::int32_t>(free_.size() + idle_.size()); }
  // Blocks held by at least one sequence.
  std::int32_t used() const { return n_blocks() - available(); }
  std::int32_t cached_idle() const { return static_cast<std::int32_t>(idle_.size()); }
  bool prefix_caching() const { return prefix_caching_; }
  const BlockPoolStats& stats() const { return stats_; }
  std::int32_t ref_count(BlockId id) const { return blocks_[static_cast<std::size_t>(id)].refs; }

  std::optional<BlockId> allocate();
  std::optional<BlockId> lookup(BlockHash hash, BlockHash parent, std::span<const std::int32_t> tokens);
  void register_content(BlockId id, BlockHash hash, BlockHash parent, std::span<const std::int32_t> tokens);
  void release(BlockId id);
  // Forgets every cached-idle block's content (they become free), e.g. after a model reload.
  void reset_prefix_cache();

 private:
  struct Block {
    std::int32_t refs = 0;
    bool registered = false;
    BlockHash hash = 0;
    BlockHash parent = 0;
    std::vector<std::int32_t> tokens;      // the content, to rule out hash collisions
    std::list<BlockId>::iterator idle_it;  // valid while cached-idle
  };

  void unregister(BlockId id);

  std::vector<Block> blocks_;
  std::vector<BlockId> free_;                       // stack
  std::list<BlockId> idle_;                         // cached-idle, least recently released first
  std::unordered_map<BlockHash, BlockId> by_hash_;  // registered blocks
  bool prefix_caching_;
  BlockPoolStats stats_;
};

}  // namespace sovra::engine::kv
