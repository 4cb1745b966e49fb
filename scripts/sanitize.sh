#!/usr/bin/env bash
# sanitize.sh [ctest options...]: builds the unit tests and the CAF actor
# tests with AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
# (g++, -DACTORS_SANITIZE=address,undefined, into build-asan/) and runs
# them (`ctest -L unit`). Any sanitizer report aborts its test, so ctest
# fails. ACTORS_BUILD_ONLY=1: build, run nothing (bench/cold_ci.sh).
# Exit codes: ctest's (0 every test passed).
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${ACTORS_ASAN_BUILD_DIR:-$repo_dir/build-asan}

# -O1 -g1 (line tables for the reports' stack traces): compiles in under
# half the time of -O2 -g, which dominates this script's cost in CI.
cmake -S "$repo_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DACTORS_SANITIZE=address,undefined -DACTORS_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" --target unit_tests actor_tests -j"$(nproc)"
[[ ${ACTORS_BUILD_ONLY:-0} == 1 ]] && exit 0

# halt_on_error/abort_on_error: the first report ends the test with a
# failure; detect_leaks: leaks at exit are reports too (none, CAF included,
# so there is no LeakSanitizer suppression). UBSan's suppressions cover one
# CAF header, see the file.
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$repo_dir/tests/sanitizers/ubsan.supp
cd "$build_dir"
exec ctest -L unit --output-on-failure --timeout 1800 "$@"
