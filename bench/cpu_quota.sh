#!/usr/bin/env bash
# cpu_quota.sh [--quick] [--periods=100,20,10,5] [--threads=1,2] [--share=0.5]
#              [--runs=3] [--dataset=mnist|fashion] [--epochs=1]
#              [--bin-dir=DIR] [--allow-stale] [--out=DIR]
#
# Which CFS period makes a cgroup cpu quota a fair fraction of a core? The
# emulated hosts of bench/scaling.sh hold each caf-node to a share of a core
# with a cgroup v1 quota (scripts/lib/hosts.sh cgroup_cpu_quota): SHARE x
# PERIOD of CPU time in every PERIOD. At the kernel's default period (100 ms)
# a host at half a core computed 2.3x, not 2x, slower per sample than one at
# a full core: a process with several busy threads burns the quota early in
# the period, then every thread waits for the next one (throttling).
#
# For each period (ms) and each compute-thread count, one after the other in
# one run, this trains the seed recipe's model in one process (train_mnist
# --trainer=single: mnist_cnn, Adam, batch 16, seed 42, --threads=N) in a
# fresh cgroup held to 1 core and in one held to SHARE of a core (default
# 0.5), and reads:
#   ms per sample   train_mnist's training seconds / samples (its report;
#                   loading and evaluation are not in it);
#   ratio           ms per sample at SHARE / at 1 core; a fair quota gives
#                   1 / SHARE (2 at half a core);
#   throttling      the cgroup's cpu.stat after the run: nr_periods (periods
#                   with work), nr_throttled (those in which the quota ran
#                   out) and throttled_time (the seconds its threads waited);
#   CPU ms/sample   the process's CPU time (user + system) / samples, which
#                   a fair quota leaves alone: the whole run's, loading and
#                   evaluation included, so only for comparing cells;
#   others          the cores the rest of the machine used meanwhile (all
#                   busy CPU time from /proc/stat minus the run's, over its
#                   wall time): above 0.1 the cell was not measured alone,
#                   and a 1-core run that shares its core with others makes
#                   every ratio low.
# The whole sweep repeats --runs times (default 3; the order of periods
# alternates between repetitions) and each cell gives the median. The
# period whose ratio comes closest to 1 / SHARE, per thread count, is named
# in the results; it is the one to make hosts.sh's hosts_cpu_period_ms.
# --quick: one repetition, periods 100 and 10, one thread (about a minute):
# checks the script; figures go to cpu_quota_quick.*.
#
# Writes DIR/cpu_quota.{md,json} (default DIR: bench/results). The binary:
# DIR/train_mnist (default --bin-dir: build/apps/train_mnist), newer than
# the checkout's sources unless --allow-stale (scripts/lib/results.sh).
# Needs root, the cgroup v1 cpu controller, jq and the data
# (scripts/fetch_data.sh); makes cgroups, so hold /work/wt/netns.lock
# (flock) where others make them too, and measure on a quiet machine: other
# work on the cores shows up as time per sample. Every cgroup it makes is
# removed at exit, also on failure and Ctrl-C.
# Exit codes: 0 done, 1 failed, 2 bad usage or a stale build, 77 cannot
# run on this machine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# cgroup_cpu_check, cgroup_cpu_make, cgroup_cpu_quota, cgroup_cpu_stat,
# cgroup_cpu_remove, cgroup_cpu_remove_killed, machine_json, machine_line,
# bench_publish.
source "$repo/scripts/lib/hosts.sh"
# result_meta_json, result_meta_md, result_command, bench_refuse_stale.
source "$repo/scripts/lib/results.sh"
id=cq$$

say() { echo "cpu_quota: $*" >&2; }
die() { say "$*"; exit 1; }
usage() { say "$*"; exit 2; }
skip() { say "cannot run here: $*"; exit 77; }

