# shellcheck shell=bash
# results.sh: the provenance of a benchmark's result files (sourced, not
# run). Every script under bench/ that writes bench/results/NAME.{md,json}
# states the same facts the same way: when (UTC), from which commit, on
# which CPU, under what load, and the exact command, so a figure in the
# README can be traced to the run that made it
# (tests/integration/readme_figures_test.sh checks the README against
# these files). And a bench refuses to credit a commit with figures of a
# build older than it (bench_refuse_stale).
#
# Needs git, jq, coreutils and /proc. Sets no shell options.

# result_meta_json REPO COMMAND: the provenance as one JSON object
# {date, commit, cpu, cores, load_average, command}. The commit is HEAD of
# REPO, marked "+ uncommitted changes" when tracked files differ from it.
result_meta_json() {
  local repo=$1 command=$2 commit
  commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ $commit != unknown && -n $(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    commit+=" + uncommitted changes"
  fi
  jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg commit "$commit" \
    --arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
    --argjson cores "$(nproc)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg command "$command" \
    '{date: $date, commit: $commit, cpu: $cpu, cores: $cores, load_average: $load, command: $command}'
}

# result_meta_md META_JSON: the same provenance as a Markdown paragraph (from
# the object result_meta_json printed, so both files say the same).
result_meta_md() {
  jq -r '"Written by `\(.command)` on \(.date) at commit \(.commit), on a \(.cores)-core \(.cpu) (load average \(.load_average) at the start)."' <<<"$1"
}

# result_command SCRIPT ARG...: the command line that ran SCRIPT (a path
# inside the repository) with ARGs, as the user would type it again.
result_command() {
  local script=$1 words=""
  shift
  (($#)) && words=$(printf ' %q' "$@")
  echo "bash $script$words"
}

# binary_sources NAME: the source paths (relative to the repository) a
# binary called NAME is built from, the ones binaries_stale compares its
# time against: the library and the program's own folder for train_mnist
# and caf-node, the one source of a bench program, else the library and
# every program. CMake files are left out on purpose: a change to them that
# does not change the compile leaves the binary's time alone, so it would
# look stale for ever.
binary_sources() {
  case $1 in
    train_mnist) echo libactors apps/train_mnist ;;
    caf-node) echo libactors apps/node ;;
    sgemm_rate) echo bench/sgemm_rate.cpp ;;
    *) echo libactors apps ;;
  esac
}

# binaries_stale REPO BIN...: whether a BIN is older than the checkout REPO
# it would be measured as: for each BIN, the newest modification time of
# the files git tracks under its binary_sources against BIN's own (make
# relinks a binary whenever one of its sources is newer, so a build of this
# checkout is newer than all of them; a checkout, merge or edit after the
# build touches the files it changes). Says on stderr, for each stale or
# missing BIN, which source is newer and both times; returns 1 if any is.
binaries_stale() {
  local repo=$1 bin built newest file rc=0
  shift
  for bin in "$@"; do
    if [[ ! -e $bin ]]; then
      echo "$bin does not exist (build it: bash scripts/build.sh)" >&2
      rc=1
      continue
    fi
    built=$(stat -c %Y "$bin")
    newest=""
    # shellcheck disable=SC2046 # the source paths are words
    read -r newest file < <(cd "$repo" && git ls-files -z -- $(binary_sources "${bin##*/}") \
      | xargs -0 -r stat -c '%Y %n' 2>/dev/null | sort -n | tail -1) || true
    if [[ -n $newest ]] && ((newest > built)); then
      echo "$bin was built at $(date -u -d "@$built" +%FT%TZ), before $file changed ($(date -u -d "@$newest" +%FT%TZ))" >&2
      rc=1
    fi
  done
  return "$rc"
}

# bench_refuse_stale WHO REPO ALLOW BIN...: a bench's guard against
# measuring binaries older than its checkout (binaries_stale): returns 0 if
# every BIN is fresh, or if ALLOW is 1 (then says on stderr, as WHO, that it
# measures them anyway); else says why and how to go on, and returns 2 (the
# bench exits with it). Sets `binaries_fresh` to true or false for the
# results' build field.
bench_refuse_stale() {
  local who=$1 repo=$2 allow=$3 why
  shift 3
  # shellcheck disable=SC2034 # for the caller's results
  binaries_fresh=true
  why=$(binaries_stale "$repo" "$@" 2>&1) && return 0
  # shellcheck disable=SC2034
  binaries_fresh=false
  printf '%s\n' "$why" | sed "s|^|$who: |" >&2
  if [[ $allow == 1 ]]; then
    echo "$who: measuring these binaries anyway (--allow-stale); the results say so" >&2
    return 0
  fi
  echo "$who: refusing to measure a build older than the checkout: rebuild (bash scripts/build.sh) or pass --allow-stale" >&2
  return 2
}
