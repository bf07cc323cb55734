#include "chat/parse/marker_scan.hpp"

#include <algorithm>

namespace sovra::chat {

std::size_t partial_marker_tail(std::string_view text, std::string_view marker) {
  const std::size_t longest = std::min(text.size(), marker.size() - (marker.empty() ? 0 : 1));
  for (std::size_t k = longest; k > 0; --k) {
    if (text.substr(text.size() - k) == marker.substr(0, k)) return k;
  }
  return 0;
}

MarkerScan scan_markers(std::string_view text, std::initializer_list<std::string_view> markers, bool final) {
  MarkerScan scan;
  std::size_t i = 0;
  for (std::string_view m : markers) {
    if (!m.empty()) {
      const std::size_t p = text.find(m);
      if (p != std::string_view::npos &&
          (p < scan.pos || (p == scan.pos && m.size() > std::data(markers)[scan.marker].size()))) {
        scan.pos = p;
        scan.marker = i;
      }
    }
    ++i;
  }
  if (scan.found()) {
    scan.safe = scan.pos;
    return scan;
  }
  std::size_t hold = 0;
  if (!final) {
    for (std::string_view m : markers) hold = std::max(hold, partial_marker_tail(text, m));
  }
  scan.safe = text.size() - hold;
  return scan;
}

}  // namespace sovra::chat
