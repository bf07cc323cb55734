// jemalloc's options for the sovra binary, compiled in (this file is linked only when the binary is built with
// jemalloc: cmake/Dependencies.cmake). jemalloc reads them before main; an operator's MALLOC_CONF environment
// variable is applied after them and wins, option by option.
//   percpu_arena:percpu   one arena per CPU (2 on a 2-core machine, like the two glibc arenas main sets otherwise):
//                         memory freed by another thread goes back to a few shared arenas, not one per thread;
//   dirty_decay_ms:1000   freed pages go back to the kernel after ~1 s instead of ~10 s, and
//   muzzy_decay_ms:0      without a second, lazily purged stage: with 1 000 open streams reopened every minute
//                         (bench/gateway_memory) the RSS stays within the 64 MiB the gateway is held to. Purging
//                         at once (dirty_decay_ms:0) doubled the CPU per relayed call.
extern "C" {
// NOLINTNEXTLINE(readability-identifier-naming): the name jemalloc looks up
extern const char* malloc_conf;
const char* malloc_conf = "percpu_arena:percpu,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
