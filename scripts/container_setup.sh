#!/usr/bin/env bash
# container_setup.sh: makes this Debian 12 machine able to build and run the
# project's container image without a Docker engine (as root; safe to
# re-run):
#   - installs podman, runc and debootstrap from Debian when missing;
#   - sets `default_ulimits = []` in /etc/containers/containers.conf unless
#     that file already sets default_ulimits: podman otherwise raises each
#     container's open-files limit to 1048576, above the hard limit of a
#     sandbox like this project's machines (20000, which root cannot raise
#     there), and runc refuses to start any container ("error setting
#     rlimit type 7: operation not permitted").
# Containers are then run with `podman --runtime runc` (crun is not used).
# Exit codes: 0 ready, 1 failed (message on stderr).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

say() { echo "container_setup: $*" >&2; }

if [[ $(id -u) != 0 ]]; then
  say "needs root (apt-get, /etc/containers); running as $(id -un)"
  exit 1
fi

apt_install_missing container_setup podman runc debootstrap

conf=/etc/containers/containers.conf
mkdir -p "$(dirname "$conf")"
if [[ -f $conf ]] && grep -Eq '^[[:space:]]*default_ulimits[[:space:]]*=' "$conf"; then
  : # the machine's own choice stays
elif [[ -f $conf ]] && grep -Eq '^[[:space:]]*\[containers\]' "$conf"; then
  # Add the key right under the existing [containers] table.
  sed -i '0,/^[[:space:]]*\[containers\]/s//[containers]\ndefault_ulimits = []/' "$conf"
  say "set default_ulimits = [] in $conf"
else
  printf '[containers]\ndefault_ulimits = []\n' >>"$conf"
  say "set default_ulimits = [] in $conf"
fi
