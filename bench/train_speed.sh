#!/usr/bin/env bash
# train_speed.sh: the single-process training speed benchmark.
#
# usage: bench/train_speed.sh [--allow-stale] [BUILD_DIR] [DATA_DIR]
#   --allow-stale  measure binaries older than the checkout (refused, exit 2,
#              without it: scripts/lib/results.sh binaries_stale)
#   BUILD_DIR  CMake build directory holding bench/sgemm_rate and
#              apps/train_mnist/train_mnist (default: <repo>/build)
#   DATA_DIR   the data root the engine's --data takes, whose fashion/ folder
#              holds the Fashion-MNIST IDX .gz files (default: <repo>/data). A
#              folder holding the IDX files themselves is accepted too, e.g.
#              /usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist,
#              which is also the fallback when <repo>/data/fashion has no files.
# environment: THREADS (default 2 = both cores), PYTHON (default /usr/bin/python3,
#              Debian's interpreter, which has python3-torch)
#
# In one go, one after the other so that each has the whole machine, it runs
#   (a) bench/sgemm_rate: Eigen's sgemm rate on THREADS threads (the compute limit),
#   (b) our engine: one epoch of Fashion-MNIST, batch 16, Adam, single trainer,
#   (c) the PyTorch peer (bench/torch_peer.py) with the same settings,
# then prints a table and writes it as JSON to bench/results/train_speed.json.
# Targets: engine >= 1.5x torch, >= 60 % of the compute limit, peak RSS <= 300 MB.
# The script exits non-zero, naming the step, when a step fails; a missed
# target is reported in the table and the JSON but is not a failure.
#
# Needs jq to read and write JSON (apt-get install -y jq).

set -euo pipefail

die() {
  echo "train_speed.sh: $*" >&2
  exit 1
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# bench_refuse_stale.
source "$REPO/scripts/lib/results.sh"
ALLOW_STALE=0
[[ ${1:-} == --allow-stale ]] && { ALLOW_STALE=1; shift; }
BUILD_DIR=${1:-$REPO/build}
DATA_DIR=${2:-$REPO/data}
if [[ -z ${2:-} && ! -f $DATA_DIR/fashion/train-images-idx3-ubyte.gz ]]; then
  DATA_DIR=/usr/share/datasets/fashion-mnist
fi
THREADS=${THREADS:-2}
PYTHON=${PYTHON:-/usr/bin/python3}
RESULTS_DIR=$REPO/bench/results
OUT=$RESULTS_DIR/train_speed.json

SGEMM=$BUILD_DIR/bench/sgemm_rate
ENGINE=$BUILD_DIR/apps/train_mnist/train_mnist
PEER=$REPO/bench/torch_peer.py

command -v jq >/dev/null || die "jq is not installed (apt-get install -y jq)"
[[ -d $BUILD_DIR ]] || die "build directory $BUILD_DIR does not exist"
# FASHION_DIR holds the IDX files (the peer reads it); DATA_DIR is its parent
# as the engine wants it, made below when FASHION_DIR has another name.
if [[ -f $DATA_DIR/fashion/train-images-idx3-ubyte.gz ]]; then
  FASHION_DIR=$DATA_DIR/fashion
else
  FASHION_DIR=$DATA_DIR
fi
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
  t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  [[ -f $FASHION_DIR/$f ]] || die "data: $FASHION_DIR/$f is missing"
done
[[ -x $SGEMM ]] || die "step (a) sgemm_rate: $SGEMM is not built (cmake --build $BUILD_DIR --target sgemm_rate)"
[[ -x $ENGINE ]] || die "step (b) engine: $ENGINE is not built (cmake --build $BUILD_DIR --target train_mnist)"
[[ -x $PYTHON ]] || die "step (c) torch peer: $PYTHON not found"
bench_refuse_stale train_speed.sh "$REPO" "$ALLOW_STALE" "$SGEMM" "$ENGINE" || exit 2

# ---------------------------------------------------------------------------
# FLOPs per training sample of the seed's model (forward + backward).
#
# Convention: a conv or dense layer's forward pass costs 2 FLOPs per
# multiply-accumulate (MAC). Its backward pass is two products of the same
# size, the weight gradient and the input gradient, so it costs 2x forward;
# the first conv needs no input gradient (its input is the image), so its
# backward pass costs 1x forward. Bias adds, ReLU, pooling, softmax and the
# optimizer step are not counted: they are not GEMM work and are small (Adam
# on 1.05 M parameters is ~0.7 MFLOP per sample at batch 16, memory-bound).
IMG=28          # input 28 x 28 x 1
IN_C=1
KSIZE=3         # 3 x 3 kernels, valid padding
FILTERS=32
C1=$((IMG - KSIZE + 1))   # conv1 output 26 x 26 x 32
C2=$((C1 - KSIZE + 1))    # conv2 output 24 x 24 x 32
POOLED=$((C2 / 2))        # max-pool 2 x 2 -> 12 x 12 x 32
FLAT=$((POOLED * POOLED * FILTERS))  # 4608
DENSE1=225
CLASSES=10

# MACs per sample: output elements x inputs each output element reads.
MAC_CONV1=$((C1 * C1 * FILTERS * KSIZE * KSIZE * IN_C))      #   194,688
MAC_CONV2=$((C2 * C2 * FILTERS * KSIZE * KSIZE * FILTERS))   # 5,308,416
MAC_DENSE1=$((FLAT * DENSE1))                                # 1,036,800
MAC_DENSE2=$((DENSE1 * CLASSES))                             #     2,250

FWD_FLOPS=$((2 * (MAC_CONV1 + MAC_CONV2 + MAC_DENSE1 + MAC_DENSE2)))  # 13,084,308
BWD_FLOPS=$((1 * 2 * MAC_CONV1 + 2 * 2 * (MAC_CONV2 + MAC_DENSE1 + MAC_DENSE2)))  # 25,779,240
FLOPS_PER_SAMPLE=$((FWD_FLOPS + BWD_FLOPS))  # 38,863,548 = 38.9 MFLOP per sample
[[ $FLOPS_PER_SAMPLE -eq 38863548 ]] || die "FLOPs derivation changed: $FLOPS_PER_SAMPLE"

# ---------------------------------------------------------------------------
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [[ $FASHION_DIR == "$DATA_DIR" ]]; then
  mkdir "$WORK/data"
  ln -s "$(cd "$FASHION_DIR" && pwd)" "$WORK/data/fashion"
  DATA_DIR=$WORK/data
fi

# Other people's work on the machine (a build, a test run) slows every step
# and the OpenMP-threaded peer most of all, so each step records, in cores:
#   busy_before    CPU used by anything during one second before the step;
#   others_during  CPU the machine spent during the step minus the step's own
#                  (this script's children), over the step's wall time.
# The 1-minute load average is recorded too, but it lags by minutes and so
# still shows the previous step's own work.
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)

