#!/usr/bin/env bash
# Bad options and bad files end with a clear message and a documented exit
# code (2 = bad options, 1 = failure while running), never a crash.
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
data=$repo_dir/data

expect_failure "unknown option" 2 "unknown option 'epochz'" "$train" --epochz=3
expect_failure "bad number" 2 "option 'epochs' expects an integer" "$train" --epochs=three
expect_failure "out of range" 2 "option 'batch-size' expects an integer in \[1, 65536\]" "$train" --batch-size=0
expect_failure "bad choice" 2 "option 'optimizer' expects one of adam" "$train" --optimizer=lbfgs
printf 'epochs = 2\nlearning_rate = 0.1\n' >"$work/bad.ini"
expect_failure "misspelt key in config file" 2 "bad.ini:2: unknown option 'learning_rate'" "$train" --config="$work/bad.ini"
expect_failure "missing data" 1 "no-such-dir" "$train" --data="$work/no-such-dir" --epochs=1
expect_failure "unknown model" 2 "model 'resnet'" "$train" --data="$data" --model=resnet --epochs=1
mkdir -p "$work/trunc/mnist"
cp "$data/mnist/t10k-labels-idx1-ubyte" "$work/trunc/mnist/"
cp "$data/mnist/train-labels-idx1-ubyte" "$work/trunc/mnist/"
head -c 100000 "$data/mnist/train-images-idx3-ubyte" >"$work/trunc/mnist/train-images-idx3-ubyte"
cp "$data/mnist/t10k-images-idx3-ubyte" "$work/trunc/mnist/"
expect_failure "truncated IDX file" 1 "train-images-idx3-ubyte.*(truncated|short|record)" "$train" --data="$work/trunc" --epochs=1
echo "not a model" >"$work/junk.model"
expect_failure "corrupt model file" 1 "junk.model" "$train" --data="$data" --evaluate="$work/junk.model"
expect_failure "too few discovered nodes" 1 "discover=localhost:1 resolved to 1 address\(es\).*expected 2" \
  "$train" --data="$data" --discover=localhost:1 --expect-nodes=2 --connect-timeout=1
expect_failure "bad node address" 2 "node address 'nohost': expected host:port" \
  "$train" --data="$data" --nodes=nohost --epochs=1
expect_failure "nobody listening" 1 "cannot connect to node 127.0.0.1:1" \
  "$train" --data="$data" --nodes=127.0.0.1:1 --epochs=1
expect_failure "bad trainer option" 2 "rho" "$train" --data="$data" --trainer=aeasgd --rho=0
expect_failure "overlap with averaging" 2 "option 'overlap': trainer 'averaging'" \
  "$train" --data="$data" --trainer=averaging --overlap=true --epochs=1
expect_failure "overlap with single" 2 "option 'overlap': trainer 'single'" \
  "$train" --data="$data" --trainer=single --overlap=true --epochs=1
expect_failure "ps-shards with averaging" 2 "option 'ps-shards': trainer 'averaging' exchanges once an epoch.*--ps-shards=1 only.*got 2" \
  "$train" --data="$data" --trainer=averaging --ps-shards=2 --epochs=1
expect_failure "ps-shards with ensemble" 2 "option 'ps-shards': trainer 'ensemble' has no parameter server" \
  "$train" --data="$data" --trainer=ensemble --ps-shards=3 --epochs=1
expect_failure "ps-shards with --resume" 2 "option 'ps-shards': a sharded server takes no checkpoints.*--resume needs --ps-shards=1, got 3" \
  "$train" --data="$data" --trainer=adag --ps-shards=3 --resume=/nonexistent --epochs=1
expect_failure "ps-shards with --checkpoint-dir" 2 "option 'ps-shards':.*--checkpoint-dir needs --ps-shards=1, got 2" \
  "$train" --data="$data" --trainer=adag --ps-shards=2 --checkpoint-dir=/tmp --epochs=1
expect_failure "ps-shards with --checkpoint-every" 2 "option 'ps-shards':.*--checkpoint-every needs --ps-shards=1, got 2" \
  "$train" --data="$data" --trainer=dynsgd --ps-shards=2 --checkpoint-every=10 --epochs=1
expect_failure "ps-shards above the model's values" 2 "option 'ps-shards': expected a number of shards from 1 to the model's" \
  "$train" --data="$data" --trainer=adag --model=mnist_mlp --ps-shards=1048576 --epochs=1
expect_failure "ps-shards of 0" 2 "option 'ps-shards' expects an integer in \[1, " \
  "$train" --data="$data" --ps-shards=0
expect_failure "overlap not a boolean" 2 "option 'overlap'.*true or false" \
  "$train" --data="$data" --overlap=maybe
expect_failure "unknown wire codec" 2 "option 'wire' expects fp32, fp16, int8, sign, topk\[:R\]" \
  "$train" --data="$data" --wire=fp8
