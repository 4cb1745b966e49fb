# Shared helpers for the integration tests (sourced, not run).
# Usage in a test: source "$(dirname "$0")/lib.sh" "$@"
set -euo pipefail
bin_dir=$1
repo_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# json_number FILE KEY: the first top-level-looking "KEY": number in FILE.
json_number() {
  grep -o "\"$2\": [-0-9.eE+]*" "$1" | head -1 | sed 's/.*: //'
}

# check_ge NAME VALUE MIN
check_ge() {
  if awk -v v="$2" -v m="$3" 'BEGIN { exit !(v >= m) }'; then
    echo "ok: $1 = $2 (>= $3)"
  else
    echo "FAIL: $1 = $2, expected >= $3"
    failures=$((failures + 1))
  fi
}

# check_le NAME VALUE MAX
check_le() {
  if awk -v v="$2" -v m="$3" 'BEGIN { exit !(v <= m) }'; then
    echo "ok: $1 = $2 (<= $3)"
  else
    echo "FAIL: $1 = $2, expected <= $3"
    failures=$((failures + 1))
  fi
}

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
  elif ! grep -Eq "$pattern" "$work/err"; then
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

# --- Processes: helpers for tests that start caf-node and other servers. ---

tracked_pids=()
exit_hooks=()

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

# running PID: PID exists and has not exited (a zombie has exited).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# wait_for_line FILE PATTERN SECONDS PID: wait until FILE has a line matching
# the extended regex PATTERN. Returns 1 on timeout, 2 if PID exits first.
wait_for_line() {
  local file=$1 pattern=$2 seconds=$3 pid=$4
  local deadline=$(($(date +%s%N) + seconds * 1000000000))
  until grep -Eq "$pattern" "$file" 2>/dev/null; do
    if ! running "$pid"; then
      grep -Eq "$pattern" "$file" 2>/dev/null && return 0
      return 2
    fi
    (($(date +%s%N) < deadline)) || return 1
    sleep 0.02
  done
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

# free_ports N: N consecutive TCP ports that no socket uses in any state,
# from a random base in 20000-31999: below Linux's default ephemeral range
# (32768-60999), so outgoing connections do not take them meanwhile.
free_ports() {
  local n=$1 used base p try ok
  # Local ports in hex, as /proc/net/tcp writes them.
  used=" $(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null \
    | awk 'NR > 1 { sub(/.*:/, "", $2); print $2 }' | sort -u | tr '\n' ' ') "
  for ((try = 0; try < 100; try++)); do
    base=$((20000 + RANDOM % (12000 - n)))
    ok=1
    for ((p = base; p < base + n; p++)); do
      [[ $used == *" $(printf '%04X' "$p") "* ]] && { ok=0; break; }
    done
    if ((ok)); then
      seq -s ' ' "$base" $((base + n - 1))
      return 0
    fi
  done
  echo "free_ports: no $n free consecutive ports found" >&2
  return 1
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
