#include "tokenizer/merge_table.hpp"

namespace sovra::tokenizer {

MergeTable::MergeTable(const std::vector<Entry>& entries) {
  std::size_t capacity = 16;
  while (capacity < entries.size() * 2) capacity *= 2;  // load factor at most 1/2
  slots_.assign(capacity, Entry{});
  mask_ = capacity - 1;
  for (const Entry& e : entries) {
    if (e.left < 0 || e.right < 0) continue;
    for (std::size_t i = slot_of(e.left, e.right);; i = (i + 1) & mask_) {
      Entry& slot = slots_[i];
      if (slot.left == kNoToken) {
        slot = e;
        ++size_;
        break;
      }
      if (slot.left == e.left && slot.right == e.right) {
        if (e.rank < slot.rank) slot = e;
        break;
      }
    }
  }
}

}  // namespace sovra::tokenizer
