#pragma once
// The data directory: created on start, locked so that two servers never share one.
#include <string>

#include "common/error.hpp"

namespace sovra::app {

class DataDirLock {
 public:
  // Creates `path` if needed and takes an exclusive lock on path/sovra.lock (released when the process exits).
  static Result<DataDirLock> acquire(const std::string& path);
  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace sovra::app
