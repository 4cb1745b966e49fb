#!/usr/bin/env bash
# The container manifests pass real validators, and those validators have
# teeth: broken copies of the manifests are rejected, each for its reason.
#
# scripts/validate_manifests.sh validates docker/compose.yaml (yamllint,
# docker-compose's Compose Specification schema, the docker client's stack
# loader) and docker/k8s/*.yaml (kubernetes-models' schemas, unknown fields,
# references), and lets caf-node and train_mnist parse the options and ini
# files the manifests give them. Needs no engine and no cluster; installs
# the validators on first use. Exit 77 (skip) when a validator cannot be
# installed, e.g. without the network to the npm registry.
source "$(dirname "$0")/lib.sh" "$@"

validate=$repo_dir/scripts/validate_manifests.sh

# run_validate OUT ARGS...: runs the validator, output (both streams) in OUT.
run_validate() {
  local out=$1
  shift
  local rc=0
  bash "$validate" --bin-dir="$bin_dir" "$@" >"$out" 2>&1 || rc=$?
  echo "$rc"
}

# 1. The committed manifests are valid, and every validator really ran.
rc=$(run_validate "$work/valid.out")
if [[ $rc == 77 ]]; then
  cat "$work/valid.out"
  echo "SKIP: a validator could not be installed (see above)"
  exit 77
fi
sed 's/^/  | /' "$work/valid.out"
check_eq "committed manifests: exit code" "$rc" 0
for line in "ok: yamllint: 1 compose and 8 Kubernetes files" \
            "ok: docker-compose config (Compose Specification), NODES=3" \
            "ok: docker-compose config (Compose Specification), NODES=5" \
            "ok: docker stack deploy accepted the file" \
            "ok: kubernetes-models: 9 documents in 8 files valid" \
            "ok: caf-node accepts --config-file=$repo_dir/docker/node.ini" \
            "ok: train_mnist accepts --data=/data" \
            "ok: caf-node accepts --config-file=(ConfigMap) node.ini" \
            "ok: train_mnist accepts --config=(ConfigMap) train_mnist.ini --discover=actors-node:4242 --expect-nodes=3"; do
  if grep -qF -- "$line" "$work/valid.out"; then
    echo "ok: ran: $line"
  else
    echo "FAIL: the validator did not report '$line'"
    failures=$((failures + 1))
  fi
done

# 2. Broken copies. A copy of the repository's docker/ directory (so the
# compose file's relative paths still resolve), one change each.
fresh_copy() {
  rm -rf "$work/repo"
  mkdir -p "$work/repo/docker/k8s"
  cp "$repo_dir"/docker/*.yaml "$repo_dir"/docker/*.ini "$work/repo/docker/"
  cp "$repo_dir"/docker/k8s/*.yaml "$work/repo/docker/k8s/"
}

# mutate FILE OLD NEW: replaces the one occurrence of OLD in FILE by NEW.
mutate() {
  python3 - "$@" <<'EOF'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"mutate: {old!r} occurs {text.count(old)} times in {path}")
open(path, "w").write(text.replace(old, new))
EOF
}

# rejected NAME PATTERN [ONLY_OK_LINE] -- validates the broken copy (compose
# or k8s part, by which file was changed); it must exit 1 and print PATTERN
# (an extended regex). With ONLY_OK_LINE, that line must also be printed: the
# other validators accepted the copy, so this rejection is the named one's.
rejected() {
  local name=$1 pattern=$2 ok_line=${3:-} part=$4
  local rc
  rc=$(run_validate "$work/broken.out" --only="$part" \
         --compose="$work/repo/docker/compose.yaml" --k8s-dir="$work/repo/docker/k8s")
  if [[ $rc != 1 ]]; then
    echo "FAIL: $name: exit code $rc, expected 1:"
    sed 's/^/  | /' "$work/broken.out"
    failures=$((failures + 1))
  elif ! grep -Eq -- "$pattern" "$work/broken.out"; then
    echo "FAIL: $name: no /$pattern/ in:"
    sed 's/^/  | /' "$work/broken.out"
    failures=$((failures + 1))
  elif [[ -n $ok_line ]] && ! grep -qF -- "$ok_line" "$work/broken.out"; then
    echo "FAIL: $name: '$ok_line' missing: another validator rejected it too:"
    sed 's/^/  | /' "$work/broken.out"
    failures=$((failures + 1))
  else
    echo "ok: $name: rejected: $(grep -Em1 -- "$pattern" "$work/broken.out" | sed 's/^validate: //')"
  fi
}

# case NAME FILE OLD NEW PATTERN [ONLY_OK_LINE]: FILE relative to docker/.
case_() {
  local name=$1 file=$2 old=$3 new=$4 pattern=$5 ok_line=${6:-}
  local part=compose
  [[ $file == k8s/* ]] && part=k8s
  fresh_copy
  if ! mutate "$work/repo/docker/$file" "$old" "$new"; then
    echo "FAIL: $name: the manifest changed, this case needs updating"
    failures=$((failures + 1))
    return
  fi
  rejected "$name" "$pattern" "$ok_line" "$part"
}

# Compose: the Compose Specification (docker-compose) and the stack loader.
case_ "compose: replicas not an integer" compose.yaml \
  'replicas: ${NODES:-3}' 'replicas: three' \
  'deploy.replicas.*"three" is not a valid integer'
if grep -q 'is not a valid integer' "$work/broken.out" \
   && grep -q 'services.node.deploy.replicas must be a integer' "$work/broken.out"; then
  echo "ok: both compose validators named deploy.replicas"
else
  echo "FAIL: not both compose validators rejected replicas: three"
  failures=$((failures + 1))
fi

# The other cases, one a line in manifests_cases.tsv (read on fd 3: the
# validators must not eat the table from stdin).
cases=0
while IFS=$'\t' read -r -u 3 name file old new pattern ok_line; do
  [[ -z $name || $name == '#'* ]] && continue
  case_ "$name" "$file" "${old//\\n/$'\n'}" "${new//\\n/$'\n'}" "$pattern" "$ok_line"
  cases=$((cases + 1))
done 3<"$(dirname "$0")/manifests_cases.tsv"
check_eq "cases read from manifests_cases.tsv" "$cases" 13

finish
