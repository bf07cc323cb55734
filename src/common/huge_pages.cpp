#include "common/huge_pages.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>

namespace sovra::common {

void HugePageFree::operator()(std::byte* p) const { std::free(p); }

HugePageBuffer allocate_huge_pages(std::size_t bytes) {
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  const std::size_t total = std::max<std::size_t>((bytes + kHugePage - 1) / kHugePage * kHugePage, kHugePage);
  auto* p = static_cast<std::byte*>(std::aligned_alloc(kHugePage, total));
  if (p != nullptr) ::madvise(p, total, MADV_HUGEPAGE);
  return HugePageBuffer(p);
}

}  // namespace sovra::common
