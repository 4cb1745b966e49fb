# shellcheck shell=bash
# hosts.sh: emulated hosts for the benchmarks (bench/seed_table.sh,
# bench/scaling.sh) and the container test, sourced, not run. A host is a
# network namespace of scripts/netns.sh on one bridge; this file does the
# chores around them the same way for everyone: cap the links at 1 Gbit/s
# (shape_hosts), cut two hosts apart (host_cut), count a host's link bytes,
# hold a process to a CPU share with a cgroup v1 `cpu` quota, read a
# process's CPU seconds (also per thread name: thread_cpu_watch,
# thread_cpu_json), describe the machine in a results header and publish
# the results.
#
# Needs bash 4.3+, iproute2 (ip, tc), awk, jq for the reports and, for the
# quotas, the cgroup v1 `cpu` hierarchy mounted at /sys/fs/cgroup/cpu. Like
# common.sh, the helpers return non-zero with a message on stderr instead
# of exiting and set no shell options.

hosts_cgroup_root=/sys/fs/cgroup/cpu

# shape_hosts PREFIX LAST [RATE]: caps the links of the hosts PREFIX-0..LAST
# (from `scripts/netns.sh up PREFIX LAST --driver`) at RATE (tc's syntax,
# Mbit or Gbit: 1gbit, the default, 10gbit, 500mbit) in both directions (each
# host's eth0 and its port on the bridge) and delays what each host sends by
# 0.2 ms, with netem; a kernel without netem (this project's machines have
# tbf and htb, no netem) gets the rate from tbf and no delay, with a note on
# stderr. tbf's bucket holds 1 ms at RATE (128 KiB per Gbit/s, at least
# 128 KiB), so one timer tick does not cap the rate. Called again on the same
# hosts it replaces the shaping (another RATE). Sets `shaping` to the eth0
# qdisc used and `shaping_bits` to RATE in bit/s. On failure says why on
# stderr and returns 1.
# $shaping is split into tc arguments on purpose:
# shellcheck disable=SC2086
shape_hosts() {
  local prefix=$1 last=$2 rate=${3:-1gbit} i err burst
  if [[ ! $rate =~ ^([1-9][0-9]*)(mbit|gbit)$ ]]; then
    echo "shape_hosts: the rate must be a whole number of mbit or gbit (1gbit, 10gbit, 500mbit); got '$rate'" >&2
    return 1
  fi
  shaping_bits=$((BASH_REMATCH[1] * 1000000))
  [[ ${BASH_REMATCH[2]} == gbit ]] && shaping_bits=$((shaping_bits * 1000))
  burst=$((shaping_bits / 8000 / 1024)) # 1 ms of RATE, in KiB
  ((burst >= 128)) || burst=128
  shaping="netem delay 0.2ms rate $rate"
  if ! err=$(tc -n "$prefix-0" qdisc replace dev eth0 root $shaping 2>&1); then
    [[ $err == *"kind is unknown"* ]] || { echo "tc qdisc replace ... $shaping failed: $err" >&2; return 1; }
    shaping="tbf rate $rate burst ${burst}kb latency 5ms"
    echo "note: this kernel has no netem qdisc: links capped at $rate by tbf, no delay added" >&2
    tc -n "$prefix-0" qdisc replace dev eth0 root $shaping || { echo "tc: cannot shape host 0 ($shaping)" >&2; return 1; }
  fi
  for ((i = 1; i <= last; i++)); do
    tc -n "$prefix-$i" qdisc replace dev eth0 root $shaping || { echo "tc: cannot shape host $i ($shaping)" >&2; return 1; }
  done
  for ((i = 0; i <= last; i++)); do
    # The delay once per direction is enough: only the rate on the bridge side.
    tc -n "$prefix-sw" qdisc replace dev "$prefix-p$i" root ${shaping/delay 0.2ms /} \
      || { echo "tc: cannot shape the bridge port of host $i" >&2; return 1; }
  done
}

# host_link_bytes PREFIX I: "TX RX", the bytes host PREFIX-I's eth0 has
# sent and received so far.
host_link_bytes() {
  local s=/sys/class/net/eth0/statistics
  ip netns exec "$1-$2" sh -c "echo \$(cat $s/tx_bytes) \$(cat $s/rx_bytes)"
}