# Busy CPU ticks of all CPUs since boot. Fields after "cpu" in /proc/stat:
# user nice system idle iowait irq softirq steal.
busy_ticks() {
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
all_ticks() {
  awk '$1 == "cpu" { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat
}

# Starts watching a step: sets STEP_LOAD, STEP_BEFORE and the start marks.
step_begin() {
  local b0 a0 b1 a1
  b0=$(busy_ticks)
  a0=$(all_ticks)
  sleep 1
  b1=$(busy_ticks)
  a1=$(all_ticks)
  STEP_BEFORE=$(awk -v b="$((b1 - b0))" -v a="$((a1 - a0))" -v n="$NCPU" \
    'BEGIN { busy = a > 0 ? n * b / a : 0; printf "%.2f", busy }')
  STEP_LOAD=$(cut -d' ' -f1 /proc/loadavg)
  if jq -en --argjson b "$STEP_BEFORE" '$b > 0.5' >/dev/null; then
    echo "train_speed.sh: warning: $STEP_BEFORE cores busy before step $1; figures may be low" >&2
  fi
  # `times` is a builtin, run here and not in a subshell, so it reports the
  # CPU time of this shell's finished children, the steps included.
  times >"$WORK/times.begin"
  STEP_TICKS=$(busy_ticks)
  STEP_START=$(date +%s.%N)
}

# Ends watching a step: sets STEP_RECORD to its JSON record, warns if others
# were busy. Call it directly, not in $(...): a subshell's `times` sees none
# of this shell's children.
step_end() {
  local ticks end others
  end=$(date +%s.%N)
  ticks=$(busy_ticks)
  times >"$WORK/times.end"
  # Line 2 of `times` is the children's "user system", as "XmY.YYYs XmY.YYYs".
  others=$(awk -v ticks="$((ticks - STEP_TICKS))" -v hz="$HZ" -v wall="$(jq -n "$end - $STEP_START")" '
    FNR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); cpu[FILENAME] += t[1] * 60 + t[2] } }
    END {
      own = cpu[ARGV[2]] - cpu[ARGV[1]]
      o = wall > 0 ? (ticks / hz - own) / wall : 0
      if (o < 0) o = 0
      printf "%.2f", o }' "$WORK/times.begin" "$WORK/times.end")
  if jq -en --argjson o "$others" '$o > 0.2' >/dev/null; then
    echo "train_speed.sh: warning: other processes used $others cores during step $1;" \
      "its figure is likely low, rerun on an idle machine" >&2
  fi
  STEP_RECORD="{\"load_avg_1min\": $STEP_LOAD, \"busy_before\": $STEP_BEFORE, \"others_during\": $others}"
}

