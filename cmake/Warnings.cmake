# Project-wide warning and sanitizer flags, applied through the sovra_options interface target.
add_library(sovra_options INTERFACE)
target_compile_options(sovra_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                       -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference
                       # Parameter structs with designated initializers leave the rest defaulted on purpose.
                       -Wno-missing-field-initializers)
if(SOVRA_WERROR)
  target_compile_options(sovra_options INTERFACE -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # Boost.Asio coroutines trip false positives in GCC 12's flow analysis.
  target_compile_options(sovra_options INTERFACE -Wno-maybe-uninitialized -Wno-null-dereference)
endif()
if(SOVRA_SANITIZE)
  target_compile_options(sovra_options INTERFACE -fsanitize=${SOVRA_SANITIZE} -fno-omit-frame-pointer
                         -fno-sanitize-recover=all)
  target_link_options(sovra_options INTERFACE -fsanitize=${SOVRA_SANITIZE})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND SOVRA_SANITIZE MATCHES "thread")
    # GCC warns at every inlined atomic_thread_fence inside Boost.Asio that TSan does not instrument it: thousands
    # of lines that are not findings.
    target_compile_options(sovra_options INTERFACE -Wno-tsan)
  endif()
endif()
