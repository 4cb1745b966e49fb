#!/usr/bin/env bash
# fault_recovery.sh [--cases=LIST] [--before=BUILD_DIR] [--no-partition-test]
#                   [--shards=N] [--out=FILE] [--allow-stale]:
# what losing the parameter server's node costs a run. Runs
# tests/integration/faults_test.sh with FAULTS_CASES=LIST (default
# "kill-ps stop-ps partition"; the clean case always runs) and
# tests/integration/partition_test.sh (clean, cut before the job, cut at
# 4 s) with this tree's build, and with --before=DIR first with the
# binaries of another build (DIR/apps/train_mnist/train_mnist and
# DIR/apps/node/caf-node, e.g. a build of the commit before a change).
# Both tests need root and network namespaces; take the machine's namespace
# lock around this script if others use namespaces too (flock FILE bash
# bench/fault_recovery.sh ...). Writes bench/results/fault_recovery.md: per
# build, each test's table and its timing lines (wall and training seconds,
# seconds from the fault to the first exchange a replacement applied), with
# the date, commit, CPU, load and command. About 3 minutes per build after
# the fix (clean ~20 s, kill-ps ~25 s, stop-ps ~30 s, partition ~40 s,
# partition_test ~80 s); a build that waits for its --timeout on the
# partition takes 4 minutes more. This tree's build must be newer than its
# sources (the --before build is older on purpose): else exit 2, unless
# --allow-stale.
# --shards=N (1-3, default 1) runs the fault schedule with a sharded server
# (FAULTS_SHARDS=N: shard k on host k + 1, as faults_shards_test.sh does;
# partition_test.sh knows no shards, so it is left out) and writes
# bench/results/fault_recovery_shards.md unless --out=FILE says where.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/scripts/lib/results.sh"
meta=$(result_meta_json "$repo" "$(result_command bench/fault_recovery.sh "$@")")
cases="kill-ps stop-ps partition"
before=""
partition_test=true allow_stale=0 shards=1 out=""
for a in "$@"; do
  case $a in
    --cases=*) cases=${a#--cases=} ;;
    --before=*) before=${a#--before=} ;;
    --no-partition-test) partition_test=false ;;
    --allow-stale) allow_stale=1 ;;
    --shards=[1-3]) shards=${a#--shards=} ;;
    --out=?*) out=${a#--out=} ;;
    *) echo "fault_recovery.sh: unknown argument '$a' (expected --cases=LIST, --before=BUILD_DIR, --no-partition-test, --shards=1|2|3, --out=FILE or --allow-stale)" >&2
       exit 2 ;;
  esac
done
if [[ -n $before && ! -x $before/apps/train_mnist/train_mnist ]]; then
  echo "fault_recovery.sh: --before=$before: no apps/train_mnist/train_mnist there" >&2
  exit 2
fi
bench_refuse_stale fault_recovery.sh "$repo" "$allow_stale" \
  "$repo/build/apps/train_mnist/train_mnist" "$repo/build/apps/node/caf-node" || exit 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ((shards > 1)); then
  partition_test=false
  out=${out:-$repo/bench/results/fault_recovery_shards.md}
fi
out=${out:-$repo/bench/results/fault_recovery.md}

# run_test LOG TITLE PATTERN SCRIPT BUILD [VAR=VALUE...]: one test with that
# build (BUILD/apps/train_mnist) and those environment variables; TITLE,
# its exit code, its table and its lines matching PATTERN (indented). A
# test that fails still reports: a build before a fix may break a bound.
run_test() {
  local log=$1 title=$2 pattern=$3 script=$4 build=$5 rc=0
  shift 5
  env "$@" bash "$repo/tests/integration/$script" "$build/apps/train_mnist" "$repo" \
    >"$log" 2>&1 || rc=$?
  printf '%s, exit %s:\n\n' "$title" "$rc"
  grep -E '^\|' "$log" || true
  echo
  grep -E "$pattern" "$log" | sed 's/^/    /' || true
  echo
}

# run_build LABEL BUILD_DIR: both tests with that build under a heading.
runs=0
run_build() {
  local log=$work/run$((++runs)).log
  {
    echo "## $1"
    echo
    run_test "$log" "faults_test.sh (FAULTS_CASES=\"$cases\" FAULTS_SHARDS=$shards)" \
      '^(timing|FAIL):' faults_test.sh "$2" "FAULTS_CASES=$cases" "FAULTS_SHARDS=$shards"
    ! $partition_test \
      || run_test "$log.p" "partition_test.sh" '^FAIL:' partition_test.sh "$2"
  } >>"$work/md"
}

{
  if ((shards > 1)); then
    echo "# Losing a parameter server shard's node ($shards shards, one per host)"
  else
    echo "# Losing the parameter server's node"
  fi
  echo
  result_meta_md "$meta"
  echo
} >"$work/md"
[[ -z $before ]] || run_build "before: $before" "$before"
run_build "this tree: $repo/build" "$repo/build"
mkdir -p "$(dirname "$out")"
cp "$work/md" "$out"
cat "$out"
