#!/usr/bin/env bash
# fuzz_table.sh [--seconds=N] [--out=NAME]: the fuzzing table of the README.
# Runs scripts/fuzz.sh --seconds N (every libFuzzer target of tests/fuzz for
# N seconds each, from the checked-in seeds, in build-fuzz/; default 60, so
# about 5 minutes plus the clang build; --seconds=5 is a short check) and
# writes per target what it parses, its executions, the corpus it grew and
# the crashes it found to bench/results/NAME.{md,json} (default NAME
# fuzz_table), with the date, commit, CPU and load average: the executions
# depend on the load, the table says what it was.
# Needs clang (scripts/setup.sh). Exit codes: 0 no crash, 1 a target crashed
# or did not build (the table is written all the same), 2 bad usage.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# result_meta_json, result_meta_md, result_command.
source "$repo/scripts/lib/results.sh"
command=$(result_command bench/fuzz_table.sh "$@")
seconds=60 out=fuzz_table
for arg in "$@"; do
  case $arg in
    --seconds=*) seconds=${arg#*=} ;;
    --out=?*) out=${arg#*=} ;;
    *) echo "fuzz_table: unknown argument '$arg' (expected --seconds=N or --out=NAME)" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz_table: --seconds expects a positive integer, got '$seconds'" >&2; exit 2; }

# What each target of scripts/fuzz.sh parses (tests/fuzz/fuzz_targets.hpp).
# shellcheck disable=SC2016 # the backquotes are Markdown code spans
declare -A parses=(
  [idx]='`read_idx`: an images and a labels file, plain or gzip'
  [csv]='`read_csv`, shapes 1-4 x 1-4 x 1-2, 0-257 classes'
  [model_spec]='`parse_model_spec`'
  [checkpoint]='`decode_checkpoint`, as is and with length and CRC made valid'
  [wire]='each wire codec'"'"'s `read` (fp32, fp16, int8, sign, topk), 1-2048 values; what it accepts must re-encode as `round` says'
  [options]="\`option_set\`: an INI file, then command-line arguments, with train_mnist's and caf-node's option kinds and ranges (mirrored: the apps declare theirs in \`main.cpp\`)"
)

meta=$(result_meta_json "$repo" "$command")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
# fuzz.sh prints one line per target:
#   fuzz: NAME  EXECS executions in Ns, corpus SIZE inputs, CRASHES crashes
bash "$repo/scripts/fuzz.sh" --seconds "$seconds" | tee "$work/fuzz.out" || rc=$?
sed -n 's/^fuzz: \([a-z_]*\) *\([0-9]*\) executions in [0-9]*s, corpus *\([0-9]*\) inputs, \([0-9]*\) crashes$/\1 \2 \3 \4/p' \
  "$work/fuzz.out" >"$work/rows"
[[ -s $work/rows ]] || { echo "fuzz_table: scripts/fuzz.sh reported no target (exit $rc)" >&2; exit 1; }

mkdir -p "$repo/bench/results"
while read -r t execs corpus crashes; do
  jq -nc --arg t "$t" --arg parses "${parses[$t]:-}" --argjson e "$execs" --argjson c "$corpus" --argjson k "$crashes" \
    '{target: $t, parses: $parses, executions: $e, corpus: $c, crashes: $k}'
done <"$work/rows" | jq -s --argjson meta "$meta" --argjson seconds "$seconds" --argjson rc "$rc" \
  '$meta + {bench: "fuzz_table", seconds_per_target: $seconds, fuzz_exit_code: $rc, targets: .}' \
  >"$repo/bench/results/$out.json"
{
  echo "# libFuzzer targets, $seconds s each"
  echo
  result_meta_md "$meta"
  echo
  echo "| target | what it parses | executions in $seconds s | corpus | crashes |"
  echo "|---|---|---|---|---|"
  jq -r '.targets[] | "| \(.target) | \(.parses) | \(.executions) | \(.corpus) | \(.crashes) |"' \
    "$repo/bench/results/$out.json"
} >"$repo/bench/results/$out.md"
cat "$repo/bench/results/$out.md"
exit "$rc"
