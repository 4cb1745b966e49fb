#!/usr/bin/env bash
# faults_test.sh's whole fault schedule with dist-keras's exact exchange
# (--partitioning=static --overlap=false --wire=fp32): every case must end
# with exactly 297 server updates (3 epochs x 3 slices x 33 windows), a
# replacement resuming where the last applied commit of its slice left off.
FAULTS_EXCHANGE=exact exec bash "$(dirname "$0")/faults_test.sh" "$@"