# host_cut PREFIX I J on|off: a partial partition. Host PREFIX-I can no
# longer reach host J's address, nor J reach I, while both still reach every
# other host: two iptables DROP rules in I's namespace (to and from J's
# address), so neither side gets an answer or a reset and a connection
# between them dies only by its timeouts. `off` deletes the rules; they also
# go with the namespace. Needs iptables; touches no rule outside PREFIX-I.
# (tests/integration/partition_test.sh and faults_test.sh.)
host_cut() {
  local ns=$1-$2 addr op
  case $4 in
    on) op=-I ;;
    off) op=-D ;;
    *) echo "host_cut: '$4': expected on or off" >&2; return 2 ;;
  esac
  addr=$(bash "$(dirname "${BASH_SOURCE[0]}")/../netns.sh" addr "$3") || return 1
  ip netns exec "$ns" iptables "$op" INPUT -s "$addr" -j DROP || return 1
  ip netns exec "$ns" iptables "$op" OUTPUT -d "$addr" -j DROP
}

# pid_cpu_seconds PID: the CPU seconds (user + system, all threads) process
# PID has used so far; 0 once it is gone.
pid_cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' \
    "/proc/$1/stat" 2>/dev/null || echo 0
}

# thread_cpu_watch PID OUT: samples every thread of process PID twice a
# second until PID ends (or this is killed), appending "TID NAME TICKS
# KTICKS" lines (TICKS: utime + stime, KTICKS: stime, in clock ticks) to
# OUT; run it in the
# background. A thread that ends between samples loses its last half second.
# A thread that ends between the glob and its read makes awk exit 2 after
# the others' lines: that sample stands, and the watch goes on (under the
# callers' `set -e -o pipefail` it used to die silently, and their `kill` of
# it then failed; tests/integration/thread_watch_test.sh).
thread_cpu_watch() {
  while [[ -d /proc/$1 ]]; do
    awk '{ i = index($0, "("); j = index($0, ") "); name = substr($0, i + 1, j - i - 1)
           gsub(/ /, "_", name); split(substr($0, j + 2), f, " ")
           print FILENAME, name, f[12] + f[13], f[13] }' /proc/"$1"/task/*/stat 2>/dev/null \
      | sed 's|^/proc/[0-9]*/task/\([0-9]*\)/stat|\1|' >>"$2" || true
    sleep 0.5
  done
}

# thread_cpu_json OUT [kernel]: the CPU seconds (with `kernel`: those in the
# kernel) each thread name (CAF's caf.actor, caf.multiplexer, ...) used in
# the samples OUT holds, as a JSON object: per thread its last sample minus
# its first if it ran at the first sample, else its last (it was born
# during the watch).
thread_cpu_json() {
  awk -v hz="$(getconf CLK_TCK)" -v col="$([[ ${2:-} == kernel ]] && echo 4 || echo 3)" '
    # The first sample: the lines up to the first repeated TID.
    !done0 && ($1 in base) { done0 = 1 }
    !done0 { base[$1] = $col }
    { last[$1] = $col; name[$1] = $2 }
    END { printf "{"; n = 0
          for (t in last) sum[name[t]] += (last[t] - ((t in base) ? base[t] : 0)) / hz
          for (k in sum) printf "%s\"%s\": %.2f", (n++ ? ", " : ""), k, sum[k]
          print "}" }' "$1"
}

# cgroup_cpu_check: whether cpu quotas can be set here (the v1 `cpu`
# controller with CFS bandwidth control, writable); if not, says why.
cgroup_cpu_check() {
  if [[ ! -w $hosts_cgroup_root/cgroup.procs || ! -e $hosts_cgroup_root/cpu.cfs_quota_us ]]; then
    echo "no writable cgroup v1 cpu hierarchy with cpu.cfs_quota_us at $hosts_cgroup_root" >&2
    return 1
  fi
}

