#!/usr/bin/env bash
# container_base.sh [--docker] [NAME]: makes a Debian 12 (bookworm) base
# image for podman (or, with --docker, for the Docker Engine) without any
# container registry: debootstrap --variant=minbase into a temporary
# directory, from the machine's own Debian mirror, then `podman import` (or
# `docker import`) as NAME (default localhost/actors-base:bookworm).
# Build the project's image on it with
#   podman --runtime runc build --network host --format docker \
#     --build-arg BASE_IMAGE=localhost/actors-base:bookworm -f docker/Dockerfile .
# An image NAME that exists already is kept (delete it with `podman rmi` to
# rebuild). Needs root and scripts/container_setup.sh run first (with
# --docker: debootstrap and a running dockerd, scripts/lib/docker.sh).
# Exit codes: 0 the image exists, 1 failed (message on stderr).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

engine=podman
if [[ ${1:-} == --docker ]]; then
  # Debian's client (docker.io), as scripts/lib/docker.sh uses it.
  engine=/usr/bin/docker
  shift
fi
name=${1:-localhost/actors-base:bookworm}
say() { echo "container_base: $*" >&2; }

if [[ $(id -u) != 0 ]]; then
  say "needs root (debootstrap, podman); running as $(id -un)"
  exit 1
fi
for tool in debootstrap "$engine"; do
  command -v "$tool" >/dev/null || { say "no $tool: run scripts/container_setup.sh (podman) or scripts/setup.sh (docker) first"; exit 1; }
done
if "$engine" image inspect "$name" >/dev/null 2>&1; then
  say "$name exists, kept"
  exit 0
fi

# The machine's own Debian mirror (scripts/lib/common.sh).
mirror=$(debian_mirror)

root=$(mktemp -d /var/tmp/actors-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
say "debootstrap bookworm from $mirror (about a minute)"
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1; then
  tail -20 "$root.log" >&2
  rm -f "$root.log"
  say "debootstrap failed"
  exit 1
fi
rm -f "$root.log"
# The image's apt uses the same mirror.
echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
# Slim, as Debian's bookworm-slim is: no manuals, documentation or
# translations now nor in packages installed later (copyrights stay). This
# takes minbase from 121 MB to about 75 MB.
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF2'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF2
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian/*
rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/var/log/apt/*
tar -C "$root" -c . | "$engine" import --change 'CMD ["/bin/bash"]' - "$name" >/dev/null
say "imported $name ($("$engine" image inspect --format '{{.Size}}' "$name") bytes)"
