# Third-party packages, all from Debian (scripts/setup.sh installs them) except Kokkos, which may
# also come from Kokkos_ROOT (4.x/5.x with OpenMP or CUDA).
find_package(nlohmann_json 3.10 REQUIRED)
find_package(PkgConfig QUIET)

# toml++ (header-only; Debian ships no CMake config for 3.3).
find_path(TOMLPP_INCLUDE_DIR toml++/toml.h REQUIRED)
add_library(moat_tomlplusplus INTERFACE)
target_include_directories(moat_tomlplusplus SYSTEM INTERFACE ${TOMLPP_INCLUDE_DIR})

# CLI11 (header-only).
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
add_library(moat_cli11 INTERFACE)
target_include_directories(moat_cli11 SYSTEM INTERFACE ${CLI11_INCLUDE_DIR})

if(MOAT_BUILD_KERNELS)
  include(MoatKokkos)
  find_package(benchmark REQUIRED)
endif()
if(MOAT_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