# Prints the tail of a step's log and fails, naming the step.
step_failed() {
  local step=$1 log=$2 why=$3
  if [[ -s $log ]]; then
    echo "--- last lines of $step's output ---" >&2
    tail -n 20 "$log" >&2
  fi
  die "step $step failed: $why"
}

# Checks that a JSON file has the given top-level numeric keys.
require_numbers() {
  local step=$1 file=$2
  shift 2
  jq -e . "$file" >/dev/null 2>&1 || step_failed "$step" "$file" "its output is not JSON"
  for key in "$@"; do
    jq -e --arg k "$key" '.[$k] | type == "number"' "$file" >/dev/null ||
      die "step $step failed: its JSON has no number \"$key\""
  done
}

echo "train_speed.sh: threads=$THREADS build=$BUILD_DIR data=$FASHION_DIR" >&2

echo "train_speed.sh: (a) sgemm_rate --threads=$THREADS" >&2
step_begin "(a)"
"$SGEMM" --threads="$THREADS" >"$WORK/sgemm.json" 2>"$WORK/sgemm.log" ||
  step_failed "(a) sgemm_rate" "$WORK/sgemm.log" "exit status $?"
step_end "(a)"
MACHINE_A=$STEP_RECORD
require_numbers "(a) sgemm_rate" "$WORK/sgemm.json" gflops_total gflops_per_thread model_gflops_total

echo "train_speed.sh: (b) engine: train_mnist, 1 epoch, batch 16, adam, $THREADS threads" >&2
step_begin "(b)"
"$ENGINE" --data="$DATA_DIR" --dataset=fashion --model=mnist_cnn --trainer=single \
  --epochs=1 --batch-size=16 --optimizer=adam --threads="$THREADS" \
  --report="$WORK/engine.json" >"$WORK/engine.log" 2>&1 ||
  step_failed "(b) engine" "$WORK/engine.log" "exit status $?"
step_end "(b)"
MACHINE_B=$STEP_RECORD
[[ -s $WORK/engine.json ]] || step_failed "(b) engine" "$WORK/engine.log" "it wrote no report"
require_numbers "(b) engine" "$WORK/engine.json" samples_per_second train_seconds test_accuracy peak_rss_mb

echo "train_speed.sh: (c) torch peer, 1 epoch, batch 16, adam, $THREADS threads" >&2
step_begin "(c)"
"$PYTHON" "$PEER" --data-dir "$FASHION_DIR" --threads "$THREADS" --epochs 1 --batch-size 16 \
  >"$WORK/torch.out" 2>"$WORK/torch.log" ||
  step_failed "(c) torch peer" "$WORK/torch.log" "exit status $?"
step_end "(c)"
MACHINE_C=$STEP_RECORD
# The peer prints one JSON line; anything else on stdout is ignored.
grep '^{' "$WORK/torch.out" | tail -n 1 >"$WORK/torch.json" || true
[[ -s $WORK/torch.json ]] || step_failed "(c) torch peer" "$WORK/torch.out" "it printed no JSON line"
require_numbers "(c) torch peer" "$WORK/torch.json" samples_per_second train_seconds test_accuracy peak_rss_mb

# ---------------------------------------------------------------------------
mkdir -p "$RESULTS_DIR"
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)

