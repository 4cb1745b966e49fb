# Shared helpers for the integration tests (sourced, not run).
# Usage in a test: source "$(dirname "$0")/lib.sh" "$@"
set -euo pipefail
bin_dir=$1
repo_dir=$2
# running, wait_for_line, free_ports, json_get, caf_node_start; shape_hosts.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/hosts.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# _number X: X is a decimal number (what awk would compare as one).
_number() {
  [[ $1 =~ ^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]]
}

# _check_bound NAME VALUE OP BOUND: VALUE OP BOUND, OP one of >= <= > <.
# An empty or non-numeric VALUE (a figure missing from a report) fails.
_check_bound() {
  if ! _number "$2" || ! _number "$4"; then
    echo "FAIL: $1 = '$2', expected a number $3 '$4'"
  elif awk -v v="$2" -v m="$4" "BEGIN { exit !(v $3 m) }"; then
    echo "ok: $1 = $2 ($3 $4)"
    return 0
  else
    echo "FAIL: $1 = $2, expected $3 $4"
  fi
  failures=$((failures + 1))
}

# check_ge NAME VALUE MIN
check_ge() { _check_bound "$1" "$2" ">=" "$3"; }

# check_le NAME VALUE MAX
check_le() { _check_bound "$1" "$2" "<=" "$3"; }

# check_eq NAME VALUE EXPECTED
check_eq() {
  if [[ "$2" == "$3" ]]; then
    echo "ok: $1 = $2"
  else
    echo "FAIL: $1 = '$2', expected '$3'"
    failures=$((failures + 1))
  fi
}

# expect_failure NAME CODE PATTERN CMD...: CMD must exit with CODE and print
# PATTERN (an extended regex) on stderr.
expect_failure() {
  local name=$1 code=$2 pattern=$3
  shift 3
  local rc=0
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  if [[ $rc -ne $code ]]; then
    echo "FAIL: $name: exit code $rc, expected $code; stderr: $(cat "$work/err")"
    failures=$((failures + 1))
  elif ! grep -Eq -e "$pattern" "$work/err"; then
    echo "FAIL: $name: stderr lacks /$pattern/: $(cat "$work/err")"
    failures=$((failures + 1))
  else
    echo "ok: $name: exit $code, $(head -1 "$work/err")"
  fi
}

finish() {
  if [[ $failures -gt 0 ]]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}

# exact_exchange: driver options for dist-keras's exact exchange (static
# slices, no overlap, fp32), which a run across nodes does not take by
# default (train/exchange_defaults.hpp); for the tests whose figures (commit
# counts of static slices, fp32 bytes on the links) are those of the seed's
# semantics. faults_test, scaling_test and seed_table_test run the defaults.
# shellcheck disable=SC2034 # used by the tests that source this file
exact_exchange=(--partitioning=static --overlap=false --wire=fp32)

# --- Processes: helpers for tests that start caf-node and other servers. ---

tracked_pids=()
exit_hooks=()
driver_logs=()

