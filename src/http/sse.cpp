#include "http/sse.hpp"

#include "common/deferred_wake.hpp"

namespace sovra::http {

namespace {

// A consumer's wake at once, or at the end of the thread's outermost DeferWakes scope: a producer relaying one
// upstream read's many events wakes each client session once, and the session writes them in one go.
void wake_now_or_later(std::function<void()>& wake) {
  if (!wake || DeferWakes::defer(wake)) return;
  wake();
}

}  // namespace

std::string format_sse(const SseEvent& e) {
  std::string out;
  out.reserve(e.data.size() + 16);
  if (!e.event.empty()) out.append("event: ").append(e.event).append("\n");
  if (!e.id.empty()) out.append("id: ").append(e.id).append("\n");
  std::string_view data = e.data;
  while (true) {
    const auto nl = data.find('\n');
    out.append("data: ").append(data.substr(0, nl)).append("\n");
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
  out.append("\n");
  return out;
}

std::shared_ptr<SseChannel> SseChannel::create(std::size_t capacity) {
  return std::shared_ptr<SseChannel>(new SseChannel(capacity == 0 ? 1 : capacity));
}

SseChannel::SendResult SseChannel::send(const SseEvent& event) { return send_raw(format_sse(event)); }

SseChannel::SendResult SseChannel::send_raw(std::string frame) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (cancelled_ || closed_) return SendResult::kClosed;
    if (queue_.size() >= capacity_) return SendResult::kFull;
    queue_.push_back(std::move(frame));
    wake = std::move(wake_);
    wake_ = nullptr;
  }
  wake_now_or_later(wake);
  return SendResult::kOk;
}

void SseChannel::close() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    wake = std::move(wake_);
    wake_ = nullptr;
  }
  wake_now_or_later(wake);
}

void SseChannel::on_writable(std::function<void()> cb) {
  bool now = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() < capacity_ || cancelled_)
      now = true;
    else
      on_writable_ = std::move(cb);
  }
  if (now && cb) cb();
}

void SseChannel::on_cancel(std::function<void()> cb) {
  bool now = false;
  {
    std::lock_guard lock(mu_);
    if (cancelled_)
      now = true;
    else
      on_cancel_ = std::move(cb);
  }
  if (now && cb) cb();
}

bool SseChannel::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

StreamSource::Poll SseChannel::poll(std::string& out, const std::function<void()>& wake) {
  std::function<void()> writable;
  Poll result;
  {
    std::lock_guard lock(mu_);
    if (!queue_.empty()) {
      // Coalesce what is queued into one write: fewer syscalls under load, same bytes on the wire.
      while (!queue_.empty() && out.size() < 64 * 1024) {
        out += queue_.front();
        queue_.pop_front();
      }
      writable = std::move(on_writable_);
      on_writable_ = nullptr;
      result = Poll::kData;
    } else if (closed_) {
      result = Poll::kEnd;
    } else {
      wake_ = wake;
      result = Poll::kPending;
    }
  }
  if (writable) writable();
  return result;
}

void SseChannel::cancel() {
  std::function<void()> cb;
  std::function<void()> writable;
  {
    std::lock_guard lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    queue_.clear();
    wake_ = nullptr;
    cb = std::move(on_cancel_);
    writable = std::move(on_writable_);
    on_cancel_ = nullptr;
    on_writable_ = nullptr;
  }
  if (cb) cb();
  if (writable) writable();
}

}  // namespace sovra::http
