#!/usr/bin/env bash
# exchange_cpu.sh [--rev=REV]... [--build=DIR] [--rounds=N] [--reps=N] [--quick]
#                 [--out=PREFIX]:
# the CPU time one remote exchange costs per wire codec (fp32, fp16, int8,
# sign, topk:0.01), worker and server, in ns per value of mnist_cnn
# (bench/exchange_cpu.cpp says what each phase holds), for this tree and for
# each older commit REV side by side.
#
# This tree's bench/exchange_cpu is built in DIR (default build/). Each REV
# is exported (git archive) into DIR/exchange_cpu-revs/SHA/src, given this
# tree's exchange_cpu.cpp, and built there (Release, no tests; the first
# time takes a few minutes, later runs reuse it). The builds run in turn,
# N rounds (default 3) of every codec, so a drift of the machine's speed
# spreads over all; each figure is the median over the rounds of each run's
# median over its exchanges (--reps, default 40, after 5 untimed). The
# wire_hash column (FNV-1a of every message serialized) is the same for two
# builds whose codecs sent the same bytes.
#
# Writes PREFIX.md and PREFIX.json (default bench/results/exchange_cpu) with
# the date, commit, CPU, load and command; --quick (1 round of 5 exchanges)
# only prints, unless --out is given. Figures are meant for a quiet machine:
# other processes' load inflates every column.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# result_meta_json, result_meta_md, result_command.
source "$repo/scripts/lib/results.sh"
meta=$(result_meta_json "$repo" "$(result_command bench/exchange_cpu.sh "$@")")

build=$repo/build
rounds=3
reps=40
warmup=5
out=$repo/bench/results/exchange_cpu
out_given=false
quick=false
revs=()
for arg in "$@"; do
  case $arg in
    --rev=*) revs+=("${arg#--rev=}") ;;
    --build=*) build=${arg#--build=} ;;
    --rounds=*) rounds=${arg#--rounds=} ;;
    --reps=*) reps=${arg#--reps=} ;;
    --out=*) out=${arg#--out=} out_given=true ;;
    --quick) quick=true ;;
    *)
      echo "exchange_cpu.sh: unknown argument '$arg' (expected --rev=REV, --build=DIR," \
        "--rounds=N, --reps=N, --quick, --out=PREFIX)" >&2
      exit 2
      ;;
  esac
done
for v in "$rounds" "$reps"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || {
    echo "exchange_cpu.sh: --rounds and --reps take a count >= 1, got '$v'" >&2
    exit 2
  }
done
if $quick; then
  rounds=1 reps=5 warmup=1
  $out_given || out=""
fi

# The tree's own binary, then one per REV: "LABEL BINARY" lines.
binaries=()
cmake --build "$build" --target exchange_cpu -j2 >/dev/null
here=$(git -C "$repo" rev-parse --short HEAD)
[[ -z $(git -C "$repo" status --porcelain --untracked-files=no) ]] || here+="+changes"
binaries+=("$here $build/bench/exchange_cpu")

# build_rev REV: prints the path of exchange_cpu built from REV's tree.
build_rev() {
  local sha dir
  sha=$(git -C "$repo" rev-parse --verify --short "$1^{commit}") || {
    echo "exchange_cpu.sh: --rev=$1 is not a commit of $repo" >&2
    exit 2
  }
  dir=$build/exchange_cpu-revs/$sha
  if [[ ! -d $dir/src ]]; then
    mkdir -p "$dir/src"
    git -C "$repo" archive "$sha" | tar -x -C "$dir/src"
  fi
  cp "$repo/bench/exchange_cpu.cpp" "$dir/src/bench/"
  grep -q 'exchange_cpu' "$dir/src/bench/CMakeLists.txt" || printf '%s\n' \
    'add_executable(exchange_cpu exchange_cpu.cpp)' \
    'target_link_libraries(exchange_cpu PRIVATE actors::runtime)' \
    >>"$dir/src/bench/CMakeLists.txt"
  echo "building exchange_cpu at $sha in $dir/build" >&2
  cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release \
    -DACTORS_BUILD_TESTS=OFF >"$dir/configure.log" 2>&1 || {
    tail -n 20 "$dir/configure.log" >&2
    exit 1
  }
  cmake --build "$dir/build" --target exchange_cpu -j2 >"$dir/build.log" 2>&1 || {
    tail -n 20 "$dir/build.log" >&2
    exit 1
  }
  echo "$sha $dir/build/bench/exchange_cpu"
}
for rev in "${revs[@]}"; do
  line=$(build_rev "$rev")
  binaries+=("$line")
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((r = 1; r <= rounds; r++)); do
  for entry in "${binaries[@]}"; do
    label=${entry%% *}
    bin=${entry#* }
    "$bin" --reps="$reps" --warmup="$warmup" \
      | jq -c --arg build "$label" --argjson round "$r" '. + {build: $build, round: $round}' \
        >>"$work/runs.jsonl"
  done
done

# Median over the rounds per build and codec, in the order they ran.
summary=$(jq -s '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  group_by([.build, .codec]) | map({
    build: .[0].build, codec: .[0].codec, coded: .[0].coded, n: .[0].n,
    worker_send_ns: (map(.worker_send_ns) | median),
    server_ns: (map(.server_ns) | median),
    worker_receive_ns: (map(.worker_receive_ns) | median),
    worker_ns: (map(.worker_ns) | median),
    total_ns: (map(.total_ns) | median),
    up_bytes: .[0].up_bytes, down_bytes: .[0].down_bytes,
    wire_hash: .[0].wire_hash})' "$work/runs.jsonl")

table=$(
  echo "| codec | build | worker send | server | worker receive | worker in all | exchange in all | bytes up | bytes down | wire hash |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  jq -r 'sort_by(.codec) | .[] |
    "| \(.codec) | \(.build) | \(.worker_send_ns * 100 | round / 100) | \(.server_ns * 100 | round / 100) | \(.worker_receive_ns * 100 | round / 100) | \(.worker_ns * 100 | round / 100) | \(.total_ns * 100 | round / 100) | \(.up_bytes) | \(.down_bytes) | \(.wire_hash) |"' \
    <<<"$summary"
)
echo "$table"
[[ -n $out ]] || exit 0

{
  result_meta_md "$meta"
  echo
  echo "CPU time of one remote ADAG exchange (window 5) of mnist_cnn ($(jq '.[0].n' <<<"$summary") values), in ns per value: median over $rounds rounds of each run's median over $reps exchanges; bench/exchange_cpu.cpp lists what each phase holds (the worker's and server's calls and CAF's binary serializer, no sockets). A build labelled +changes had uncommitted changes. Equal wire hashes: the builds sent the same bytes."
  echo
  echo "$table"
} >"$out.md"
jq -n --argjson meta "$meta" --argjson summary "$summary" \
  --slurpfile runs "$work/runs.jsonl" --argjson rounds "$rounds" --argjson reps "$reps" \
  '{meta: $meta, rounds: $rounds, reps: $reps, summary: $summary, runs: $runs}' >"$out.json"
echo "wrote $out.md and $out.json"
