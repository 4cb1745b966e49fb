#!/usr/bin/env bash
# cold_ci.sh [--parts=apt,compile] [--out=DIR]: what a cold machine adds to
# CI (`bash .ci/run`) over one that has run it before, measured part by part:
#
#   apt      a fresh Debian 12 root (debootstrap --variant=minbase from the
#            machine's mirror, timed: each container base image costs one),
#            then, chrooted into it, `apt-get install` of what
#            scripts/setup.sh asks for (nodejs and npm included, as on a
#            machine without them), in three timed steps: everything but the
#            container engines; Docker's (docker.io docker-compose
#            debootstrap: compose_test); podman's (podman runc:
#            container_test, scripts/container_setup.sh). Downloads from the
#            mirror are included. Nothing is installed on this machine.
#   compile  the three builds CI makes (scripts/build.sh, the ASan build of
#            scripts/sanitize.sh, the fuzz build of scripts/fuzz.sh) of a
#            clean clone of HEAD with ccache disabled, one after the other;
#            CPU seconds (user + system, of the compilers) and wall seconds.
#            On an idle machine with N cores the wall time of a cold build is
#            about CPU / N; under load only the CPU figure is meaningful
#            (the load average is recorded).
#
# The image builds of compose_test and container_test are cold in every CI
# run already (both remove what their build left; only the debootstrap
# base images stay as caches), so they are not measured again here.
# Writes DIR/cold_ci.{md,json} (default bench/results). Needs root,
# debootstrap and the network to the Debian mirror.
# Exit codes: 0 written, 1 a step failed, 2 bad usage.
set -euo pipefail
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo_dir/scripts/lib/results.sh"
# debian_mirror.
source "$repo_dir/scripts/lib/common.sh"
parts=apt,compile
out=$repo_dir/bench/results
for arg in "$@"; do
  case $arg in
    --parts=*) parts=${arg#*=} ;;
    --out=*) out=${arg#*=} ;;
    *) echo "cold_ci: unknown option '$arg' (expected --parts=apt,compile --out=DIR)" >&2; exit 2 ;;
  esac
done
for p in ${parts//,/ }; do
  [[ $p == apt || $p == compile ]] || { echo "cold_ci: --parts: unknown part '$p' (expected apt, compile)" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "cold_ci: needs root (debootstrap, chroot)" >&2; exit 1; }
say() { echo "cold_ci: $*" >&2; }
meta=$(result_meta_json "$repo_dir" "$(result_command bench/cold_ci.sh "$@")")
work=$(mktemp -d /var/tmp/cold-ci.XXXXXX)
cleanup() {
  for m in proc sys dev; do umount -l "$work/root/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
rows='[]'

# row NAME WALL CPU NOTE: one measured step into $rows.
row() {
  rows=$(jq --arg name "$1" --argjson wall "$2" --argjson cpu "$3" --arg note "$4" \
    '. + [{step: $name, wall_s: $wall, cpu_s: $cpu, note: $note}]' <<<"$rows")
  say "$1: $2 s wall, $3 s CPU"
}

# timed LOG CMD...: runs CMD with its output in LOG; sets wall and cpu
# (children's user + system seconds).
timed() {
  local log=$1
  shift
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$log" 2>&1 || { tail -20 "$log" >&2; return 1; }
  read -r wall user sys <"$work/time"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
}

measure_apt() {
  local mirror pkgs rest=() docker_pkgs=(docker.io docker-compose debootstrap) podman_pkgs=(podman runc) p
  mirror=$(debian_mirror)
  mapfile -t pkgs < <(bash "$repo_dir/scripts/setup.sh" --list)
  for p in "${pkgs[@]}" nodejs npm; do
    [[ " ${docker_pkgs[*]} ${podman_pkgs[*]} ${rest[*]} " == *" $p "* ]] || rest+=("$p")
  done
  timed "$work/debootstrap.log" debootstrap --variant=minbase bookworm "$work/root" "$mirror"
  row "debootstrap minbase (one base image)" "$wall" "$cpu" "$mirror"
  echo "deb $mirror bookworm main" >"$work/root/etc/apt/sources.list"
  printf '#!/bin/sh\nexit 101\n' >"$work/root/usr/sbin/policy-rc.d"
  chmod +x "$work/root/usr/sbin/policy-rc.d"
  for m in proc sys dev; do mount --bind "/$m" "$work/root/$m"; done
  cp /etc/resolv.conf "$work/root/etc/resolv.conf"
  timed "$work/update.log" chroot "$work/root" apt-get update
  row "apt-get update" "$wall" "$cpu" ""
  local -a apt=(chroot "$work/root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends)
  timed "$work/rest.log" "${apt[@]}" "${rest[@]}"
  row "apt: setup.sh without the container engines" "$wall" "$cpu" "${rest[*]}"
  timed "$work/docker.log" "${apt[@]}" "${docker_pkgs[@]}"
  row "apt: Docker (compose_test)" "$wall" "$cpu" "${docker_pkgs[*]}"
  timed "$work/podman.log" "${apt[@]}" "${podman_pkgs[@]}"
  row "apt: podman (container_test)" "$wall" "$cpu" "${podman_pkgs[*]}"
}

measure_compile() {
  local src=$work/src
  git clone -q "$repo_dir" "$src"
  export CCACHE_DISABLE=1
  timed "$work/build.log" bash "$src/scripts/build.sh"
  row "cold build: scripts/build.sh (Release, everything)" "$wall" "$cpu" "ccache disabled"
  timed "$work/asan.log" env ACTORS_BUILD_ONLY=1 bash "$src/scripts/sanitize.sh"
  row "cold build: scripts/sanitize.sh (ASan + UBSan tests)" "$wall" "$cpu" "ccache disabled"
  timed "$work/fuzz.log" env ACTORS_BUILD_ONLY=1 bash "$src/scripts/fuzz.sh"
  row "cold build: scripts/fuzz.sh (clang fuzz targets)" "$wall" "$cpu" "ccache disabled"
}

for p in ${parts//,/ }; do
  "measure_$p"
done

mkdir -p "$out"
jq -n --argjson meta "$meta" --argjson rows "$rows" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
  '{meta: $meta, load_average_at_end: $load, steps: $rows}' >"$out/cold_ci.json"
{
  echo "# What a cold machine adds to CI"
  echo
  result_meta_md "$meta"
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| step | wall s | CPU s |"
  echo "|---|---:|---:|"
  jq -r '.[] | "| \(.step) | \(.wall_s) | \(.cpu_s) |"' <<<"$rows"
  echo
  echo "CPU s: user + system seconds of the step's processes. A cold build's"
  echo "wall time on an idle machine is about its CPU seconds divided by the"
  echo "cores; apt steps are bound by the mirror and dpkg, not the CPU."
} >"$out/cold_ci.md"
say "wrote $out/cold_ci.md and $out/cold_ci.json"
