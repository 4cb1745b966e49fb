#!/usr/bin/env bash
# netns.sh: private test hosts on this machine, made of network namespaces.
#
#   netns.sh check                 can this machine make them? (0 yes, 1 no: why)
#   netns.sh up PREFIX N [--driver] [--rate=RATE] [--delay=DELAY]
#   netns.sh down PREFIX           remove them all; nothing to remove is fine
#   netns.sh addr I                the address of host I
#
# Host i (1..N) is the namespace PREFIX-i: loopback up and eth0 at
# 10.213.0.(10+i)/24. --driver adds host 0 (PREFIX-0, 10.213.0.10) to run a
# driver in. The hosts' eth0 are veth pairs whose other ends are ports of the
# bridge PREFIX-br, which lives in a namespace of its own, PREFIX-sw: the root
# namespace (this machine's own network) is never touched, and two sets with
# different prefixes never see each other although they use the same
# addresses. Run a program on host i with `ip netns exec PREFIX-i CMD...`.
#
# The bridge forwards whatever dockerd or a firewall does to the root
# namespace (iptables FORWARD policy DROP with bridge netfilter): in PREFIX-sw,
# bridged frames skip iptables (net.bridge.bridge-nf-call-ip*tables=0, where
# br_netfilter is loaded) and FORWARD accepts the bridge's traffic explicitly
# (where iptables is installed).
#
# Shaping (tc netem): --delay=0.2ms delays every packet a host sends;
# --rate=1gbit caps each host's link in both directions. Without them the
# links are as fast as veth.
#
# `down` kills (SIGKILL) whatever still runs in the namespaces, then deletes
# them; the veths and the bridge go with them.
#
# Needs root, `ip` and `tc` from iproute2 (installed with apt-get if
# missing), a kernel with veth and bridge support and, for shaping, the
# netem qdisc. No kernel module is loaded: `check` and `up` say what is
# missing instead.
#
# As a library: `source scripts/netns.sh`, then netns_check, netns_up,
# netns_down and netns_addr return non-zero with a message on stderr instead
# of exiting. Exit codes of the command: 0 done, 1 failed (message on
# stderr), 2 bad usage.

netns_subnet=10.213.0

# netns_addr I: the address of host I.
netns_addr() {
  echo "$netns_subnet.$((10 + $1))"
}

_netns_say() {
  echo "netns.sh: $*" >&2
}

# _netns_run CMD...: run CMD; on failure name it and show its error output.
_netns_run() {
  local err
  if ! err=$("$@" 2>&1); then
    _netns_say "'$*' failed: ${err:-no message}"
    return 1
  fi
}

_netns_valid_prefix() {
  # Interface names hold at most 15 characters: PREFIX-p200 must fit.
  if [[ ! $1 =~ ^[a-z][a-z0-9]{0,9}$ ]]; then
    _netns_say "PREFIX must be 1-10 lower-case letters and digits, starting with a letter; got '$1'"
    return 1
  fi
}

# _netns_names PREFIX: the namespaces of that prefix that exist now.
_netns_names() {
  ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E "^$1-(sw|[0-9]+)\$" || true
}

# _netns_need_iproute2: ip and tc, installed from Debian if missing.
_netns_need_iproute2() {
  command -v ip >/dev/null && command -v tc >/dev/null && return 0
  if command -v apt-get >/dev/null; then
    _netns_say "installing iproute2 (ip, tc)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      iproute2 >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                --no-install-recommends iproute2 >/dev/null 2>&1; }
  fi
  if ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
    _netns_say "'ip' and 'tc' are missing and could not be installed: install iproute2"
    return 1
  fi
}

# netns_check: whether namespaces, veth pairs and bridges can be made here.
netns_check() {
  local probe=nsprobe$$ why=""
  if [[ $(id -u) != 0 ]]; then
    _netns_say "needs root to create network namespaces (running as $(id -un))"
    return 1
  fi
  _netns_need_iproute2 || return 1
  if ! _netns_run ip netns add "$probe"; then
    _netns_say "cannot create network namespaces here"
    return 1
  fi
  if ! _netns_run ip -n "$probe" link add "$probe-br" type bridge; then
    why="the kernel cannot make bridges (no bridge module; modprobe is not tried)"
  elif ! _netns_run ip -n "$probe" link add "$probe-a" type veth peer name "$probe-b"; then
    why="the kernel cannot make veth pairs (no veth module; modprobe is not tried)"
  elif ! _netns_run ip -n "$probe" link set "$probe-a" master "$probe-br"; then
    why="cannot attach a veth to a bridge"
  fi
  ip netns del "$probe" 2>/dev/null || true
  if [[ -n $why ]]; then
    _netns_say "$why"
    return 1
  fi
}

