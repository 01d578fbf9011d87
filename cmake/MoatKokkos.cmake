# Kokkos from Debian (libtrilinos-kokkos-dev, 3.4.1 Serial) or from Kokkos_ROOT (4.x/5.x).
find_package(Kokkos REQUIRED)

# Debian's KokkosConfig.cmake derives its include dir from the config file's location and lands
# on /usr/lib/include, which does not exist; the headers live in <prefix>/include/trilinos.
get_target_property(_moat_kokkos_inc Kokkos::kokkos INTERFACE_INCLUDE_DIRECTORIES)
set(_moat_kokkos_fixed "")
foreach(_dir IN LISTS _moat_kokkos_inc)
  if(_dir MATCHES "^\\$<" OR EXISTS "${_dir}/Kokkos_Core.hpp")
    list(APPEND _moat_kokkos_fixed "${_dir}")
  endif()
endforeach()
if(NOT _moat_kokkos_fixed)
  find_path(MOAT_KOKKOS_HEADER_DIR Kokkos_Core.hpp
            PATHS /usr/include/trilinos ${Kokkos_DIR}/../../../include/trilinos
            NO_DEFAULT_PATH REQUIRED)
  set_target_properties(Kokkos::kokkos PROPERTIES INTERFACE_INCLUDE_DIRECTORIES
                                                  "${MOAT_KOKKOS_HEADER_DIR}")
  message(STATUS "moat: Kokkos include dir fixed to ${MOAT_KOKKOS_HEADER_DIR}")
endif()
message(STATUS "moat: Kokkos ${Kokkos_VERSION}")
set(MOAT_KOKKOS_VERSION "${Kokkos_VERSION}" CACHE INTERNAL "")