quick=0 periods="" threads_list="" share=0.5 runs="" dataset=mnist epochs=1 allow_stale=0
out=$repo/bench/results bin_dir=$repo/build/apps/train_mnist
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --periods=?*) periods=${arg#*=} ;;
    --threads=?*) threads_list=${arg#*=} ;;
    --share=?*) share=${arg#*=} ;;
    --runs=?*) runs=${arg#*=} ;;
    --dataset=?*) dataset=${arg#*=} ;;
    --epochs=?*) epochs=${arg#*=} ;;
    --bin-dir=?*) bin_dir=${arg#*=} ;;
    --allow-stale) allow_stale=1 ;;
    --out=?*) out=${arg#*=} ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) usage "unknown argument '$arg' (see --help)" ;;
  esac
done
if ((quick)); then
  name=cpu_quota_quick periods=${periods:-100,10} threads_list=${threads_list:-1} runs=${runs:-1}
else
  name=cpu_quota periods=${periods:-100,20,10,5} threads_list=${threads_list:-1,2} runs=${runs:-3}
fi
[[ $periods =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || usage "--periods takes whole ms (1-1000) separated by commas; got '$periods'"
for p in ${periods//,/ }; do
  ((p <= 1000)) || usage "--periods: $p ms is above the kernel's 1000 ms"
done
[[ $threads_list =~ ^[1-9](,[1-9])*$ ]] || usage "--threads takes thread counts 1-9 separated by commas; got '$threads_list'"
if [[ ! $share =~ ^0?\.[0-9]+$ ]] || ! awk -v c="$share" 'BEGIN { exit !(c >= 0.05 && c < 1) }'; then
  usage "--share takes a share of one core from 0.05 to below 1; got '$share'"
fi
share=$(awk -v c="$share" 'BEGIN { printf "%g", c }') # 0.5, not .5: JSON
[[ $runs =~ ^[1-9][0-9]?$ ]] || usage "--runs takes a count 1-99; got '$runs'"
[[ $dataset =~ ^(fashion|mnist)$ ]] || usage "--dataset takes fashion or mnist; got '$dataset'"
[[ $epochs =~ ^[1-9]$ ]] || usage "--epochs takes a count 1-9; got '$epochs'"
for p in ${periods//,/ }; do
  awk -v c="$share" -v p="$p" 'BEGIN { exit !(c * p >= 1) }' \
    || usage "--periods: $share of a $p ms period is below the kernel's 1 ms minimum quota"
done
train=$bin_dir/train_mnist
[[ -x $train ]] || usage "--bin-dir=$bin_dir: no train_mnist there (build it: bash scripts/build.sh)"
bench_refuse_stale cpu_quota "$repo" "$allow_stale" "$train" || exit 2

[[ $(id -u) == 0 ]] || skip "cgroups need root (running as $(id -un))"
command -v jq >/dev/null || die "no jq to read the reports: run 'bash scripts/setup.sh'"
[[ -d $repo/data/$dataset ]] || die "no $dataset data in $repo/data/$dataset: run scripts/fetch_data.sh"
cgroup_cpu_check || skip "no cpu quotas (cgroup v1 cpu controller)"

work=$(mktemp -d /tmp/cpu_quota.XXXXXX)
cgroup=""
cleanup() {
  local rc=$?
  set +e
  [[ -n $cgroup ]] && cgroup_cpu_remove "$cgroup"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cgroup_cpu_remove_killed cq

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
uptime_before=$(uptime)
meta=$(result_meta_json "$repo" "$(result_command bench/cpu_quota.sh "$@")")

# busy_seconds: the CPU seconds every core of the machine has been busy
# since boot (/proc/stat's first line: user nice system irq softirq steal).
busy_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat
}

# measure RUN PERIOD THREADS CORES: one training run in a fresh cgroup held
# to CORES per PERIOD ms; appends its JSON line to $work/runs.jsonl.
measure() {
  local run=$1 period=$2 threads=$3 cores=$4 tag rc=0 stat busy0 busy1 t0 t1 cpu
  tag=r$1-p$2-t$3-c$4
  cgroup=$(cgroup_cpu_make "$id-$tag") || die "cannot make a cgroup"
  cgroup_cpu_quota "$cgroup" "$cores" "$period" || die "cannot set the quota of $tag"
  busy0=$(busy_seconds)
  t0=$(date +%s.%N)
  # The subshell joins the cgroup, runs train_mnist and writes the CPU
  # seconds of its children (`times`' second line: user and system).
  (
    echo "$BASHPID" >"$cgroup/cgroup.procs"
    rc=0
    timeout -k 5 900 "$train" --data="$repo/data" --dataset="$dataset" --model=mnist_cnn \
      --trainer=single --optimizer=adam --batch-size=16 --epochs="$epochs" --seed=42 \
      --threads="$threads" --progress=off --report="$work/$tag.json" || rc=$?
    times >"$work/$tag.times" # not in a pipe: a subshell has no children
    exit "$rc"
  ) >"$work/$tag.log" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  busy1=$(busy_seconds)
  if ((rc != 0)) || [[ ! -s $work/$tag.json ]]; then
    tail -20 "$work/$tag.log" >&2
    die "$tag: train_mnist exited with $rc"
  fi
  stat=$(cgroup_cpu_stat "$cgroup")
  cgroup_cpu_remove "$cgroup"
  cgroup=""
  read -r nr_periods nr_throttled throttled_ns <<<"$stat"
  # "XmY.YYYs XmY.YYYs": user and system minutes and seconds.
  cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); c += t[1] * 60 + t[2] } }
             END { printf "%.3f", c }' "$work/$tag.times")
  jq -c --argjson run "$run" --argjson period "$period" --argjson threads "$threads" \
    --argjson cores "$cores" --argjson np "$nr_periods" --argjson nt "$nr_throttled" \
    --argjson tns "$throttled_ns" --argjson cpu "$cpu" \
    --argjson others "$(awk -v b0="$busy0" -v b1="$busy1" -v t0="$t0" -v t1="$t1" -v c="$cpu" \
      'BEGIN { o = (b1 - b0 - c) / (t1 - t0); printf "%.3f", o < 0 ? 0 : o }')" \
    '{run: $run, period_ms: $period, threads: $threads, cores: $cores,
      ms_per_sample: (1000 * .train_seconds / .samples), train_seconds, samples,
      test_accuracy, nr_periods: $np, nr_throttled: $nt, throttled_seconds: ($tns / 1e9),
      cpu_seconds: $cpu, cpu_ms_per_sample: (1000 * $cpu / .samples), others_cores: $others}' \
    "$work/$tag.json" >>"$work/runs.jsonl"
  say "  $tag: $(jq -r '"\(.ms_per_sample * 1000 | round / 1000) ms per sample, throttled in \(.nr_throttled) of \(.nr_periods) periods (\(.throttled_seconds * 10 | round / 10) s), others used \(.others_cores) cores"' <<<"$(tail -1 "$work/runs.jsonl")")"
}

: >"$work/runs.jsonl"
read -r -a period_order <<<"${periods//,/ }"
for ((run = 1; run <= runs; run++)); do
  say "repetition $run of $runs"
  for p in "${period_order[@]}"; do
    for t in ${threads_list//,/ }; do
      measure "$run" "$p" "$t" 1
      measure "$run" "$p" "$t" "$share"
    done
  done
  # The next repetition takes the periods in the reverse order, so a drift
  # of the machine does not favour one end of the list.
  for ((i = 0, j = ${#period_order[@]} - 1; i < j; i++, j--)); do
    p=${period_order[i]}
    period_order[i]=${period_order[j]}
    period_order[j]=$p
  done
done

# --- Results. ---
mkdir -p "$out"
json=$work/$name.json
jq -s --argjson meta "$meta" --argjson machine "$(machine_json "$uptime_before" "$load_before")" \
  --argjson share "$share" --arg dataset "$dataset" --argjson epochs "$epochs" \
  --argjson current "$hosts_cpu_period_ms" '
  def median: sort | if length == 0 then null
    elif length % 2 == 1 then .[length / 2 | floor]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def cell($rs; $c): $rs | map(select(.cores == $c)) as $x
    | {ms_per_sample: ($x | map(.ms_per_sample) | median),
       cpu_ms_per_sample: ($x | map(.cpu_ms_per_sample) | median),
       others_cores: ($x | map(.others_cores) | max),
       nr_periods: ($x | map(.nr_periods) | median),
       nr_throttled: ($x | map(.nr_throttled) | median),
       throttled_seconds: ($x | map(.throttled_seconds) | median)};
  . as $runs
  | ($runs | group_by([.threads, .period_ms]) | map(
      {threads: .[0].threads, period_ms: .[0].period_ms,
       full: cell(.; 1), part: cell(.; $share)}
      | . + {ratio: (.part.ms_per_sample / .full.ms_per_sample)}
      | . + {off_fair: ((.ratio * $share) - 1)})) as $summary
  | {bench: "cpu_quota", meta: $meta, machine: $machine,
     workload: {trainer: "single", model: "mnist_cnn", optimizer: "adam", batch_size: 16,
                seed: 42, dataset: $dataset, epochs: $epochs},
     share: $share, fair_ratio: (1 / $share), hosts_cpu_period_ms: $current,
     summary: ($summary | sort_by(.threads, -.period_ms)),
     closest_to_fair: ($summary | group_by(.threads)
       | map(min_by(.off_fair | if . < 0 then -. else . end) | {threads, period_ms, ratio})),
     runs: $runs}' "$work/runs.jsonl" >"$json" || die "cannot write the results JSON"

md=$work/$name.md
{
  echo "# CPU quotas: time per sample at 1 core and at $share core, per CFS period"
  echo
  result_meta_md "$meta"
  echo "Machine: $(machine_line). Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Each cell: train_mnist --trainer=single (mnist_cnn, Adam, batch 16, seed 42, $epochs epoch(s) of $dataset)"
  echo "in a fresh cgroup v1 cpu cgroup with a quota of CORES x PERIOD per PERIOD; the median of $runs run(s)."
  echo "ms per sample = training seconds / samples (train_mnist's report). A fair quota makes"
  echo "the $share-core time $(fmt "$(awk -v s="$share" 'BEGIN { print 1 / s }')" %.2f)x the 1-core time. Throttled: cpu.stat's nr_throttled of"
  echo "nr_periods, and throttled_time, the seconds the threads waited for the next period."
  echo "scripts/lib/hosts.sh's default period when this ran: $hosts_cpu_period_ms ms."
  echo
  echo "CPU ms/sample: the process's CPU time over its samples (loading and evaluation included);"
  echo "others: the most cores the rest of the machine used during a run of the cell (above 0.1: not alone)."
  echo
  echo "| threads | period ms | 1 core: ms/sample | CPU ms/sample | throttled (of periods), s | others | $share core: ms/sample | CPU ms/sample | throttled (of periods), s | others | ratio $share / 1 | off fair |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  jq -r 'def r(d): . * pow(10; d) | round / pow(10; d);
    def side: [(.ms_per_sample | r(4)), (.cpu_ms_per_sample | r(4)),
      "\(.nr_throttled) (\(.nr_periods)), \(.throttled_seconds | r(2))", .others_cores];
    .summary[] | [.threads, .period_ms] + (.full | side) + (.part | side)
      + [(.ratio | r(3)), "\(.off_fair * 100 | r(1)) %"] | "| " + (map(tostring) | join(" | ")) + " |"' "$json"
  echo
  echo "Closest to fair, per thread count: $(jq -r '[.closest_to_fair[] | "\(.threads) thread(s): \(.period_ms) ms (ratio \(.ratio * 1000 | round / 1000))"] | join("; ")' "$json")."
} >"$md"
bench_publish cpu_quota "$out" "$md" "$json" || die "cannot write the results"
