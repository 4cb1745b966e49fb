#!/usr/bin/env bash
# faults_test.sh's whole fault schedule with --partitioning=dynamic: every
# case must end with exactly 300 server updates (3 epochs x 100 chunks), a
# lost worker's leased chunks going back to the parameter server's queue and
# a restarted server redoing the chunks applied after its snapshot.
FAULTS_PARTITIONING=dynamic exec bash "$(dirname "$0")/faults_test.sh" "$@"
