# shellcheck shell=bash
# common.sh: shell helpers shared by tests/integration (through lib.sh) and
# bench/ (sourced, not run). Each helper does one chore the same way for
# everyone: start a caf-node and wait until it listens, read a value from a
# JSON report, wait for a log line, find free ports.
#
# Needs bash 4.3+, coreutils, awk and, for json_get, jq (scripts/setup.sh
# installs it). The helpers return non-zero with a message on stderr instead
# of exiting, so the caller decides whether that ends the run; they set no
# shell options.

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

# wait_ready WHO PID LOG SECONDS COMMAND...: waits until COMMAND succeeds
# (tried every 0.2 s, its output dropped) while process PID runs, e.g. a
# server until it answers. After SECONDS, or when PID exits first, says so
# as WHO with LOG's last lines on stderr and returns 1.
wait_ready() {
  local who=$1 pid=$2 log=$3 seconds=$4 deadline
  shift 4
  deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! running "$pid" || (($(date +%s) > deadline)); then
      echo "$who: not ready within $seconds s; its log ends:" >&2
      tail -n 20 "$log" | sed 's/^/  | /' >&2
      return 1
    fi
    sleep 0.2
  done
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

# json_get FILE FILTER: the value FILTER (a jq filter, e.g. .ps_updates or
# .per_worker[0].node) selects in the JSON file FILE, strings unquoted, one
# line per value; nothing for a missing key or null. Fails (status 2, with a
# message) when FILE is not JSON or jq is missing. jq is the one JSON reader
# of the scripts: a real parser, so a key is found where the filter says, not
# wherever its name first appears; the programs themselves never need it.
json_get() {
  if ! command -v jq >/dev/null; then
    echo "json_get: no jq to read $1 (bash scripts/setup.sh installs it)" >&2
    return 2
  fi
  jq -r "$2 | select(. != null)" "$1" || {
    echo "json_get: cannot read '$2' from $1" >&2
    return 2
  }
}

# caf_node_start [--netns=NS] [--cgroup=DIR] [--timeout=SECONDS] BIN NAME PORT LOG [OPTION...]
#
# Starts BIN (a caf-node) in the background as node NAME on port PORT, in
# network namespace NS if given (`ip netns exec`), in the cgroup DIR from
# its first instruction if given (e.g. one with a cpu quota, hosts.sh's
# cgroup_cpu_make: the process joins it before `ip netns exec`, which hides
# /sys/fs/cgroup, then becomes BIN), with --node.name and
# --node.port, then the OPTIONs (--node.host, --config-file, ...); its output
# goes to LOG. PORT `auto` takes a free port (free_ports), and another one
# if that was taken meanwhile (up to 5 tries). Waits up to SECONDS (default
# 10) until LOG says it listens on PORT and names its transport (the line
# after), and sets caf_node_pid and caf_node_port. Calls `track_pid PID` at
# once when the caller defines track_pid (so that its exit cleanup kills the
# node whatever happens next).
# On failure the node is killed, the message (naming the node, what went
# wrong and LOG, with LOG's last lines) goes to stderr and the status is 1.
# Call it directly, not in $(...): only this shell can wait for its children.
caf_node_start() {
  local in_netns=() in_cgroup=() seconds=10
  # shellcheck disable=SC2016 # $$, $0 and $@ are the inner shell's
  local join_cgroup='echo $$ >"$0/cgroup.procs" && exec "$@"'
  while [[ ${1:-} == --* ]]; do
    case $1 in
      --netns=?*) in_netns=(ip netns exec "${1#--netns=}") ;;
      --cgroup=?*) in_cgroup=(sh -c "$join_cgroup" "${1#--cgroup=}") ;;
      --timeout=?*) seconds=${1#--timeout=} ;;
      *) echo "caf_node_start: unknown option '$1'" >&2; return 1 ;;
    esac
    shift
  done
  local bin=$1 name=$2 want=$3 log=$4 try port rc why
  shift 4
  for ((try = 0; try < 5; try++)); do
    port=$want
    if [[ $want == auto ]]; then
      port=$(free_ports 1) || return 1
    fi
    "${in_cgroup[@]}" "${in_netns[@]}" "$bin" --node.name="$name" --node.port="$port" "$@" >"$log" 2>&1 &
    caf_node_pid=$!
    # shellcheck disable=SC2034 # for the caller
    caf_node_port=$port
    declare -F track_pid >/dev/null && track_pid "$caf_node_pid"
    rc=0
    wait_for_line "$log" "listening on [^ ]+:$port( |$)" "$seconds" "$caf_node_pid" || rc=$?
    if ((rc == 0)); then
      # The transport line comes right after: tests check it next.
      wait_for_line "$log" "^node [^ ]+: transport: " 5 "$caf_node_pid" || rc=$?
      ((rc == 0)) && return 0
    fi
    if ((rc == 2)); then
      rc=0
      wait "$caf_node_pid" 2>/dev/null || rc=$?
      if [[ $want == auto ]] && grep -q "cannot listen" "$log"; then
        echo "note: node $name: port $port was taken meanwhile, trying another" >&2
        continue
      fi
      why="exited with status $rc before listening on port $port"
    else
      kill -9 "$caf_node_pid" 2>/dev/null || true
      wait "$caf_node_pid" 2>/dev/null || true
      why="did not listen on port $port within $seconds s (killed)"
    fi
    _caf_node_failed "$name" "$why" "$log"
    return 1
  done
  _caf_node_failed "$name" "found no free port in 5 tries" "$log"
  return 1
}

