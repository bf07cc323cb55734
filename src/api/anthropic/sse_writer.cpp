#include "api/anthropic/sse_writer.hpp"

namespace sovra::api::anthropic {

std::shared_ptr<SseWriter> SseWriter::create(std::shared_ptr<http::SseChannel> channel) {
  return std::shared_ptr<SseWriter>(new SseWriter(std::move(channel)));
}

bool SseWriter::drain_locked() {
  while (!waiting_.empty()) {
    switch (channel_->send_raw(waiting_.front())) {
      case http::SseChannel::SendResult::kOk:
        waiting_.pop_front();
        break;
      case http::SseChannel::SendResult::kFull:
        return true;
      case http::SseChannel::SendResult::kClosed:
        waiting_.clear();  // the client went away: nobody reads these
        return false;
    }
  }
  if (close_pending_) {
    close_pending_ = false;
    channel_->close();
  }
  return false;
}

void SseWriter::watch() {
  {
    std::lock_guard lock(mu_);
    if (watching_) return;
    watching_ = true;
  }
  // on_writable runs the callback at once when there is room already: it must not hold mu_.
  channel_->on_writable([weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    bool full = false;
    {
      std::lock_guard lock(self->mu_);
      self->watching_ = false;
      full = self->drain_locked();
    }
    if (full) self->watch();
  });
}

void SseWriter::write(std::string frames) {
  if (frames.empty()) return;
  bool full = false;
  {
    std::lock_guard lock(mu_);
    waiting_.push_back(std::move(frames));
    full = drain_locked();
  }
  if (full) watch();
}

void SseWriter::close() {
  bool full = false;
  {
    std::lock_guard lock(mu_);
    close_pending_ = true;
    full = drain_locked();
  }
  if (full) watch();
}

}  // namespace sovra::api::anthropic
