#!/usr/bin/env bash
# faults_test.sh's fault schedule with a sharded server (--ps-shards=3, one
# shard per host): every case must end with exactly the clean run's 300
# server updates, a lost host's shard restarting every shard from the
# newest snapshot, a cut after the same update on every shard. In the
# partition case (host2, shard 1, cut from host1, the lead) the driver
# loses no node: the two shards watch each other (cluster/shard_watch.hpp)
# and end, which restarts every shard (bounds in faults_test.sh's header).
FAULTS_SHARDS=3 exec bash "$(dirname "$0")/faults_test.sh" "$@"
