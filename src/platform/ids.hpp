#pragma once
// Identifiers and clocks for tenancy objects. Ids are time-ordered ("proj_" + 12 hex digits of milliseconds +
// 16 random hex digits), so ordering by id lists objects in creation order and cursors stay stable.
#include <cstdint>
#include <string>
#include <string_view>

namespace sovra::platform {

std::string random_hex(std::size_t bytes);  // from OpenSSL's CSPRNG, one call each: for secrets
// The same bytes for identifiers (request, record and object ids), served from a per-thread buffer that is refilled
// from OpenSSL's CSPRNG 512 bytes at a time: a relayed call takes three ids, and RAND_bytes costs ~0.5 us a call
// (a getpid system call for its fork check, the DRBG's lock). A forked child never reuses its parent's buffer.
std::string random_id_hex(std::size_t bytes);
std::string new_id(std::string_view prefix);  // prefix "" gives a bare id (used for key ids)
std::int64_t now_seconds();
// The same from the kernel's coarse clock (a few ms behind at most; no precise clock read): for hot paths where whole
// seconds are compared with a margin anyway, such as key expiry at authentication.
std::int64_t now_seconds_coarse();

}  // namespace sovra::platform
