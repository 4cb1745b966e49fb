#!/usr/bin/env bash
# train.sh [train_mnist options...]: the README's first command. Installs what
# is missing, builds, fetches the data and trains MNIST with
# config/train_mnist.ini; extra options override the file.
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo_dir/scripts/lib/common.sh"
prepare_checkout "$repo_dir"
cd "$repo_dir"
mkdir -p runs
exec build/apps/train_mnist/train_mnist --config=config/train_mnist.ini \
  --report=runs/train_mnist.json --save=runs/mnist_cnn.model "$@"
