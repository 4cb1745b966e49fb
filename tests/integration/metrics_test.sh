#!/usr/bin/env bash
# GET /metrics on caf-node (node.metrics) and train_mnist (--status), read by
# promtool and by a real Prometheus.
#
# 1. Bad values exit 2 naming the option: no port, an unresolvable host, a
#    port out of range, an occupied port, a non-loopback address without
#    the consent option (train_mnist --status / --status-public, caf-node
#    node.metrics / node.metrics-public).
# 2. Three loopback caf-nodes with node.metrics, a Prometheus (Debian's,
#    scraping every 500 ms, its own config and storage in the work
#    directory) scraping them and the driver, and two ADAG epochs of MNIST
#    (3 x 33 x 2 = 198 updates; one epoch can end before the first scrape
#    of the driver on an idle machine). During the run `promtool check metrics` accepts
#    the driver's endpoint and, after it, every node's. Through the
#    Prometheus HTTP API: up{job="driver"} is 1 while the driver runs, the
#    query actors_ps_updates_total sums to the run's 198 updates, actors_samples_total to the report's samples, every
#    worker's link counted bytes both ways (two between nodes, the one
#    beside the server within its node), the staleness histogram counted
#    every commit, the driver was scraped (its three fault kinds at 0) and
#    so was every node's memory.
# Every process started here is killed at exit, also on failure.
source "$(dirname "$0")/lib.sh" "$@"
source "$repo_dir/scripts/lib/prometheus.sh"
train=$bin_dir/train_mnist
node=$bin_dir/../node/caf-node
data=$repo_dir/data
[[ -x $node ]] || fatal "no caf-node at $node"
for tool in prometheus promtool curl jq; do
  command -v "$tool" >/dev/null || {
    echo "SKIP: no $tool (bash scripts/setup.sh installs it)"
    exit 77
  }
done

read -r p_driver p_prom p_m1 p_m2 p_m3 p_busy <<<"$(free_ports 6)"

# --- 1. Bad values. ---
train_args=(--data="$data" --dataset=mnist --epochs=1 --progress=off)
expect_failure "--status without a port" 2 "--status 'nohost': expected host:port" \
  "$train" "${train_args[@]}" --status=nohost
expect_failure "--status with port 0" 2 "--status '127.0.0.1:0': port must be 1..65535" \
  "$train" "${train_args[@]}" --status=127.0.0.1:0
expect_failure "--status on an unresolvable host" 2 "--status=no-such-host.invalid:$p_busy: .*--status-public=true" \
  "$train" "${train_args[@]}" --status=no-such-host.invalid:"$p_busy"
expect_failure "--status beyond loopback without consent" 2 "--status=0.0.0.0:$p_busy: 0.0.0.0 is not a loopback address.*--status-public=true" \
  "$train" "${train_args[@]}" --status=0.0.0.0:"$p_busy"
expect_failure "--status-public=maybe" 2 "status-public" \
  "$train" "${train_args[@]}" --status=127.0.0.1:"$p_busy" --status-public=maybe
expect_failure "caf-node node.metrics without a port" 2 "node.metrics 'localhost': expected host:port" \
  "$node" --node.port="$p_busy" --node.metrics=localhost
expect_failure "caf-node node.metrics beyond loopback without consent" 2 "node.metrics=0.0.0.0:$p_m1: .*node.metrics-public=true" \
  "$node" --node.port="$p_busy" --node.metrics=0.0.0.0:"$p_m1"

# --- 2. Three nodes, a driver and Prometheus. ---
declare -A node_port node_log
i=0
for n in n1 n2 n3; do
  i=$((i + 1))
  mport=p_m$i
  node_log[$n]=$work/node.$n.log
  caf_node_start "$node" "$n" auto "${node_log[$n]}" --node.host=127.0.0.1 \
    --node.data-dir="$data" --node.metrics=127.0.0.1:"${!mport}" \
    || fatal "node $n did not start (see above)"
  node_port[$n]=$caf_node_port
  check_eq "node $n logs its metrics address" \
    "$(grep -c "node $n: serving http://127.0.0.1:${!mport}/metrics (read-only)" "${node_log[$n]}")" 1
done
nodes=127.0.0.1:${node_port[n1]},127.0.0.1:${node_port[n2]},127.0.0.1:${node_port[n3]}
metrics_targets=127.0.0.1:$p_m1,127.0.0.1:$p_m2,127.0.0.1:$p_m3

# An occupied port: node n1's metrics port.
expect_failure "--status on an occupied port" 2 "--status=127.0.0.1:$p_m1: cannot listen: Address already in use" \
  "$train" "${train_args[@]}" --status=127.0.0.1:"$p_m1"
expect_failure "caf-node node.metrics on an occupied port" 2 "node.metrics=127.0.0.1:$p_m1: cannot listen: Address already in use" \
  "$node" --node.port="$p_busy" --node.metrics=127.0.0.1:"$p_m1"

prometheus_start "$work/prometheus" "$p_prom" 500ms "nodes=$metrics_targets" \
  "driver=127.0.0.1:$p_driver" || fatal "Prometheus did not start"

