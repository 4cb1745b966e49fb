#!/usr/bin/env bash
# faults_test.sh's fault schedule with a sharded server (--ps-shards=3, one
# shard per host): every case but the partition must end with exactly the
# clean run's 300 server updates, a lost host's shard restarting every shard
# from the newest snapshot, a cut after the same update on every shard.
FAULTS_SHARDS=3 exec bash "$(dirname "$0")/faults_test.sh" "$@"
