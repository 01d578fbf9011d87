# Third-party packages, all from Debian (scripts/setup.sh installs them) except Kokkos, which may
# also come from Kokkos_ROOT (4.x/5.x with OpenMP or CUDA).
# Config packages when installed (Debian); plain header/library lookups otherwise (e.g. a GPU
# machine given the same headers under CMAKE_PREFIX_PATH).
find_package(nlohmann_json 3.10 QUIET)
if(NOT TARGET nlohmann_json::nlohmann_json)
  find_path(NLOHMANN_JSON_INCLUDE_DIR nlohmann/json.hpp REQUIRED)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  target_include_directories(nlohmann_json::nlohmann_json SYSTEM INTERFACE ${NLOHMANN_JSON_INCLUDE_DIR})
endif()
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
  find_package(benchmark QUIET)
  if(NOT TARGET benchmark::benchmark)
    find_path(BENCHMARK_INCLUDE_DIR benchmark/benchmark.h REQUIRED)
    find_library(BENCHMARK_LIBRARY benchmark REQUIRED)
    add_library(benchmark::benchmark UNKNOWN IMPORTED)
    set_target_properties(benchmark::benchmark PROPERTIES IMPORTED_LOCATION ${BENCHMARK_LIBRARY})
    target_include_directories(benchmark::benchmark SYSTEM INTERFACE ${BENCHMARK_INCLUDE_DIR})
  endif()
endif()
if(MOAT_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