# cgroup_cpu_make NAME: makes the cgroup $hosts_cgroup_root/NAME (no quota
# yet) and prints its path.
cgroup_cpu_make() {
  local dir=$hosts_cgroup_root/$1
  mkdir -p "$dir" || { echo "cannot make the cgroup $dir" >&2; return 1; }
  echo "$dir"
}

# The CFS period of the quotas, in ms (cgroup_cpu_quota). A host's quota is
# CORES x the period each period: at 100 ms (the kernel's default) a
# multi-threaded caf-node at half a core burns its 50 ms early in each
# period and then every thread stalls for the rest, so it computed 2.3x, not
# 2x, slower per sample than at a full core (the calibration of
# bench/results/scaling4/scaling_model.md); bench/cpu_quota.sh measures each
# period side by side (bench/results/cpu_quota.md). The default stays the
# kernel's 100 ms, at which every figure so far was measured, until a quiet
# run of cpu_quota.sh names the period closest to 2x. HOSTS_CPU_PERIOD_MS in
# the environment (or a script's option, e.g. scaling.sh --cpu-period-ms)
# sets another; 1-1000.
hosts_cpu_period_ms=${HOSTS_CPU_PERIOD_MS:-100}

# cgroup_cpu_quota DIR CORES [PERIOD_MS]: holds the processes of cgroup DIR
# to CORES cores (a decimal, e.g. 1 or 0.25) of CPU time: a CFS quota of
# CORES periods each period of PERIOD_MS ms (default $hosts_cpu_period_ms).
# The quota must come to at least 1 ms (the kernel's minimum).
cgroup_cpu_quota() {
  local dir=$1 cores=$2 period_ms=${3:-$hosts_cpu_period_ms} quota period
  if [[ ! $period_ms =~ ^[1-9][0-9]*$ ]] || ((period_ms > 1000)); then
    echo "cgroup_cpu_quota: the period must be a whole number of ms from 1 to 1000; got '$period_ms'" >&2
    return 1
  fi
  period=$((period_ms * 1000))
  quota=$(awk -v c="$cores" -v p="$period" 'BEGIN { printf "%d", c * p }')
  if ((quota < 1000)); then
    echo "cgroup_cpu_quota: $cores cores of a $period_ms ms period is below the 1 ms minimum quota" >&2
    return 1
  fi
  # Period and quota are checked against each other: lift the quota first.
  if ! { echo -1 >"$dir/cpu.cfs_quota_us" && echo "$period" >"$dir/cpu.cfs_period_us" \
    && echo "$quota" >"$dir/cpu.cfs_quota_us"; }; then
    echo "cannot set a quota of $cores cores per $period_ms ms on $dir" >&2
    return 1
  fi
}

# cgroup_cpu_stat DIR: the throttling counters of cgroup DIR so far, as
# "PERIODS THROTTLED THROTTLED_NS" (cpu.stat's nr_periods, nr_throttled,
# throttled_time): the periods with runnable tasks, those in which the
# quota ran out, and the nanoseconds its tasks waited for the next period.
cgroup_cpu_stat() {
  awk '$1 == "nr_periods" { p = $2 } $1 == "nr_throttled" { n = $2 }
       $1 == "throttled_time" { t = $2 } END { print p + 0, n + 0, t + 0 }' "$1/cpu.stat"
}

# cgroup_cpu_remove DIR...: SIGKILLs what still runs in each cgroup DIR and
# removes it (waiting up to 5 s for its processes to go); a DIR that does
# not exist is fine.
cgroup_cpu_remove() {
  local dir try
  for dir in "$@"; do
    [[ -d $dir ]] || continue
    for ((try = 0; try < 50; try++)); do
      xargs -r kill -9 <"$dir/cgroup.procs" 2>/dev/null || true
      rmdir "$dir" 2>/dev/null && break
      sleep 0.1
    done
    [[ -d $dir ]] && echo "note: cannot remove the cgroup $dir" >&2
  done
  return 0
}

