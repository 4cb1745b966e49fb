#!/usr/bin/env bash
# trainers_table.sh [BUILD_DIR] [DATA_DIR] [DATASET]: every dist-keras trainer
# on three caf-node processes on loopback (3 workers, 5 epochs, batch 16, the
# trainer's default window), one run each; prints a Markdown table and writes
# it to bench/results/trainers_<dataset>.md.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
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

base=$((31000 + RANDOM % 2000))
nodes=""
for i in 1 2 3; do
  port=$((base + i))
  "$node_bin" --config-file="$repo/config/node.ini" --node.port=$port \
    --node.name=node$i --node.data-dir="$data" >"$work/node$i.log" 2>&1 &
  pids+=($!)
  nodes+="${nodes:+,}127.0.0.1:$port"
done
for i in 1 2 3; do
  for _ in $(seq 50); do grep -q listening "$work/node$i.log" && break; sleep 0.1; done
  grep -q listening "$work/node$i.log" || { cat "$work/node$i.log"; exit 1; }
done

num() { grep -o "\"$2\": [-0-9.eE+]*" "$1" | head -1 | sed 's/.*: //'; }
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
    "$(num "$r" window)" "$(num "$r" wall_seconds)" "$(num "$r" samples_per_second)" \
    "$(num "$r" test_accuracy)" "$(num "$r" ps_updates)" \
    "$(awk -v b="$(num "$r" bytes_on_wire)" 'BEGIN { print b / 1e6 }')" >>"$work/table.md"
done
cp "$work/table.md" "$out"
cat "$out"
