# shellcheck shell=bash
# docker.sh: a Docker Engine for the tests, started and stopped the same way
# by every test that needs one (sourced, not run). Like common.sh, the
# helpers return non-zero with a message on stderr instead of exiting and set
# no shell options.
#
# dockerd changes the machine it runs on: it sets the iptables FORWARD
# policy to DROP, adds its chains to the filter and nat tables, turns on IP
# forwarding and bridge netfilter (net.bridge.bridge-nf-call-ip*tables), and
# leaves its bridges (docker0, docker_gwbridge) when it stops. dockerd_start
# records all of that first and dockerd_stop puts it back, so a test that
# started the engine leaves the machine as it found it. An engine that was
# already running is used as it is and left running.
#
# `docker` below is Debian's client (package docker.io, /usr/bin/docker), the
# one scripts/setup.sh installs, even where another client comes first on
# PATH; docker-compose (1.29, Python) talks to the engine itself.
#
# Needs root, docker.io (dockerd, containerd, runc), iptables and, for
# docker_base, debootstrap (scripts/container_base.sh); and common.sh
# (running, wait_ready) sourced first.

docker_cli=/usr/bin/docker
docker_started=0
docker_pid=""
docker_saved=""

# docker ARGS...: Debian's client, whatever else is on PATH.
docker() {
  "$docker_cli" "$@"
}

# docker_check: whether this machine can run dockerd (root, the packages);
# if not, says why.
docker_check() {
  local tool
  if [[ $(id -u) != 0 ]]; then
    echo "dockerd needs root (running as $(id -un))" >&2
    return 1
  fi
  for tool in "$docker_cli" dockerd containerd runc iptables-save docker-compose; do
    command -v "$tool" >/dev/null \
      || { echo "no $tool: install docker.io and docker-compose (scripts/setup.sh)" >&2; return 1; }
  done
}

# _docker_save_host DIR: what dockerd will change, into DIR.
_docker_save_host() {
  local dir=$1 f
  iptables-save -t filter >"$dir/filter.rules" && iptables-save -t nat >"$dir/nat.rules" || return 1
  cat /proc/sys/net/ipv4/ip_forward >"$dir/ip_forward"
  : >"$dir/sysctl"
  for f in /proc/sys/net/bridge/bridge-nf-call-iptables /proc/sys/net/bridge/bridge-nf-call-ip6tables; do
    [[ -e $f ]] && echo "$f $(cat "$f")" >>"$dir/sysctl"
  done
  ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' >"$dir/links"
}

# _docker_restore_host DIR: puts back what _docker_save_host recorded in DIR
# and removes the bridges dockerd made.
_docker_restore_host() {
  local dir=$1 f v link rc=0
  iptables-restore <"$dir/filter.rules" || { echo "docker.sh: cannot restore the iptables filter table" >&2; rc=1; }
  iptables-restore <"$dir/nat.rules" || { echo "docker.sh: cannot restore the iptables nat table" >&2; rc=1; }
  cat "$dir/ip_forward" >/proc/sys/net/ipv4/ip_forward
  while read -r f v; do
    echo "$v" >"$f"
  done <"$dir/sysctl"
  for link in $(ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//'); do
    case $link in
      docker0 | docker_gwbridge | br-* | veth*)
        grep -qx "$link" "$dir/links" || ip link del "$link" 2>/dev/null ;;
    esac
  done
  return $rc
}

# _dockerd_end PID: SIGTERM to the dockerd PID (a child of this shell),
# SIGKILL if it still runs after 30 s; reaped.
_dockerd_end() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 0
}

