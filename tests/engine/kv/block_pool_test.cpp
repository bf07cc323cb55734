#include "engine/kv/block_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "engine/kv/prefix_hash.hpp"

namespace sovra::engine::kv {
namespace {

TEST(BlockPool, AllocatesEveryBlockOnceThenRefuses) {
  BlockPool pool(4, true);
  std::vector<BlockId> got;
  for (int i = 0; i < 4; ++i) {
    auto b = pool.allocate();
    ASSERT_TRUE(b.has_value());
    got.push_back(*b);
  }
  EXPECT_FALSE(pool.allocate().has_value());
  EXPECT_EQ(pool.used(), 4);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<BlockId>{0, 1, 2, 3}));
  for (BlockId b : got) pool.release(b);
  EXPECT_EQ(pool.available(), 4);
  EXPECT_EQ(pool.used(), 0);
}

TEST(BlockPool, RegisteredBlockIsFoundAfterReleaseAndEvictedLeastRecentlyReleasedFirst) {
  BlockPool pool(2, true);
  const std::vector<std::int32_t> a{1, 2, 3, 4};
  const std::vector<std::int32_t> b{5, 6, 7, 8};
  const BlockHash ha = hash_block(kRootHash, a);
  const BlockHash hb = hash_block(kRootHash, b);
  const BlockId ba = *pool.allocate();
  const BlockId bb = *pool.allocate();
  pool.register_content(ba, ha, kRootHash, a);
  pool.register_content(bb, hb, kRootHash, b);
  pool.release(ba);  // released first: evicted first
  pool.release(bb);
  EXPECT_EQ(pool.cached_idle(), 2);
  EXPECT_EQ(pool.available(), 2);
  const BlockId fresh = *pool.allocate();
  EXPECT_EQ(fresh, ba);
  EXPECT_EQ(pool.stats().evictions, 1u);
  EXPECT_FALSE(pool.lookup(ha, kRootHash, a).has_value());
  const auto hit = pool.lookup(hb, kRootHash, b);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(*hit, bb);
  EXPECT_EQ(pool.ref_count(bb), 1);
  EXPECT_EQ(pool.stats().hits, 1u);
  EXPECT_EQ(pool.stats().lookups, 2u);
}

TEST(BlockPool, LookupComparesContentNotJustTheHash) {
  BlockPool pool(1, true);
  const std::vector<std::int32_t> a{1, 2};
  const std::vector<std::int32_t> other{9, 9};
  const BlockId id = *pool.allocate();
  pool.register_content(id, 42, kRootHash, a);
  EXPECT_FALSE(pool.lookup(42, kRootHash, other).has_value());  // same hash, different tokens
  EXPECT_FALSE(pool.lookup(42, 7, a).has_value());              // same tokens, different prefix
  EXPECT_TRUE(pool.lookup(42, kRootHash, a).has_value());
  EXPECT_EQ(pool.ref_count(id), 2);
}

TEST(BlockPool, SharedBlockStaysHeldUntilLastRelease) {
  BlockPool pool(1, true);
  const std::vector<std::int32_t> a{1, 2};
  const BlockId id = *pool.allocate();
  pool.register_content(id, hash_block(kRootHash, a), kRootHash, a);
  ASSERT_TRUE(pool.lookup(hash_block(kRootHash, a), kRootHash, a).has_value());
  pool.release(id);
  EXPECT_EQ(pool.used(), 1);
  pool.release(id);
  EXPECT_EQ(pool.used(), 0);
  pool.reset_prefix_cache();
  EXPECT_EQ(pool.cached_idle(), 0);
  EXPECT_EQ(pool.available(), 1);
}

TEST(BlockPool, WithoutPrefixCachingNothingIsFound) {
  BlockPool pool(1, false);
  const std::vector<std::int32_t> a{1, 2};
  const BlockId id = *pool.allocate();
  pool.register_content(id, 1, kRootHash, a);
  EXPECT_FALSE(pool.lookup(1, kRootHash, a).has_value());
  pool.release(id);
  EXPECT_EQ(pool.cached_idle(), 0);
}

TEST(PrefixHash, ChainsByPrefix) {
  const std::vector<std::int32_t> x{1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<std::int32_t> y{9, 2, 3, 4, 5, 6, 7, 8};
  std::vector<BlockHash> hx, hy;
  extend_block_hashes(x, 4, hx);
  extend_block_hashes(y, 4, hy);
  ASSERT_EQ(hx.size(), 2u);
  ASSERT_EQ(hy.size(), 2u);
  EXPECT_NE(hx[0], hy[0]);
  EXPECT_NE(hx[1], hy[1]);  // same tokens in block 1, different prefix
  std::vector<BlockHash> partial;
  extend_block_hashes(std::span<const std::int32_t>(x).first(5), 4, partial);
  ASSERT_EQ(partial.size(), 1u);
  extend_block_hashes(x, 4, partial);
  EXPECT_EQ(partial, hx);
}

}  // namespace
}  // namespace sovra::engine::kv
