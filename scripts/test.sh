#!/usr/bin/env bash
# The whole test suite: installs packages, builds with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every test with ctest, in parallel.
# Tests that need root (network namespaces) skip with a message otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPN_SANITIZE=ON
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan -j "$(nproc)" --output-on-failure --timeout 600 "$@"