jq -n \
  --slurpfile sgemm "$WORK/sgemm.json" \
  --slurpfile engine "$WORK/engine.json" \
  --slurpfile torch "$WORK/torch.json" \
  --argjson flops "$FLOPS_PER_SAMPLE" \
  --argjson fwd "$FWD_FLOPS" \
  --argjson bwd "$BWD_FLOPS" \
  --argjson threads "$THREADS" \
  --argjson machine_a "$MACHINE_A" --argjson machine_b "$MACHINE_B" --argjson machine_c "$MACHINE_C" \
  --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --arg commit "$COMMIT" --arg cpu "$CPU" --arg data_dir "$FASHION_DIR" \
  '($sgemm[0]) as $s | ($engine[0]) as $e | ($torch[0]) as $t
   | ($s.gflops_total * 1e9 / $flops) as $limit
   | ($s.model_gflops_total * 1e9 / $flops) as $model_limit
   | ($e.samples_per_second / $t.samples_per_second) as $ratio
   | ($e.samples_per_second / $limit) as $share
   | {
       benchmark: "train_speed",
       date: $date, commit: $commit, cpu: $cpu, threads: $threads,
       dataset: "fashion", data_dir: $data_dir, epochs: 1, batch_size: 16, optimizer: "adam",
       flops_per_sample: $flops, forward_flops_per_sample: $fwd, backward_flops_per_sample: $bwd,
       engine_samples_per_second: $e.samples_per_second,
       torch_samples_per_second: $t.samples_per_second,
       ratio_vs_torch: $ratio,
       sgemm_gflops_total: $s.gflops_total,
       sgemm_gflops_per_thread: $s.gflops_per_thread,
       sgemm_model_shape_gflops_total: $s.model_gflops_total,
       compute_limit_samples_per_second: $limit,
       model_shape_limit_samples_per_second: $model_limit,
       share_of_limit: $share,
       engine_peak_rss_mb: $e.peak_rss_mb,
       engine_test_accuracy: $e.test_accuracy,
       engine_train_flops_per_sample: $e.train_flops_per_sample,
       torch_test_accuracy: $t.test_accuracy,
       targets: {
         ratio_vs_torch: {min: 1.5, value: $ratio, met: ($ratio >= 1.5)},
         share_of_limit: {min: 0.60, value: $share, met: ($share >= 0.60)},
         engine_peak_rss_mb: {max: 300, value: $e.peak_rss_mb, met: ($e.peak_rss_mb <= 300)}
       },
       machine: {sgemm: $machine_a, engine: $machine_b, torch: $machine_c},
       sgemm: $s, engine: $e, torch: $t
     }' >"$WORK/result.json" || die "writing the result JSON failed"
cp "$WORK/result.json" "$OUT"

jq -r '
  def f(n): (n * 100 | round) / 100 | tostring;
  def ok(t): if t.met then "met" else "MISSED" end;
  "",
  "Training speed: Fashion-MNIST, 1 epoch, batch 16, Adam, \(.threads) threads (\(.cpu))",
  "  FLOPs per sample (fwd+bwd)          \(.flops_per_sample / 1e6 | . * 100 | round / 100) MFLOP",
  "  engine                              \(f(.engine_samples_per_second)) samples/s  (test acc \(.engine_test_accuracy))",
  "  torch \(.torch.torch_version)                      \(f(.torch_samples_per_second)) samples/s  (test acc \(.torch_test_accuracy))",
  "  engine / torch                      \(f(.ratio_vs_torch))x          target >= 1.5   \(ok(.targets.ratio_vs_torch))",
  "  Eigen sgemm, square peak            \(f(.sgemm_gflops_total)) GFLOP/s (\(f(.sgemm_gflops_per_thread)) per thread)",
  "  compute limit                       \(f(.compute_limit_samples_per_second)) samples/s",
  "  (at model-shape sgemm rate          \(f(.model_shape_limit_samples_per_second)) samples/s)",
  "  engine share of limit               \(f(.share_of_limit * 100)) %     target >= 60 %  \(ok(.targets.share_of_limit))",
  "  engine peak RSS                     \(f(.engine_peak_rss_mb)) MB     target <= 300   \(ok(.targets.engine_peak_rss_mb))",
  "  others'"'"' load during (a)/(b)/(c)     \(.machine.sgemm.others_during) / \(.machine.engine.others_during) / \(.machine.torch.others_during) cores (load avg \(.machine.sgemm.load_avg_1min) before (a))",
  ""' "$OUT"
echo "train_speed.sh: wrote $OUT" >&2
