# Every dependency comes from Debian 12 packages (see scripts/setup.sh).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(Protobuf CONFIG QUIET)
if(NOT Protobuf_FOUND)
  find_package(Protobuf REQUIRED)
endif()
find_package(gRPC CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options graph)
find_package(GTest CONFIG REQUIRED)
find_package(benchmark CONFIG REQUIRED)

# DPDK 22.11 through pkg-config. Imported targets expose their include
# directories as system includes, so DPDK's headers do not trip our -Werror.
pkg_check_modules(DPDK REQUIRED IMPORTED_TARGET GLOBAL libdpdk>=22.11)
add_library(cpn::dpdk ALIAS PkgConfig::DPDK)
