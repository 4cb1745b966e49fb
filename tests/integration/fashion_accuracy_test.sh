#!/usr/bin/env bash
# The seed's workload on the full Fashion-MNIST (60k/10k): mnist_cnn, Adam,
# batch 16, 5 epochs must reach 0.91 test accuracy.
source "$(dirname "$0")/lib.sh" "$@"
"$bin_dir/train_mnist" --config="$repo_dir/config/train_mnist.ini" \
  --data="$repo_dir/data" --dataset=fashion --trainer=single --epochs=5 --threads=2 \
  --progress=lines --report="$work/report.json"
check_ge "Fashion-MNIST test accuracy after 5 epochs" \
  "$(json_get "$work/report.json" .test_accuracy)" 0.91
finish
