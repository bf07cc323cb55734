#include "engine/kv/block_pool.hpp"

#include <algorithm>
#include <cassert>

namespace sovra::engine::kv {

BlockPool::BlockPool(std::int32_t n_blocks, bool prefix_caching)
    : blocks_(static_cast<std::size_t>(std::max(0, n_blocks))), prefix_caching_(prefix_caching) {
  free_.reserve(blocks_.size());
  // Stack order: block 0 is handed out first.
  for (std::int32_t i = n_blocks - 1; i >= 0; --i) free_.push_back(i);
}

std::optional<BlockId> BlockPool::allocate() {
  BlockId id = -1;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else if (!idle_.empty()) {
    id = idle_.front();
    idle_.pop_front();
    unregister(id);
    ++stats_.evictions;
  } else {
    return std::nullopt;
  }
  Block& b = blocks_[static_cast<std::size_t>(id)];
  assert(b.refs == 0);
  b.refs = 1;
  return id;
}

std::optional<BlockId> BlockPool::lookup(BlockHash hash, BlockHash parent, std::span<const std::int32_t> tokens) {
  if (!prefix_caching_) return std::nullopt;
  ++stats_.lookups;
  const auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  Block& b = blocks_[static_cast<std::size_t>(it->second)];
  if (b.parent != parent || !std::equal(b.tokens.begin(), b.tokens.end(), tokens.begin(), tokens.end())) {
    return std::nullopt;
  }
  if (b.refs == 0) idle_.erase(b.idle_it);
  ++b.refs;
  ++stats_.hits;
  return it->second;
}

void BlockPool::register_content(BlockId id, BlockHash hash, BlockHash parent, std::span<const std::int32_t> tokens) {
  if (!prefix_caching_) return;
  Block& b = blocks_[static_cast<std::size_t>(id)];
  assert(b.refs > 0);
  if (b.registered || by_hash_.count(hash) != 0) return;
  b.registered = true;
  b.hash = hash;
  b.parent = parent;
  b.tokens.assign(tokens.begin(), tokens.end());
  by_hash_.emplace(hash, id);
}

void BlockPool::release(BlockId id) {
  Block& b = blocks_[static_cast<std::size_t>(id)];
  assert(b.refs > 0);
  if (--b.refs > 0) return;
  if (b.registered) {
    b.idle_it = idle_.insert(idle_.end(), id);
  } else {
    free_.push_back(id);
  }
}

void BlockPool::reset_prefix_cache() {
  for (BlockId id : idle_) {
    unregister(id);
    free_.push_back(id);
  }
  idle_.clear();
}

void BlockPool::unregister(BlockId id) {
  Block& b = blocks_[static_cast<std::size_t>(id)];
  if (!b.registered) return;
  by_hash_.erase(b.hash);
  b.registered = false;
  b.tokens.clear();
}

}  // namespace sovra::engine::kv
