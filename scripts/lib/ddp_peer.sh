# shellcheck shell=bash
# ddp_peer.sh: runs the PyTorch DDP peer (bench/seed_table/ddp_peer.py) as
# one process per rank, for bench/seed_table.sh and bench/ddp_modes.sh
# (sourced, not run). Needs /usr/bin/python3 with torch
# (`bash scripts/setup.sh --bench`: python3-torch and libopenblas0-openmp,
# without which torch's BLAS runs at about half speed), taskset, timeout
# and, with --netns, iproute2. Sets no shell options.

# ddp_peer_run [--netns=PREFIX] WORLD SECONDS LOG_PREFIX ARG...: starts
# ranks 0..WORLD-1 of ddp_peer.py, rank r pinned to core r (taskset) with
# one OpenMP thread, each given --rank=r --world-size=WORLD and the ARGs
# (--master, --data-dir, --mode, --report, ...). With --netns, rank r runs
# in network namespace PREFIX-(r+1) (scripts/netns.sh's hosts A, B, ...)
# and gloo uses its eth0; else all ranks share this namespace's loopback.
# Each rank's output goes to LOG_PREFIX-r.log. Waits for all of them, at
# most SECONDS each; returns 1 naming the rank (its log's tail on stderr)
# when one fails or times out.
ddp_peer_run() {
  local prefix="" r rc=0 pids=()
  if [[ ${1:-} == --netns=?* ]]; then
    prefix=${1#--netns=}
    shift
  fi
  local world=$1 seconds=$2 log=$3 peer
  shift 3
  peer=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bench/seed_table/ddp_peer.py
  for ((r = 0; r < world; r++)); do
    if [[ -n $prefix ]]; then
      ip netns exec "$prefix-$((r + 1))" env GLOO_SOCKET_IFNAME=eth0 OMP_NUM_THREADS=1 \
        timeout -k 10 "$seconds" taskset -c "$r" /usr/bin/python3 "$peer" \
        --rank="$r" --world-size="$world" --threads=1 "$@" >"$log-$r.log" 2>&1 &
    else
      env GLOO_SOCKET_IFNAME=lo OMP_NUM_THREADS=1 \
        timeout -k 10 "$seconds" taskset -c "$((r % $(nproc)))" /usr/bin/python3 "$peer" \
        --rank="$r" --world-size="$world" --threads=1 "$@" >"$log-$r.log" 2>&1 &
    fi
    pids+=($!)
  done
  for ((r = 0; r < world; r++)); do
    if ! wait "${pids[r]}"; then
      echo "ddp_peer_run: rank $r failed or timed out after $seconds s; its log $log-$r.log ends:" >&2
      tail -n 20 "$log-$r.log" | sed 's/^/  | /' >&2
      rc=1
    fi
  done
  return $rc
}
