#!/usr/bin/env bash
# trainers_table.sh [BUILD_DIR] [DATA_DIR] [DATASET]: every dist-keras trainer
# on three caf-node processes on loopback (3 workers, 5 epochs, batch 16, the
# trainer's default window), one run each; prints a Markdown table and writes
# it to bench/results/trainers_<dataset>.md.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# caf_node_start and json_get.
source "$repo/scripts/lib/common.sh"
build=${1:-$repo/build}
data=${2:-$repo/data}
dataset=${3:-mnist}
node_bin=$build/apps/node/caf-node
train_bin=$build/apps/train_mnist/train_mnist
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
mkdir -p "$(dirname "$out")"
{
  echo "| trainer | window | wall s | samples/s | test accuracy | commits | MB on the wire |"
  echo "|---|---|---|---|---|---|---|"
} >"$work/table.md"
for trainer in single averaging ensemble downpour adag dynsgd aeasgd eamsgd; do
  "$train_bin" --config="$repo/config/train_mnist.ini" --data="$data" \
    --dataset="$dataset" --trainer=$trainer --window=0 --epochs=5 \
    --batch-size=16 --nodes="$nodes" --progress=off \
    --report="$work/$trainer.json" >"$work/$trainer.log" 2>&1 \
    || { echo "$trainer failed:"; cat "$work/$trainer.log"; exit 1; }
  r=$work/$trainer.json
  printf '| %s | %s | %.1f | %.0f | %.4f | %s | %.0f |\n' "$trainer" \
    "$(json_get "$r" .window)" "$(json_get "$r" .wall_seconds)" "$(json_get "$r" .samples_per_second)" \
    "$(json_get "$r" .test_accuracy)" "$(json_get "$r" .ps_updates)" \
    "$(awk -v b="$(json_get "$r" .bytes_on_wire)" 'BEGIN { print b / 1e6 }')" >>"$work/table.md"
done
cp "$work/table.md" "$out"
cat "$out"