# cgroup_cpu_remove_killed PREFIX: removes the cgroups $hosts_cgroup_root/
# PREFIX<pid>-* of runs killed with SIGKILL (their PID is gone).
cgroup_cpu_remove_killed() {
  local dir run
  for dir in "$hosts_cgroup_root/$1"[0-9]*-*; do
    [[ -d $dir ]] || continue
    run=${dir##*/}
    run=${run%%-*}
    kill -0 "${run#"$1"}" 2>/dev/null && continue
    echo "note: removing the cgroup $dir a killed run ($run) left" >&2
    cgroup_cpu_remove "$dir"
  done
}

# cpu_model: this machine's CPU model name.
cpu_model() {
  sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1
}

# jstr STRING: STRING as a JSON string (no control characters in ours).
jstr() {
  printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# machine_json UPTIME_BEFORE LOAD_BEFORE: the results' "machine" member:
# host name, kernel, cores, CPU model, and the uptime and load average
# before and now.
machine_json() {
  printf '{"name": %s, "kernel": %s, "cores": %s, "cpu": %s, "uptime_before": %s, "uptime_after": %s, "load_before": "%s", "load_after": "%s"}' \
    "$(jstr "$(uname -n)")" "$(jstr "$(uname -r)")" "$(nproc)" "$(jstr "$(cpu_model)")" \
    "$(jstr "$1")" "$(jstr "$(uptime)")" "$2" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# machine_line: "NAME, a N-core CPU MODEL, Linux KERNEL", for a header.
machine_line() {
  echo "$(uname -n), a $(nproc)-core $(cpu_model), Linux $(uname -r)"
}

# fmt VALUE FORMAT: VALUE printed with the printf FORMAT (awk's).
fmt() {
  awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'
}

# kill_own_jobs: SIGKILLs this shell's background jobs that still run (a
# bench's clients, drivers, peers) and reaps them; for exit cleanups.
kill_own_jobs() {
  local p
  for p in $(jobs -pr); do
    kill -9 "$p" 2>/dev/null || true
  done
  wait 2>/dev/null
  return 0
}

# bench_chart SCRIPT DATAFILE PNG SETTINGS: runs the gnuplot SCRIPT with
# `datafile`, `outfile` (PNG) and the SETTINGS (more gnuplot assignments,
# e.g. "what='...'"); on failure shows gnuplot's errors and returns 1.
bench_chart() {
  local err
  err=$(gnuplot -e "datafile='$2'; outfile='$3'; $4" "$1" 2>&1) \
    || { echo "gnuplot $1 failed: $err" >&2; return 1; }
}

# bench_publish WHO DIR MARKDOWN FILE...: copies MARKDOWN and those of the
# FILEs (the results: JSON, chart) that exist into DIR, prints MARKDOWN and
# says on stderr, as WHO, what it wrote.
bench_publish() {
  local who=$1 dir=$2 md=$3 f files=()
  shift 3
  for f in "$md" "$@"; do
    [[ -e $f ]] && files+=("$f")
  done
  if ! { mkdir -p "$dir" && cp "${files[@]}" "$dir/"; }; then
    echo "$who: cannot copy the results into $dir" >&2
    return 1
  fi
  cat "$md"
  echo "$who: wrote ${files[*]##*/} in $dir" >&2
}

# bench_html_reports NAME SRC DIR: copies the runs' HTML reports
# (train_mnist --report-html), SRC/*.html, into DIR/NAME-html/ and prints a
# Markdown paragraph naming them (relative to DIR, where NAME.md goes). They
# are kept where the bench ran, not committed (.gitignore covers
# bench/results/**/*-html/: a copy of the page template per run), so the
# paragraph names them as text, never as links that a checkout would lack.
# Prints nothing when there are none, returns 1 if the copy fails.
bench_html_reports() {
  local name=$1 src=$2 dir=$3 f names=""
  shopt -s nullglob
  local files=("$src"/*.html)
  shopt -u nullglob
  ((${#files[@]})) || return 0
  mkdir -p "$dir/$name-html" && cp "${files[@]}" "$dir/$name-html/" || return 1
  for f in "${files[@]}"; do
    f=${f##*/}
    names+="${names:+, }\`${f%.html}\`"
  done
  echo
  echo "HTML reports of the runs (curves, workers, nodes, faults; open in a browser), kept where the"
  echo "bench ran and not committed: \`$name-html/RUN.html\` beside this file, RUN one of $names."
}
