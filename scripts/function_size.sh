#!/usr/bin/env bash
# function_size.sh [BUILD_DIR] [MAX_LINES]: lists every function in
# libactors/src and apps longer than MAX_LINES lines (default 80), lambdas
# included (a lambda's lines count for the function that holds it), measured
# by clang-tidy's readability-function-size over the build's
# compile_commands.json. Prints the five longest and exits 1 if any is over
# the limit.
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-$repo_dir/build}
max=${2:-80}
[[ -f $build_dir/compile_commands.json ]] || {
  echo "function_size: $build_dir/compile_commands.json missing (run scripts/build.sh)" >&2
  exit 2
}
command -v clang-tidy >/dev/null || { echo "function_size: clang-tidy missing" >&2; exit 2; }
cd "$repo_dir"
mapfile -t files < <(find libactors/src apps -name '*.cpp' | sort)
# Threshold 1 reports every function with its line count; the limit is
# applied here so that the longest one can be printed too.
config="{Checks: '-*,readability-function-size', CheckOptions: [{key: readability-function-size.LineThreshold, value: 1}]}"
report=$(printf '%s\n' "${files[@]}" \
  | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build_dir" --quiet --config="$config" \
      --extra-arg=-Wno-unknown-warning-option 2>/dev/null \
  | awk '
      /warning: function .* exceeds recommended size/ { loc = $1; name = $0
        sub(/.*warning: function /, "", name); sub(/ exceeds.*/, "", name) }
      /note: [0-9]+ lines including whitespace and comments/ && loc != "" {
        n = $0; sub(/.*note: /, "", n); sub(/ lines.*/, "", n)
        print n, loc, name; loc = "" }' \
  | sed "s|$repo_dir/||" | sort -k2,2 -u | sort -rn)
over=$(awk -v max="$max" '$1 > max' <<<"$report")
echo "function_size: ${#files[@]} files; the five longest functions (lines, place, name):"
head -5 <<<"$report"
if [[ -n $over ]]; then
  echo "function_size: over $max lines:"
  echo "$over"
  exit 1
fi
echo "function_size: no function over $max lines"
