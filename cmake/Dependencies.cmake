# Every third-party library comes from Debian 12 packages installed by scripts/setup.
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url CONFIG)
find_package(OpenSSL 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(prometheus-cpp REQUIRED COMPONENTS core)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(hiredis REQUIRED IMPORTED_TARGET hiredis)
if(SOVRA_TESTS)
  find_package(GTest REQUIRED)
endif()

# The allocator linked into the sovra binary (not the test binaries): jemalloc where its development package is
# installed (scripts/setup installs it), glibc's malloc otherwise, and never under sanitizers, which bring their own.
# A relayed call allocates on one thread and frees on another; jemalloc's thread caches took ~30% off the gateway's
# CPU per call (bench/gateway_overhead/README.md).
set(SOVRA_MALLOC "auto" CACHE STRING "Allocator of the sovra binary: auto (jemalloc when found) | jemalloc | system")
set(SOVRA_WITH_JEMALLOC OFF)
if(NOT SOVRA_MALLOC STREQUAL "system" AND NOT SOVRA_SANITIZE)
  pkg_check_modules(jemalloc IMPORTED_TARGET jemalloc)
  if(jemalloc_FOUND)
    set(SOVRA_WITH_JEMALLOC ON)
  elseif(SOVRA_MALLOC STREQUAL "jemalloc")
    message(FATAL_ERROR "SOVRA_MALLOC=jemalloc but jemalloc was not found (Debian package libjemalloc-dev)")
  endif()
elseif(SOVRA_MALLOC STREQUAL "jemalloc")
  message(FATAL_ERROR "SOVRA_MALLOC=jemalloc cannot be combined with SOVRA_SANITIZE")
endif()
if(SOVRA_WITH_JEMALLOC)
  message(STATUS "sovra binary allocator: jemalloc")
else()
  message(STATUS "sovra binary allocator: system malloc")
endif()

# Asio is used only through Beast, inside src/http; keep its defines uniform across translation units.
add_library(sovra_asio INTERFACE)
target_link_libraries(sovra_asio INTERFACE Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
target_compile_definitions(sovra_asio INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW
                           BOOST_ASIO_DISABLE_BOOST_COROUTINE)
