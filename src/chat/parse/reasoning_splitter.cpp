#include "chat/parse/reasoning_splitter.hpp"
#include "chat/parse/json_space.hpp"

#include "chat/parse/marker_scan.hpp"

namespace sovra::chat {
namespace {}  // namespace

void ReasoningSplitter::feed(std::string_view text, EventSink& sink, FormatParser& next) {
  if (state_ == State::kAfter) {
    next.feed(text, sink);
    return;
  }
  buf_.append(text);
  step(sink, next, false);
}

void ReasoningSplitter::finish(EventSink& sink, FormatParser& next) {
  step(sink, next, true);
  next.finish(sink);
}

void ReasoningSplitter::step(EventSink& sink, FormatParser& next, bool final) {
  if (state_ == State::kStart) {
    // The block is recognised only at the start of the output (after whitespace), as the templates place it.
    std::size_t ws = 0;
    while (ws < buf_.size() && is_space(buf_[ws])) ++ws;
    const std::string_view rest = std::string_view(buf_).substr(ws);
    if (rest.starts_with(markers_.open)) {
      buf_.erase(0, ws + markers_.open.size());
      state_ = State::kInside;
    } else if (!final && markers_.open.starts_with(rest)) {
      return;
    } else {
      state_ = State::kAfter;
      std::string text = std::move(buf_);
      buf_.clear();
      next.feed(text, sink);
      return;
    }
  }
  if (state_ == State::kInside) {
    const MarkerScan scan = scan_markers(buf_, {markers_.close}, final);
    sink.reasoning(std::string_view(buf_).substr(0, scan.safe));
    if (!scan.found()) {
      buf_.erase(0, scan.safe);
      return;
    }
    std::string rest = buf_.substr(scan.pos + markers_.close.size());
    buf_.clear();
    state_ = State::kAfter;
    next.feed(rest, sink);
  }
}

}  // namespace sovra::chat
