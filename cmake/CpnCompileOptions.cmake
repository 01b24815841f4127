# Strict warnings for CPN's own targets; generated code is built without them.
function(cpn_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror)
endfunction()

# Dataplane fast-path libraries: -O3 over -O2 in optimised builds (issue 5
# bench: ~4% fewer ns a packet on the steering path). No -march beyond
# DPDK's own (corei7): AVX2 measured no better, and the binary must run on
# any x86-64 CI host.
function(cpn_fast_path target)
  target_compile_options(${target} PRIVATE $<$<CONFIG:Release,RelWithDebInfo>:-O3>)
endfunction()

if(CPN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
