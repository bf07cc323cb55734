#include "app/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace sovra::app {

Progress::Progress(std::string label, std::uint64_t total)
    : label_(std::move(label)), total_(total == 0 ? 1 : total), tty_(::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { finish(); }

void Progress::update(std::uint64_t done) {
  if (finished_) return;
  const double frac = static_cast<double>(std::min(done, total_)) / static_cast<double>(total_);
  if (tty_) {
    const auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %3d%% (%llu/%llu)", label_.c_str(), bar.c_str(), static_cast<int>(frac * 100),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_));
    std::fflush(stderr);
  } else {
    const int decile = static_cast<int>(frac * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %d%% (%llu/%llu)\n", label_.c_str(), decile * 10, static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total_));
  }
}

void Progress::finish() {
  if (finished_) return;
  update(total_);
  finished_ = true;
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace sovra::app
