#!/usr/bin/env bash
# test.sh [ctest options...]: the README's second command. Installs what is
# missing, builds, fetches the data and runs every test with ctest.
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_dir"
bash scripts/setup.sh
bash scripts/build.sh
bash scripts/fetch_data.sh
cd build
exec ctest --output-on-failure --timeout 1800 "$@"