# podman_wait_listening CONTAINER PORT SECONDS: waits until the caf-node in
# the podman container CONTAINER logs that it listens on PORT (the image's
# entrypoint is caf-node; caf_node_start is the same for a plain process).
# On timeout, or when the container stops first, its log's last lines go to
# stderr and the status is 1.
podman_wait_listening() {
  local c=$1 port=$2 deadline=$(($(date +%s) + $3)) why=""
  local podman=(podman --runtime runc)
  until "${podman[@]}" logs "$c" 2>&1 | grep -Eq "listening on [^ ]+:$port( |$)"; do
    if [[ $("${podman[@]}" inspect --format '{{.State.Running}}' "$c") != true ]]; then
      why="stopped before listening on port $port"
    elif (($(date +%s) > deadline)); then
      why="did not listen on port $port within $3 s"
    fi
    if [[ -n $why ]]; then
      echo "podman_wait_listening: caf-node in container $c $why; its log ends:" >&2
      "${podman[@]}" logs "$c" 2>&1 | tail -n 20 | sed 's/^/  | /' >&2
      return 1
    fi
    sleep 0.1
  done
}

_caf_node_failed() {
  echo "caf_node_start: caf-node $1 $2; its log, $3, ends:" >&2
  tail -n 20 "$3" 2>/dev/null | sed 's/^/  | /' >&2
}

# remove_killed_runs LABEL PREFIX NETNS [SUFFIX...]: removes what earlier
# runs of a container script left when they were killed with SIGKILL (their
# PID is gone). A run is PREFIX<pid>: its podman containers are labelled
# LABEL=PREFIX<pid>, its image is localhost/actors-node:PREFIX<pid>, its
# namespaces PREFIX<pid>SUFFIX-* (made by NETNS, scripts/netns.sh; no SUFFIX:
# PREFIX<pid>-*). Notes each run removed on stderr.
remove_killed_runs() {
  local label=$1 prefix=$2 netns_sh=$3 run s
  local podman=(podman --runtime runc)
  shift 3
  (($#)) || set -- ""
  for run in $( {
    "${podman[@]}" ps -a --filter label="$label" --format "{{index .Labels \"$label\"}}"
    "${podman[@]}" images --format '{{.Repository}}:{{.Tag}}' \
      | sed -n "s|^localhost/actors-node:\(${prefix}[0-9][0-9]*\)\$|\1|p"
    ip netns list | sed -n "s/^\(${prefix}[0-9][0-9]*\)[a-z]*-.*/\1/p"
  } | sort -u); do
    kill -0 "${run#"$prefix"}" 2>/dev/null && continue
    echo "note: removing what a killed run ($run) left" >&2
    "${podman[@]}" ps -aq --filter label="$label=$run" \
      | xargs -r "${podman[@]}" rm -f -t 0 >/dev/null 2>&1 || true
    "${podman[@]}" rmi -f "localhost/actors-node:$run" >/dev/null 2>&1 || true
    for s in "$@"; do
      bash "$netns_sh" down "$run$s"
    done
  done
}

# debian_mirror: the first URI of this machine's Debian sources (deb822 or
# one-line format), else deb.debian.org; for debootstrap roots
# (scripts/container_base.sh, bench/cold_ci.sh).
debian_mirror() {
  local mirror=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z $mirror && -f /etc/apt/sources.list ]]; then
    mirror=$(awk '$1 == "deb" && $2 !~ /security/ && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
  fi
  echo "${mirror:-http://deb.debian.org/debian}"
}

# apt_install_missing WHO PACKAGE...: apt-get install (as root) those of the
# Debian PACKAGEs that are not installed, saying so on stderr as WHO.
apt_install_missing() {
  local who=$1 p missing=()
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "$who: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# prepare_checkout REPO: what the README's commands do first, in REPO:
# install what is missing (scripts/setup.sh), build (scripts/build.sh) and
# fetch the data (scripts/fetch_data.sh).
prepare_checkout() {
  bash "$1/scripts/setup.sh" && bash "$1/scripts/build.sh" && bash "$1/scripts/fetch_data.sh"
}
