#pragma once
// Finding markers (special strings such as "<tool_call>") in streamed text without ever releasing a marker's
// first bytes as text: the shared primitive of every output format.
#include <cstddef>
#include <initializer_list>
#include <string_view>

namespace sovra::chat {

struct MarkerScan {
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t pos = kNone;     // where the earliest complete marker starts, kNone if none
  std::size_t marker = kNone;  // which marker (index into the list)
  // Bytes of `text` that are certainly not part of a marker: up to `pos` when one was found, otherwise all but
  // the longest tail that is the beginning of some marker (that tail must be held back until more text comes).
  std::size_t safe = 0;

  bool found() const { return pos != kNone; }
};

// The earliest complete marker (on a tie, the longest) and the safe length. `final` = no more text will come,
// so a tail that merely begins a marker is safe.
MarkerScan scan_markers(std::string_view text, std::initializer_list<std::string_view> markers, bool final = false);

// Length of the longest tail of `text` that is a proper beginning of `marker` (0 when none).
std::size_t partial_marker_tail(std::string_view text, std::string_view marker);

}  // namespace sovra::chat
