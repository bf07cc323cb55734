#pragma once
// Allocations on transparent huge pages: 2 MiB aligned, whole 2 MiB pages, advised MADV_HUGEPAGE. For the large
// buffers the engine walks on every step (the weight arena, the paged KV cache), where 4 KiB pages would cost a TLB
// miss every 4 KiB.
//
// Contract: the memory is not initialised; the kernel may still back it with small pages (advice, not a promise).
#include <cstddef>
#include <memory>

namespace sovra::common {

struct HugePageFree {
  void operator()(std::byte* p) const;
};
using HugePageBuffer = std::unique_ptr<std::byte[], HugePageFree>;

// At least `bytes` (rounded up to whole 2 MiB pages, one page at least); empty when the allocation fails.
HugePageBuffer allocate_huge_pages(std::size_t bytes);

}  // namespace sovra::common
