# Strict warnings for CPN's own targets; generated code is built without them.
function(cpn_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror)
endfunction()

# Dataplane fast-path libraries: -O3 over -O2 in optimised builds, not under
# the sanitizers (issue 5 bench: ~4% fewer ns a packet on the steering
# path). No -march beyond DPDK's own (corei7): AVX2 measured no better, and
# the binary must run on any x86-64 CI host.
#
# CPN_FAST_PATH_LTO: link-time optimisation of the fast-path libraries and
# cpn-dataplane, so the worker's loops inline the stages' per-packet cores
# (parse, encap, srv6, rewrite/tx live in other files). Off under the
# sanitizers.
option(CPN_FAST_PATH_LTO "Link-time optimisation of the dataplane fast path" OFF)
function(cpn_fast_path target)
  if(NOT CPN_SANITIZE)
    target_compile_options(${target} PRIVATE $<$<CONFIG:Release,RelWithDebInfo>:-O3>)
  endif()
  if(CPN_FAST_PATH_LTO AND NOT CPN_SANITIZE)
    set_property(TARGET ${target} PROPERTY INTERPROCEDURAL_OPTIMIZATION TRUE)
  endif()
endfunction()

if(CPN_SANITIZE)
  # -O1 with line tables only, the level ASan's authors recommend: reports
  # keep their file:line frames, and a clean build takes a fraction of the
  # time (-O2 -g: 74 s for metrics_http_server.cc, -O1 -g1: 27 s), which
  # is most of CI's time (scripts/test.sh builds from a clean checkout).
  foreach(lang C CXX)
    set(CMAKE_${lang}_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
  endforeach()
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
