#include "routing/sse_decoder.hpp"

#include <cstring>

namespace sovra::routing {

namespace {

// The first \r or \n. Two memchr scans: string_view::find_first_of("\r\n") tests each byte against the set with a
// call of its own, and was a tenth of an SSE relay's upstream thread.
std::size_t find_eol(std::string_view bytes) {
  const char* begin = bytes.data();
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', bytes.size()));
  const std::size_t limit = lf == nullptr ? bytes.size() : static_cast<std::size_t>(lf - begin);
  const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', limit));
  if (cr != nullptr) return static_cast<std::size_t>(cr - begin);
  return lf == nullptr ? std::string_view::npos : limit;
}

}  // namespace

Status SseDecoder::feed(std::string_view bytes, const std::function<void(SseMessage&&)>& on_message) {
  while (!bytes.empty()) {
    if (last_was_cr_ && bytes.front() == '\n') {  // the \n of a \r\n split from its \r
      bytes.remove_prefix(1);
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = false;
    const auto eol = find_eol(bytes);
    const auto take = eol == std::string_view::npos ? bytes.size() : eol;
    if (line_.size() + take + current_.data.size() > max_) {
      return Error::corrupt("upstream event stream: an event is larger than " + std::to_string(max_) + " bytes");
    }
    line_.append(bytes.substr(0, take));
    if (eol == std::string_view::npos) return {};
    last_was_cr_ = bytes[eol] == '\r';
    bytes.remove_prefix(eol + 1);
    SOVRA_CHECK(line_done(on_message));
  }
  return {};
}

Status SseDecoder::line_done(const std::function<void(SseMessage&&)>& on_message) {
  if (line_.empty()) {
    if (has_data_) {
      on_message(std::move(current_));
    }
    current_ = {};
    has_data_ = false;
    return {};
  }
  std::string_view line = line_;
  if (line.front() == ':') {
    line_.clear();
    return {};
  }
  const auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) current_.data += '\n';
    current_.data += value;
    has_data_ = true;
  } else if (field == "event") {
    current_.event = std::string(value);
  }  // id, retry and unknown fields are ignored
  line_.clear();
  return {};
}

}  // namespace sovra::routing