# _netns_allow_bridge NAMESPACE BRIDGE: let BRIDGE in NAMESPACE forward
# everything between its ports, whatever netfilter says.
_netns_allow_bridge() {
  local ns=$1 br=$2 f
  for f in bridge-nf-call-iptables bridge-nf-call-ip6tables bridge-nf-call-arptables; do
    if ip netns exec "$ns" test -e "/proc/sys/net/bridge/$f"; then
      _netns_run ip netns exec "$ns" sh -c "echo 0 >/proc/sys/net/bridge/$f" || return 1
    fi
  done
  # Belt and braces: a failing iptables (no kernel support) is only a note.
  if command -v iptables >/dev/null \
    && ! ip netns exec "$ns" iptables -I FORWARD -i "$br" -o "$br" -j ACCEPT 2>/dev/null; then
    _netns_say "note: iptables cannot add a FORWARD rule for $br in $ns (bridged frames skip iptables anyway)"
  fi
}

# _netns_shape NAMESPACE DEVICE DELAY RATE: netem on DEVICE's egress.
_netns_shape() {
  local ns=$1 dev=$2 delay=$3 rate=$4 args=() err
  [[ -n $delay ]] && args+=(delay "$delay")
  [[ -n $rate ]] && args+=(rate "$rate")
  ((${#args[@]})) || return 0
  if ! err=$(tc -n "$ns" qdisc add dev "$dev" root netem "${args[@]}" 2>&1); then
    if [[ $err == *"qdisc kind is unknown"* ]]; then
      _netns_say "this kernel has no netem qdisc (sch_netem), so --delay/--rate cannot be applied; run without them"
    else
      _netns_say "'tc -n $ns qdisc add dev $dev root netem ${args[*]}' failed: $err"
    fi
    return 1
  fi
}

# netns_up PREFIX N [--driver] [--rate=RATE] [--delay=DELAY]
netns_up() {
  local prefix=${1:-} count=${2:-} driver=0 rate="" delay="" arg first i ns sw br port
  if (($# < 2)); then
    _netns_say "usage: up PREFIX N [--driver] [--rate=RATE] [--delay=DELAY]"
    return 2
  fi
  shift 2
  for arg in "$@"; do
    case $arg in
      --driver) driver=1 ;;
      --rate=?*) rate=${arg#--rate=} ;;
      --delay=?*) delay=${arg#--delay=} ;;
      *) _netns_say "up: unknown argument '$arg'"; return 2 ;;
    esac
  done
  _netns_valid_prefix "$prefix" || return 2
  if [[ ! $count =~ ^[0-9]+$ ]] || ((count < 1 || count > 200)); then
    _netns_say "N must be a number of hosts from 1 to 200; got '$count'"
    return 2
  fi
  _netns_need_iproute2 || return 1
  if [[ -n $(_netns_names "$prefix") ]]; then
    _netns_say "namespaces $prefix-* exist already ($(_netns_names "$prefix" | tr '\n' ' ')); run 'down $prefix' first"
    return 1
  fi
  sw=$prefix-sw
  br=$prefix-br
  first=$((1 - driver))
  if ! {
    _netns_run ip netns add "$sw" \
      && _netns_run ip -n "$sw" link add "$br" type bridge \
      && _netns_run ip -n "$sw" link set "$br" up \
      && _netns_allow_bridge "$sw" "$br"
  }; then
    netns_down "$prefix"
    return 1
  fi
  for ((i = first; i <= count; i++)); do
    ns=$prefix-$i
    port=$prefix-p$i
    if ! {
      _netns_run ip netns add "$ns" \
        && _netns_run ip -n "$sw" link add "$port" type veth peer name eth0 netns "$ns" \
        && _netns_run ip -n "$sw" link set "$port" master "$br" up \
        && _netns_run ip -n "$ns" addr add "$(netns_addr "$i")/24" dev eth0 \
        && _netns_run ip -n "$ns" link set eth0 up \
        && _netns_run ip -n "$ns" link set lo up \
        && _netns_shape "$ns" eth0 "$delay" "$rate" \
        && _netns_shape "$sw" "$port" "" "$rate"
    }; then
      netns_down "$prefix"
      return 1
    fi
  done
}

# netns_down PREFIX: kill what runs in the namespaces of PREFIX, delete them.
netns_down() {
  local prefix=${1:-} ns pids
  if (($# != 1)); then
    _netns_say "usage: down PREFIX"
    return 2
  fi
  _netns_valid_prefix "$prefix" || return 2
  for ns in $(_netns_names "$prefix"); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [[ -n $pids ]]; then
      # shellcheck disable=SC2086 # one pid per word
      kill -9 $pids 2>/dev/null || true
    fi
    _netns_run ip netns del "$ns" || return 1
  done
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -uo pipefail
  cmd=${1:-}
  shift || true
  case $cmd in
    check) netns_check ;;
    up) netns_up "$@" ;;
    down) netns_down "$@" ;;
    addr)
      if [[ ! ${1:-} =~ ^[0-9]+$ ]] || (($1 > 244)); then
        _netns_say "usage: addr I (0-244)"
        exit 2
      fi
      netns_addr "$1"
      ;;
    *)
      sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2
      exit 2
      ;;
  esac
fi
