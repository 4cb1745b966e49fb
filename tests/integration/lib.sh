# Shared helpers for the integration tests (sourced, not run).
# Usage in a test: source "$(dirname "$0")/lib.sh" "$@"
set -euo pipefail
bin_dir=$1
repo_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# json_number FILE KEY: the first top-level-looking "KEY": number in FILE.
json_number() {
  grep -o "\"$2\": [-0-9.eE+]*" "$1" | head -1 | sed 's/.*: //'
}

# check_ge NAME VALUE MIN
check_ge() {
  if awk -v v="$2" -v m="$3" 'BEGIN { exit !(v >= m) }'; then
    echo "ok: $1 = $2 (>= $3)"
  else
    echo "FAIL: $1 = $2, expected >= $3"
    failures=$((failures + 1))
  fi
}

# check_eq NAME VALUE EXPECTED
check_eq() {
  if [[ "$2" == "$3" ]]; then
    echo "ok: $1 = $2"
  else
    echo "FAIL: $1 = '$2', expected '$3'"
    failures=$((failures + 1))
  fi
}

# expect_failure NAME CODE PATTERN CMD...: CMD must exit with CODE and print
# PATTERN (an extended regex) on stderr.
expect_failure() {
  local name=$1 code=$2 pattern=$3
  shift 3
  local rc=0
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  if [[ $rc -ne $code ]]; then
    echo "FAIL: $name: exit code $rc, expected $code; stderr: $(cat "$work/err")"
    failures=$((failures + 1))
  elif ! grep -Eq "$pattern" "$work/err"; then
    echo "FAIL: $name: stderr lacks /$pattern/: $(cat "$work/err")"
    failures=$((failures + 1))
  else
    echo "ok: $name: exit $code, $(head -1 "$work/err")"
  fi
}

finish() {
  if [[ $failures -gt 0 ]]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
