#!/usr/bin/env bash
# loopback_seed.sh [--epochs=N] [--runs=N] [--out=NAME] [LABEL=DIR ...]: the
# seed workload (config/train_mnist.ini: mnist_cnn, Adam, ADAG window 5,
# batch 16, 3 workers) on Fashion-MNIST, standing in for the seed's MNIST
# (same size and shape; real MNIST is not packaged here), on three caf-node
# processes on loopback, one worker each.
#
# Each LABEL=DIR is a build to time (DIR holds train_mnist and caf-node, flat
# or as build/apps/{train_mnist,node}); default: ours=build/apps. With
# several builds the runs alternate (A B A B ...) so that both see the same
# machine: the comparison is side by side, in one run of this script.
# Writes bench/results/NAME.json and NAME.md (default NAME loopback_seed)
# with each run's time, test accuracy, server updates and bytes.
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo_dir/scripts/lib/common.sh"
epochs=5 runs=1 out=loopback_seed builds=()
for arg in "$@"; do
  case $arg in
    --epochs=*) epochs=${arg#*=} ;;
    --runs=*) runs=${arg#*=} ;;
    --out=*) out=${arg#*=} ;;
    *=*) builds+=("$arg") ;;
    *) echo "loopback_seed: unknown argument '$arg' (expected --epochs=N, --runs=N, --out=NAME or LABEL=DIR)" >&2; exit 2 ;;
  esac
done
((${#builds[@]})) || builds=("ours=$repo_dir/build/apps")

binary() { # binary DIR NAME SUBDIR
  if [[ -x $1/$2 ]]; then echo "$1/$2"; elif [[ -x $1/$3/$2 ]]; then echo "$1/$3/$2"
  else echo "loopback_seed: no $2 in $1" >&2; return 1; fi
}

work=$(mktemp -d)
pids=()
track_pid() { pids+=("$1"); }
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

run_one() { # run_one LABEL DIR RUN
  local label=$1 dir=$2 run=$3 node driver nodes="" k
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
    --dataset=fashion --epochs="$epochs" --nodes="$nodes" --progress=off \
    --report="$report" > "$work/$label-$run.log" 2>&1 \
    || { echo "loopback_seed: $label run $run failed:" >&2; tail -5 "$work/$label-$run.log" >&2; return 1; }
  end=$(date +%s.%N)
  cleanup_nodes
  jq -c --arg name "$label" --argjson run "$run" --argjson wall "$(echo "$end - $start" | bc)" \
    '{"label": $name, run: $run, wall_seconds: $wall, train_seconds, test_accuracy,
      ps_updates, bytes_on_wire, wait_share, faults: (.faults | length)}' "$report"
}
cleanup_nodes() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }

apt_install_missing loopback_seed jq bc
rows="$work/rows.jsonl"
: > "$rows"
for ((run = 1; run <= runs; ++run)); do
  for b in "${builds[@]}"; do
    label=${b%%=*} dir=${b#*=}
    echo "loopback_seed: $label run $run/$runs ($epochs epochs)" >&2
    run_one "$label" "$dir" "$run" >> "$rows"
    tail -1 "$rows" >&2
  done
done

mkdir -p "$repo_dir/bench/results"
jq -s --argjson epochs "$epochs" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
  --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
  '{workload: "seed recipe (mnist_cnn, Adam, ADAG window 5, batch 16, 3 workers) on Fashion-MNIST 60k/10k, 3 caf-node processes on loopback",
    epochs: $epochs, cpu: $cpu, load_at_end: $load, runs: .}' "$rows" \
  > "$repo_dir/bench/results/$out.json"
{
  echo "# Seed workload on three loopback caf-nodes ($epochs epochs, Fashion-MNIST)"
  echo
  echo "Written by \`bash bench/loopback_seed.sh $*\`. Fashion-MNIST stands in for the seed's MNIST (same size and shape; real MNIST is not packaged here)."
  echo
  echo "| build | run | train s | wall s | test accuracy | server updates | GB on the wire | wait share | faults |"
  echo "|---|---|---|---|---|---|---|---|---|"
  jq -r '"| \(.label) | \(.run) | \(.train_seconds*10|round/10) | \(.wall_seconds*10|round/10) | \(.test_accuracy) | \(.ps_updates) | \(.bytes_on_wire/1e9*100|round/100) | \(.wait_share*1000|round/1000) | \(.faults) |"' "$rows"
} > "$repo_dir/bench/results/$out.md"
cat "$repo_dir/bench/results/$out.md"
