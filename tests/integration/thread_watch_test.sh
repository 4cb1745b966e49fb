#!/usr/bin/env bash
# Claim: scripts/lib/hosts.sh's thread_cpu_watch keeps sampling a process
# whose threads come and go, and stops by itself when the process ends.
#
# Why: a thread that exits between the watcher's glob of /proc/PID/task and
# its read of that thread's stat made awk fail; under `set -e -o pipefail`
# the watcher died silently, and bench/scaling.sh's later `kill` of it then
# ended the whole bench with exit 1 and no message (seen twice: an int8 run
# of bench/codecs.sh and a four-host scaling_test run). Here a Python process
# starts and joins threads as fast as it can for 8 s, which made the old
# watcher die within its first second.
source "$(dirname "$0")/lib.sh" "$@"
command -v python3 >/dev/null || { echo "skip: no python3 for the thread churn" >&2; exit 77; }

python3 -c '
import threading, time
end = time.time() + 8
while time.time() < end:
    ts = [threading.Thread(target=lambda: None) for _ in range(50)]
    [t.start() for t in ts]
    [t.join() for t in ts]
' &
churn=$!
thread_cpu_watch "$churn" "$work/samples" &
watcher=$!
sleep 5
if running "$watcher"; then
  echo "ok: the watcher is still sampling after 5 s of thread churn"
else
  echo "FAIL: the watcher died while the process's threads came and went"
  failures=$((failures + 1))
fi
# The main thread (its TID is the PID) is in every sample: about 10 in 5 s.
check_ge "samples of the main thread in 5 s (one every 0.5 s)" \
  "$(awk -v p="$churn" '$1 == p' "$work/samples" | wc -l)" 6
wait "$churn"
deadline=$(($(date +%s) + 3))
while running "$watcher" && (($(date +%s) < deadline)); do sleep 0.1; done
if running "$watcher"; then
  echo "FAIL: the watcher still runs 3 s after its process ended"
  kill "$watcher" 2>/dev/null || true
  failures=$((failures + 1))
else
  echo "ok: the watcher stopped by itself when its process ended"
fi
wait "$watcher" 2>/dev/null || true
finish