"$train" --config="$repo_dir/config/train_mnist.ini" --data="$data" \
  --dataset=mnist --trainer=adag --window=5 --batch-size=16 --epochs=2 \
  "${exact_exchange[@]}" --progress=lines --nodes="$nodes" --status=127.0.0.1:"$p_driver" \
  --report="$work/run.json" >"$work/run.log" 2>&1 &
driver_pid=$!
track_pid "$driver_pid"
wait_for_line "$work/run.log" "train_mnist: serving http://127.0.0.1:$p_driver/metrics" 20 "$driver_pid" \
  || fatal "the driver did not serve its metrics" "$work/run.log"
# The driver's endpoint while it trains.
if curl -sf "http://127.0.0.1:$p_driver/metrics" >"$work/driver.prom" \
  && promtool check metrics <"$work/driver.prom" >"$work/driver.lint" 2>&1; then
  echo "ok: promtool accepts the driver's /metrics ($(wc -l <"$work/driver.prom") lines)"
else
  echo "FAIL: promtool on the driver's /metrics:"
  cat "$work/driver.lint" "$work/driver.prom"
  failures=$((failures + 1))
fi
# Prometheus scrapes the driver while it runs.
scraped=no
while running "$driver_pid"; do
  if [[ $(prom_query "$p_prom" 'up{job="driver"} == 1' | wc -l) == 1 ]]; then
    scraped=yes
    break
  fi
  sleep 0.2
done
check_eq "Prometheus scraped the driver during the run (up == 1)" "$scraped" yes
rc=0
wait "$driver_pid" || rc=$?
cat "$work/run.log"
((rc == 0)) || fatal "train_mnist exited with $rc" "$work/run.log" "${node_log[@]}"
updates=$(json_get "$work/run.json" .ps_updates)
samples=$(json_get "$work/run.json" .samples)
check_eq "the run's updates (3 workers x 33 commits x 2 epochs)" "$updates" 198

for n in n1 n2 n3; do
  i=${n#n}
  mport=p_m$i
  curl -sf "http://127.0.0.1:${!mport}/metrics" >"$work/$n.prom" || true
  if promtool check metrics <"$work/$n.prom" >"$work/$n.lint" 2>&1; then
    echo "ok: promtool accepts node $n's /metrics ($(wc -l <"$work/$n.prom") lines)"
  else
    echo "FAIL: promtool on node $n's /metrics:"
    cat "$work/$n.lint"
    failures=$((failures + 1))
  fi
done
check_eq "a POST to /metrics changes nothing (refused)" \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$p_m1/metrics")" 400

# Prometheus scrapes the nodes every second: wait for the final figures.
deadline=$(($(date +%s) + 20))
while :; do
  seen=$(prom_sum "$p_prom" actors_ps_updates_total) || seen=""
  [[ $seen == "$updates" ]] && break
  (($(date +%s) < deadline)) || break
  sleep 0.5
done
prom_query "$p_prom" actors_ps_updates_total || true
check_eq "PromQL actors_ps_updates_total (summed) = the run's updates" "$seen" "$updates"
check_eq "series of actors_ps_updates_total (one server)" \
  "$(prom_query "$p_prom" actors_ps_updates_total | wc -l)" 1
check_eq "PromQL sum(actors_samples_total) = the report's samples" \
  "$(prom_sum "$p_prom" 'sum(actors_samples_total)')" "$samples"
check_eq "workers with actors_samples_total" \
  "$(prom_query "$p_prom" 'actors_samples_total' | wc -l)" 3
check_eq "PromQL actors_worker_commits_total = the run's updates" \
  "$(prom_sum "$p_prom" actors_worker_commits_total)" "$updates"
check_eq "worker links that sent bytes" \
  "$(prom_query "$p_prom" 'actors_link_bytes_total{direction="sent"} > 0' | wc -l)" 3
check_eq "worker links that received bytes" \
  "$(prom_query "$p_prom" 'actors_link_bytes_total{direction="received"} > 0' | wc -l)" 3
# The worker beside the server exchanges in memory, the other two over
# sockets (metrics/worker_totals.hpp).
check_eq "workers whose bytes crossed between nodes" \
  "$(prom_query "$p_prom" 'actors_link_bytes_total{direction="sent",scope="between_nodes"} > 0' | wc -l)" 2
check_eq "workers whose bytes stayed within their node" \
  "$(prom_query "$p_prom" 'actors_link_bytes_total{direction="sent",scope="within_node"} > 0' | wc -l)" 1
check_eq "staleness observations = the run's updates" \
  "$(prom_sum "$p_prom" actors_update_staleness_count)" "$updates"
check_eq "staleness <= +Inf bucket = the run's updates" \
  "$(prom_sum "$p_prom" 'actors_update_staleness_bucket{le="+Inf"}')" "$updates"
check_ge "worker wait seconds (summed)" "$(prom_sum "$p_prom" actors_worker_wait_seconds_total)" 0.001
check_eq "the driver was scraped: its fault kinds, all 0" \
  "$(prom_query "$p_prom" 'max_over_time(actors_faults_total{job="driver"}[1m])' | cut -f2 | sort | uniq -c | awk '{ print $1 "x" $2 }')" "3x0"
check_eq "targets with a resident memory figure (3 nodes, the driver)" \
  "$(prom_query "$p_prom" 'max_over_time(process_resident_memory_bytes[1m]) > 1e6' | wc -l)" 4
finish
