#!/usr/bin/env bash
# fuzz.sh [--seconds N] [--only NAME] [--keep-corpus]: builds the libFuzzer
# targets of tests/fuzz (clang, ASan + UBSan, into build-fuzz/) and runs each
# for N seconds (default 60), one after the other, starting from the seeds
# in tests/fuzz/corpus/<target>/ (--keep-corpus: from the previous run's
# corpus too), with tests/fuzz/dict/<target>.dict when there is one (the
# format's keywords). Prints per target: executions, corpus size, crashes.
#
# A crash, leak, timeout (10 s per input) or out-of-memory (2 GB) is kept
# in build-fuzz/artifacts/<target>/; check it in under
# tests/fuzz/regressions/<target>/ with the fix, and the unit test
# fuzz_replay_test replays it in every build from then on and requires the
# parser to refuse it.
# ACTORS_BUILD_ONLY=1: build the targets, run none (bench/cold_ci.sh).
# Exit codes: 0 no crash, 1 a target crashed or failed to build, 2 bad usage.
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${ACTORS_FUZZ_BUILD_DIR:-$repo_dir/build-fuzz}
seconds=60
only=""
keep=0
while (($#)); do
  case $1 in
    --seconds) seconds=${2:-}; shift ;;
    --seconds=*) seconds=${1#*=} ;;
    --only) only=${2:-}; shift ;;
    --only=*) only=${1#*=} ;;
    --keep-corpus) keep=1 ;;
    *) echo "usage: $0 [--seconds N] [--only NAME] [--keep-corpus]" >&2; exit 2 ;;
  esac
  shift
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: --seconds expects a positive integer, got '$seconds'" >&2; exit 2; }

targets=(idx csv model_spec checkpoint options wire)
if [[ -n $only ]]; then
  [[ " ${targets[*]} " == *" $only "* ]] || { echo "fuzz: no target '$only' (${targets[*]})" >&2; exit 2; }
  targets=("$only")
fi
for tool in clang clang++; do
  command -v $tool >/dev/null || { echo "fuzz: no $tool: run scripts/setup.sh" >&2; exit 1; }
done

CC=clang CXX=clang++ cmake -S "$repo_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DACTORS_FUZZ=ON -DACTORS_BUILD_TESTS=OFF -DACTORS_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" --target fuzz_all -j"$(nproc)" >"$build_dir/build.log" 2>&1 \
  || { tail -30 "$build_dir/build.log" >&2; echo "fuzz: build failed ($build_dir/build.log)" >&2; exit 1; }
[[ ${ACTORS_BUILD_ONLY:-0} == 1 ]] && exit 0

# Scratch files of the targets in memory when possible (the readers take
# paths), in a directory of this run: a crashing target leaves its files.
tmp=/dev/shm
[[ -d $tmp && -w $tmp ]] || tmp=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$tmp/actors-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

crashed=0
for t in "${targets[@]}"; do
  corpus=$build_dir/corpus/$t
  artifacts=$build_dir/artifacts/$t
  log=$build_dir/logs/$t.log
  ((keep)) || rm -rf "$corpus"
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  dict=()
  [[ -f $repo_dir/tests/fuzz/dict/$t.dict ]] && dict=(-dict="$repo_dir/tests/fuzz/dict/$t.dict")
  set +e
  TMPDIR=$tmp "$build_dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
    "$corpus" "$repo_dir/tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(awk '/stat::number_of_executed_units/ { n = $NF } END { print n + 0 }' "$log")
  size=$(find "$corpus" -type f | wc -l)
  found=$(find "$artifacts" -type f | wc -l)
  printf 'fuzz: %-10s %10d executions in %ss, corpus %5d inputs, %d crashes\n' \
    "$t" "$execs" "$seconds" "$size" "$found"
  if ((rc != 0 || found > 0)); then
    crashed=1
    grep -m3 -E 'ERROR: |runtime error|==ERROR|SUMMARY' "$log" | sed 's/^/fuzz:   /' >&2 || true
    for a in "$artifacts"/*; do
      [[ -e $a ]] || continue
      echo "fuzz:   input $a; replay: $build_dir/tests/fuzz/fuzz_$t $a;" \
           "keep as tests/fuzz/regressions/$t/$(basename "$a") with the fix" >&2
    done
    echo "fuzz:   log $log" >&2
  fi
done
exit $crashed
