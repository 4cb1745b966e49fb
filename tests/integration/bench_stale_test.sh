#!/usr/bin/env bash
# The benches refuse binaries older than the checkout they would be measured
# as (scripts/lib/results.sh: binaries_stale, bench_refuse_stale). In a
# scratch git checkout with stand-in binaries whose times are set by hand:
# fresh binaries pass; a library source changed after the build makes both
# programs stale, naming the file; a change in apps/node only caf-node;
# --allow-stale lets them through and says so. Then bench/scaling.sh itself
# exits 2 with that message on binaries dated 2000, before it needs root or
# makes anything; and the build this test runs is not stale.
source "$(dirname "$0")/lib.sh" "$@"
# shellcheck source=../../scripts/lib/results.sh
source "$repo_dir/scripts/lib/results.sh"

# A checkout: a library source, each program's source, a CMake file.
r=$work/repo
mkdir -p "$r/libactors/src" "$r/apps/train_mnist" "$r/apps/node" "$r/b/apps/train_mnist" "$r/b/apps/node"
echo 'int f();' >"$r/libactors/src/f.cpp"
echo 'int main() {}' >"$r/apps/train_mnist/main.cpp"
echo 'int main() {}' >"$r/apps/node/main.cpp"
echo 'project(x)' >"$r/CMakeLists.txt"
git -C "$r" init -q
git -C "$r" add libactors apps CMakeLists.txt
git -C "$r" -c user.name=t -c user.email=t@t commit -qm sources
train=$r/b/apps/train_mnist/train_mnist node=$r/b/apps/node/caf-node
touch "$train" "$node"
find "$r/libactors" "$r/apps" "$r/CMakeLists.txt" -type f -exec touch -d '2026-01-01 10:00' {} +
touch -d '2026-01-01 11:00' "$train" "$node"

# stale_check ALLOW: bench_refuse_stale's status, its messages in $work/msg.
stale_check() {
  local rc=0
  bench_refuse_stale bench "$r" "$1" "$train" "$node" 2>"$work/msg" || rc=$?
  echo "$rc"
}

check_eq "built after every source: status" "$(stale_check 0)" 0
check_eq "built after every source: says nothing" "$(wc -c <"$work/msg")" 0

# A CMake file is not a source: its change alone may leave the binaries be.
touch -d '2026-01-01 12:00' "$r/CMakeLists.txt"
check_eq "a newer CMakeLists.txt: status" "$(stale_check 0)" 0

touch -d '2026-01-01 12:00' "$r/libactors/src/f.cpp"
check_eq "a library source changed after the build: status" "$(stale_check 0)" 2
check_eq "both programs named with the file" \
  "$(grep -c 'was built at 2026-01-01T[0-9:]*Z, before libactors/src/f.cpp changed' "$work/msg")" 2
check_eq "says how to go on" "$(grep -c 'refusing to measure a build older than the checkout: rebuild (bash scripts/build.sh) or pass --allow-stale' "$work/msg")" 1
check_eq "--allow-stale: status" "$(stale_check 1)" 0
check_eq "--allow-stale: says it measures them anyway" "$(grep -c 'measuring these binaries anyway (--allow-stale)' "$work/msg")" 1
bench_refuse_stale bench "$r" 1 "$train" "$node" 2>/dev/null
check_eq "--allow-stale: the results' flag" "$binaries_fresh" false

# Rebuilt (both newer), then only caf-node's own source changes.
touch -d '2026-01-01 13:00' "$train" "$node"
touch -d '2026-01-01 14:00' "$r/apps/node/main.cpp"
check_eq "apps/node changed: status" "$(stale_check 0)" 2
check_eq "apps/node changed: caf-node named" "$(grep -c "^bench: $node was built .* before apps/node/main.cpp changed" "$work/msg")" 1
check_eq "apps/node changed: train_mnist not named" "$(grep -c "$train was built" "$work/msg")" 0

# A binary that is not there is stale too.
rm "$train"
check_eq "a missing binary: status" "$(stale_check 0)" 2
check_eq "a missing binary: named" "$(grep -c "$train does not exist" "$work/msg")" 1

# bench/scaling.sh refuses binaries from 2000 before it needs root.
fake=$work/fake
mkdir -p "$fake/train_mnist" "$fake/node"
printf '#!/bin/sh\nexit 0\n' >"$fake/train_mnist/train_mnist"
cp "$fake/train_mnist/train_mnist" "$fake/node/caf-node"
chmod +x "$fake/train_mnist/train_mnist" "$fake/node/caf-node"
touch -d '2000-01-01' "$fake/train_mnist/train_mnist" "$fake/node/caf-node"
expect_failure "scaling.sh on binaries from 2000" 2 \
  "scaling: refusing to measure a build older than the checkout" \
  bash "$repo_dir/bench/scaling.sh" --quick --bin-dir="$fake/train_mnist" --out="$work/results"
check_eq "scaling.sh wrote no results" "$(ls "$work/results" 2>/dev/null | wc -l)" 0

# The build under test is this checkout's.
rc=0
binaries_stale "$repo_dir" "$bin_dir/train_mnist" "$bin_dir/../node/caf-node" 2>"$work/msg" || rc=$?
check_eq "this build is newer than its sources ($(cat "$work/msg"))" "$rc" 0
finish
