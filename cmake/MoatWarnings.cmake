# Warnings on everywhere; -Werror in CI (MOAT_WERROR); sanitizers in the debug preset.
function(moat_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} INTERFACE
      $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wno-unknown-pragmas>)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC 12's -Wrestrict fires on libstdc++'s own std::string code (GCC bug 105329).
      target_compile_options(${target} INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
    endif()
    if(MOAT_WERROR)
      target_compile_options(${target} INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
    endif()
  endif()
  if(MOAT_SANITIZE)
    target_compile_options(${target} INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                               -fno-sanitize-recover=undefined)
    target_link_options(${target} INTERFACE -fsanitize=address,undefined)
  endif()
endfunction()
