#pragma once

#include <string_view>

namespace sovra {

/// Names the calling thread for `top -H`, `ps -L`, perf and debuggers ("sovra-ledger", "sovra-http"). Linux keeps
/// 15 bytes of it; longer names are cut. Best effort: a failure changes nothing else.
void set_thread_name(std::string_view name);

}  // namespace sovra
