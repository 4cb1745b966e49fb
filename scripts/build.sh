#!/usr/bin/env bash
# build.sh [BUILD_DIR]: configures (Release) and builds everything with the
# machine's cores. Re-running rebuilds only what changed.
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-$repo_dir/build}
cmake -S "$repo_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