# Runs at exit (also after SIGINT/SIGTERM): the hooks in reverse order, then
# SIGKILL for every tracked process still running, then the work directory.
_lib_cleanup() {
  local rc=$? i pid
  set +e
  for ((i = ${#exit_hooks[@]} - 1; i >= 0; i--)); do
    eval "${exit_hooks[i]}"
  done
  for pid in "${tracked_pids[@]}"; do
    if [[ -e /proc/$pid ]]; then
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  rm -rf "$work"
  return $rc
}

_lib_arm_cleanup() {
  trap _lib_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# track_pid PID: SIGKILL PID at exit if it still runs (the test's own child).
track_pid() {
  tracked_pids+=("$1")
  _lib_arm_cleanup
}

# on_exit COMMAND: run COMMAND (a string) at exit, before the SIGKILLs.
on_exit() {
  exit_hooks+=("$1")
  _lib_arm_cleanup
}



# stop_within PID SECONDS: SIGTERM PID (a child of this shell), wait for it
# up to SECONDS and SIGKILL it after that. Sets stop_rc to its exit code, or
# "timeout" when it had to be killed, and stop_ms to the milliseconds taken.
# Call it directly, not in $(...): only this shell can reap its children.
stop_within() {
  local pid=$1 seconds=$2 start
  start=$(date +%s%N)
  stop_rc=0
  kill -TERM "$pid" 2>/dev/null || true
  while running "$pid"; do
    if (($(date +%s%N) - start > seconds * 1000000000)); then
      kill -9 "$pid" 2>/dev/null || true
      stop_rc=timeout
      break
    fi
    sleep 0.02
  done
  if [[ $stop_rc == timeout ]]; then
    wait "$pid" 2>/dev/null || true
  else
    wait "$pid" 2>/dev/null || stop_rc=$?
  fi
  stop_ms=$((($(date +%s%N) - start) / 1000000))
}

# tcp_sockets PORT [STATE...]: how many TCP sockets (IPv4 and IPv6) have
# local port PORT, in any state or in one of the STATEs (LISTEN, ESTABLISHED,
# FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSING). Reads
# /proc/net/tcp*, so it needs no iproute2 (`ss` shows the same).
tcp_sockets() {
  local port=$1 codes=""
  shift
  local -A code=([ESTABLISHED]=01 [SYN_SENT]=02 [SYN_RECV]=03 [FIN_WAIT1]=04
                 [FIN_WAIT2]=05 [TIME_WAIT]=06 [CLOSE]=07 [CLOSE_WAIT]=08
                 [LAST_ACK]=09 [LISTEN]=0A [CLOSING]=0B)
  local st
  for st in "$@"; do codes+=" ${code[$st]}"; done
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null \
    | awk -v port="$(printf '%04X' "$port")" -v codes="$codes " '
        NR > 1 && $2 ~ (":" port "$") && (codes == " " || index(codes, " " $4 " ")) { n++ }
        END { print n + 0 }'
}


# fatal MESSAGE [FILE...]: print MESSAGE and the FILEs, then fail the test.
fatal() {
  local f
  echo "FAIL: $1"
  shift
  for f in "$@"; do
    echo "--- $f:"
    cat "$f" 2>/dev/null || true
  done
  exit 1
}

# run_driver NAME COMMAND...: runs the driver COMMAND (train_mnist, maybe
# under `ip netns exec`) with its output in $work/NAME.log, in the
# background (so that `wait` returns at once on SIGINT/SIGTERM and the
# cleanup runs then), prints that log and how the driver exited after how
# many ms; on a failure ends the test showing the files of the array
# driver_logs (the caller's node logs; see driver_logs_of).
run_driver() {
  local name=$1 pid rc=0 start
  shift
  start=$(date +%s%N)
  "$@" >"$work/$name.log" 2>&1 &
  pid=$!
  track_pid "$pid"
  wait "$pid" || rc=$?
  cat "$work/$name.log"
  echo "$name: driver exit $rc after $((($(date +%s%N) - start) / 1000000)) ms"
  ((rc == 0)) || fatal "$name: the driver exited with $rc" "${driver_logs[@]}"
}

# driver_logs_of ARRAY: the logs run_driver shows on a failure are the
# values of the (indexed or associative) array named ARRAY, as it is now.
driver_logs_of() {
  local -n _driver_logs_src=$1
  driver_logs=("${_driver_logs_src[@]}")
}

# run_bench LOG SCRIPT ARG...: runs the bench script SCRIPT (bash) with the
# ARGs, its output in LOG, in the background (so that `wait` returns at once
# on SIGINT/SIGTERM and the bench's own trap cleans up what it made), and
# sets bench_pid. Exits 77 (skipped) when the bench cannot run here, fails
# the test when it fails; prints LOG when it succeeds.
run_bench() {
  local log=$1 rc=0
  shift
  bash "$@" >"$log" 2>&1 &
  bench_pid=$!
  track_pid "$bench_pid"
  wait "$bench_pid" || rc=$?
  if ((rc == 77)); then
    grep "cannot run here" "$log" || tail -3 "$log"
    exit 77
  fi
  ((rc == 0)) || fatal "${*#"$repo_dir/"} exited with $rc" "$log"
  cat "$log"
}

# --- Training reports (train_mnist --report), read with json_get. ---

# workers_where REPORT CONDITION: how many of REPORT's per_worker entries
# satisfy the jq CONDITION (e.g. '.commits == 165', '.node == "n1"').
workers_where() {
  json_get "$1" "[.per_worker[] | select($2)] | length"
}

# check_run LABEL REPORT MIN_ACCURACY UPDATES [WORKERS]: a run of WORKERS
# workers (default 3) reached MIN_ACCURACY; the server applied UPDATES
# updates and the workers sent as many commits, an equal share each.
check_run() {
  local label=$1 r=$2 acc=$3 updates=$4 workers=${5:-3}
  check_ge "$label: test accuracy" "$(json_get "$r" .test_accuracy)" "$acc"
  check_eq "$label: ps_updates" "$(json_get "$r" .ps_updates)" "$updates"
  check_eq "$label: commits" "$(json_get "$r" .commits)" "$updates"
  check_eq "$label: workers with $((updates / workers)) commits" \
    "$(workers_where "$r" ".commits == $((updates / workers))")" "$workers"
}

# check_shards LABEL REPORT SENT [WORKERS]: the driver sent SENT shards and
# the nodes read the others (WORKERS in all, default 3) themselves.
check_shards() {
  check_eq "$1: shards_read_on_nodes" "$(json_get "$2" .shards_read_on_nodes)" $((${4:-3} - $3))
  check_eq "$1: shards_sent" "$(json_get "$2" .shards_sent)" "$3"
}

# --- Hosts made of network namespaces (scripts/netns.sh). ---

# netns_hosts PREFIX N: skip the test (exit 77, saying why) unless this is
# root on a machine that can make namespaces; then make hosts PREFIX-1..N
# and the driver host PREFIX-0, removed at exit. Sets node, train, data and
# netns (the binaries, the data directory and scripts/netns.sh).
netns_hosts() {
  node=$(cd "$bin_dir/../node" && pwd)/caf-node
  train=$(cd "$bin_dir" && pwd)/train_mnist
  data=$(cd "$repo_dir/data" && pwd)
  netns=$repo_dir/scripts/netns.sh
  [[ -x $node ]] || fatal "no caf-node at $node"
  if [[ $(id -u) != 0 ]]; then
    echo "skipped: creating network namespaces needs root (running as $(id -un))"
    exit 77
  fi
  if ! bash "$netns" check 2>"$work/check.err"; then
    echo "skipped: no network namespaces here: $(cat "$work/check.err")"
    exit 77
  fi
  on_exit "bash '$netns' down $1"
  bash "$netns" up "$1" "$2" --driver || fatal "netns.sh up $1 $2 --driver failed"
}