# dockerd_start LOG [SECONDS]: uses the engine at the default socket if one
# answers; otherwise records the host's network settings and starts
# dockerd (its output in LOG), waiting up to SECONDS (default 60) until it
# answers. Sets docker_started to 1 when it started it.
dockerd_start() {
  local log=$1 seconds=${2:-60}
  if docker info >/dev/null 2>&1; then
    echo "docker.sh: using the Docker engine that runs already" >&2
    return 0
  fi
  docker_check || return 1
  docker_saved=$(mktemp -d /var/tmp/actors-dockerd.XXXXXX)
  _docker_save_host "$docker_saved" || { echo "docker.sh: cannot record the iptables tables" >&2; return 1; }
  dockerd >"$log" 2>&1 &
  docker_pid=$!
  docker_started=1
  wait_ready "docker.sh: dockerd" "$docker_pid" "$log" "$seconds" docker info
}

# dockerd_stop: if dockerd_start started dockerd: leaves a swarm, stops the
# engine (SIGTERM, SIGKILL after 30 s) and restores the host's network
# settings. Safe to call twice and when nothing was started.
dockerd_stop() {
  local children
  ((docker_started)) || return 0
  docker swarm leave --force >/dev/null 2>&1
  # The containerd dockerd started for itself, should it outlive dockerd.
  children=$(pgrep -P "$docker_pid" 2>/dev/null | tr '\n' ' ')
  _dockerd_end "$docker_pid"
  # shellcheck disable=SC2086 # one pid per word
  [[ -n $children ]] && kill -9 $children 2>/dev/null
  _docker_restore_host "$docker_saved"
  rm -rf "$docker_saved"
  docker_started=0
}

# docker_base NAME: the Debian 12 base image NAME in the engine, made by
# scripts/container_base.sh (debootstrap, no registry) if missing; kept as a
# cache.
docker_base() {
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  bash "$repo/scripts/container_base.sh" --docker "$1"
}

# --- Engines on namespace hosts (scripts/netns.sh), one per host. ---

docker_hosts_root=/run/actors-docker
docker_hosts=()

# docker_on NS ARGS...: the client of the engine on namespace host NS.
docker_on() {
  local ns=$1
  shift
  "$docker_cli" -H "unix://$docker_hosts_root/$ns.sock" "$@"
}

# dockerd_host_start NS LOG: a dockerd of its own in network namespace NS,
# named NS (its UTS namespace: `docker node ls` shows it), with its own data
# root /var/lib/actors-docker/NS, exec root and pid file under
# /run/actors-docker/NS and socket /run/actors-docker/NS.sock (docker_on NS).
# nsenter, not `ip netns exec`: that remounts /sys and hides the cgroups.
# What it changes (iptables, sysctls, bridges) lives in NS and goes with it.
dockerd_host_start() {
  local ns=$1 log=$2 pid
  mkdir -p "$docker_hosts_root/$ns" "/var/lib/actors-docker/$ns"
  # shellcheck disable=SC2016 # $0 and $@ are the inner shell's
  nsenter --net="/run/netns/$ns" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$ns" \
    dockerd --data-root="/var/lib/actors-docker/$ns" --exec-root="$docker_hosts_root/$ns" \
    --pidfile="$docker_hosts_root/$ns.pid" -H "unix://$docker_hosts_root/$ns.sock" >"$log" 2>&1 &
  pid=$!
  docker_hosts+=("$ns:$pid")
  wait_ready "docker.sh: dockerd on $ns" "$pid" "$log" 60 docker_on "$ns" info
}

# dockerd_hosts_stop: stops every dockerd_host_start engine (SIGTERM, SIGKILL
# after 30 s) and removes its directories.
dockerd_hosts_stop() {
  local entry ns pid
  for entry in "${docker_hosts[@]}"; do
    ns=${entry%%:*}
    pid=${entry#*:}
    _dockerd_end "$pid"
    grep -o " /[^ ]*actors-docker/$ns[^ ]*" /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
    rm -rf "${docker_hosts_root:?}/$ns" "$docker_hosts_root/$ns.sock" "$docker_hosts_root/$ns.pid" \
      "/var/lib/actors-docker/$ns"
  done
  docker_hosts=()
  rmdir "$docker_hosts_root" /var/lib/actors-docker 2>/dev/null
  return 0
}
