#!/usr/bin/env bash
# test.sh [ctest options...]: the README's second command. Installs what is
# missing, builds, fetches the data and runs every test with ctest; then the
# unit and actor tests again under ASan + UBSan (scripts/sanitize.sh, in
# build-asan/) and every fuzz target for ACTORS_FUZZ_SECONDS seconds
# (default 20; scripts/fuzz.sh, in build-fuzz/). The ctest options apply to
# the first run only.
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo_dir/scripts/lib/common.sh"
prepare_checkout "$repo_dir"
cd "$repo_dir"
(cd build && ctest --output-on-failure --timeout 1800 "$@")
bash scripts/sanitize.sh
bash scripts/fuzz.sh --seconds "${ACTORS_FUZZ_SECONDS:-20}"