for r in 0 1.5 abc 0.01x -0.1; do
  expect_failure "topk fraction $r" 2 "option 'wire' expects .*0 < R <= 1.*got 'topk:$r'" \
    "$train" --data="$data" --wire="topk:$r"
done
expect_failure "bad partitioning" 2 "option 'partitioning' expects static or dynamic" \
  "$train" --data="$data" --partitioning=chunks
expect_failure "dynamic partitioning with averaging" 2 \
  "option 'partitioning': trainer 'averaging' does not support dynamic partitioning" \
  "$train" --data="$data" --trainer=averaging --partitioning=dynamic
expect_failure "dynamic partitioning with single" 2 "trainer 'single' does not support dynamic" \
  "$train" --data="$data" --trainer=single --partitioning=dynamic
expect_failure "lr schedule step without numbers" 2 \
  "option 'lr-schedule' expects constant, step:EPOCHS:FACTOR.*got 'step:x'" \
  "$train" --data="$data" --lr-schedule=step:x
expect_failure "lr schedule step factor 0" 2 "option 'lr-schedule'.*got 'step:2:0'" \
  "$train" --data="$data" --lr-schedule=step:2:0
expect_failure "lr schedule unknown" 2 "option 'lr-schedule'.*got 'linear'" \
  "$train" --data="$data" --lr-schedule=linear
expect_failure "warm-up not a number" 2 "option 'warmup' expects a non-negative integer, got 'x'" \
  "$train" --data="$data" --warmup=x
expect_failure "target accuracy above 1" 2 "option 'target-accuracy' expects .*got '1.5'" \
  "$train" --data="$data" --target-accuracy=1.5
expect_failure "target accuracy not a number" 2 "option 'target-accuracy' expects" \
  "$train" --data="$data" --target-accuracy=high
expect_failure "validation split 0" 2 "option 'validation-split' expects a fraction between 0 and 1.*got '0'" \
  "$train" --data="$data" --validation-split=0
expect_failure "validation split 1" 2 "option 'validation-split' expects a fraction.*got '1'" \
  "$train" --data="$data" --validation-split=1
expect_failure "validation split leaving no rows held out" 2 "option 'validation-split' = 1e-09 holds out 0 of" \
  "$train" --data="$data" --validation-split=1e-9 --epochs=1
expect_failure "eval-every negative" 2 "option 'eval-every' expects an integer" \
  "$train" --data="$data" --eval-every=-1
expect_failure "early stopping not a number" 2 "option 'early-stopping' expects an integer" \
  "$train" --data="$data" --early-stopping=soon
expect_failure "target accuracy with ensemble" 2 \
  "option 'target-accuracy': trainer 'ensemble' has no parameter server" \
  "$train" --data="$data" --trainer=ensemble --target-accuracy=0.9
expect_failure "eval-every with the single trainer" 2 \
  "option 'eval-every': the single trainer evaluates after every epoch only" \
  "$train" --data="$data" --trainer=single --eval-every=10
# Outputs that cannot be written stop the run before it trains (exit 2, the
# option and the path named), not after: the run would be lost. "before it
# trains": no epoch line on stdout and it exits within seconds although the
# run asks for 50 epochs.
as_user=()
unwritable() {
  local name=$1 pattern=$2 start
  shift 2
  start=$(date +%s)
  expect_failure "$name" 2 "$pattern" "${as_user[@]}" "$train" --data="$data" --epochs=50 \
    --progress=lines "$@"
  check_eq "$name: epochs trained" "$(grep -c "epoch" "$work/out")" 0
  check_le "$name: seconds until the exit" $(($(date +%s) - start)) 10
}
unwritable "report in a missing directory" \
  "option 'report': $work/no-dir/r.json: cannot write \(No such file or directory\)" \
  --report="$work/no-dir/r.json"
mkdir "$work/out.model"
unwritable "model onto a directory" "option 'save': $work/out.model: cannot write \(is a directory\)" \
  --save="$work/out.model"
unwritable "checkpoints under a file" "option 'checkpoint-dir': $work/bad.ini/c: cannot write into the directory" \
  --checkpoint-dir="$work/bad.ini/c"
expect_failure "predictions in a missing directory" 2 "option 'predictions': $work/no-dir/p.csv: cannot write" \
  "$train" --data="$data" --evaluate="$work/junk.model" --predictions="$work/no-dir/p.csv"
# As a user who cannot write the directory (what a root-owned volume is to
# the image's uid 10001): root writes everywhere, so root runs it as nobody.
mkdir "$work/root-owned"
chmod 755 "$work" "$work/root-owned"
if [[ $(id -u) == 0 ]]; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
  chmod 555 "$work/root-owned"
fi
unwritable "report in a directory the user cannot write" \
  "option 'report': $work/root-owned/r.json: cannot write \(Permission denied\)" \
  --report="$work/root-owned/r.json" --data="$(cd "$data" && pwd)"
finish
