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

# Asio is used only through Beast, inside src/http; keep its defines uniform across translation units.
add_library(sovra_asio INTERFACE)
target_link_libraries(sovra_asio INTERFACE Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
target_compile_definitions(sovra_asio INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW
                           BOOST_ASIO_DISABLE_BOOST_COROUTINE)
