#pragma once
// A whole file mapped read-only into memory (mmap), owned and unmapped on destruction.
//
// Contract: open() fails with an Io error for a missing, unreadable or non-regular file. The bytes stay valid
// and unchanged for the object's lifetime as long as no other process truncates the file (which the kernel
// reports with SIGBUS; model files are treated as immutable while served). An empty file maps to an empty span.
// Movable, not copyable; a moved-from object holds no mapping.
#include <cstddef>
#include <filesystem>
#include <span>

#include "common/error.hpp"

namespace sovra::gguf {

class MappedFile {
 public:
  static Result<MappedFile> open(const std::filesystem::path& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(addr_), size_}; }

 private:
  MappedFile(void* addr, std::size_t size) : addr_(addr), size_(size) {}
  void reset();

  void* addr_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace sovra::gguf
