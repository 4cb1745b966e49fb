# shellcheck shell=bash
# results.sh: the provenance of a benchmark's result files (sourced, not
# run). Every script under bench/ that writes bench/results/NAME.{md,json}
# states the same facts the same way: when (UTC), from which commit, on
# which CPU, under what load, and the exact command, so a figure in the
# README can be traced to the run that made it
# (tests/integration/readme_figures_test.sh checks the README against
# these files).
#
# Needs git, jq and /proc. Sets no shell options.

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
