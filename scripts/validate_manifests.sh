#!/usr/bin/env bash
# validate_manifests.sh [--compose=FILE] [--k8s-dir=DIR] [--bin-dir=DIR]
#                       [--only=compose|k8s]
#
# Validates the container manifests with real validators, without a Docker
# engine or a Kubernetes cluster (defaults: docker/compose.yaml and every
# docker/k8s/*.yaml):
#   yamllint (Debian)          YAML syntax, duplicate keys, indentation.
#   docker-compose (Debian)    `config`: the compose file against the Compose
#                              Specification schema, as `docker compose up`
#                              reads it; NODES=3 and NODES=5.
#   docker 20.10 client        `stack deploy`: the same file through the
#   (Debian's docker.io)       stack loader and its compose v3 schema, as
#                              `docker stack deploy` reads it. Only the client
#                              binary is taken from the package (no daemon is
#                              installed or started); DOCKER_HOST names a
#                              socket that does not exist, so the client stops
#                              at "Cannot connect to the Docker daemon", which
#                              it reaches only once the file was accepted.
#   docker/k8s/tools/validate.mjs (npm: kubernetes-models, js-yaml)
#                              every Kubernetes document: schema, unknown
#                              fields, references between the documents.
#   the project's binaries     with --bin-dir (train_mnist's build directory,
#                              caf-node in ../node/): caf-node and train_mnist
#                              parse the ConfigMap's ini files, the Job's
#                              arguments and the compose commands' options
#                              (with --help they stop after parsing: exit 0
#                              only if every key and value is valid).
# Installs what is missing: the Debian packages docker-compose and yamllint;
# the docker client (apt-get download docker.io, kept in
# ${XDG_CACHE_HOME:-~/.cache}/actors-validate); `npm ci` in docker/k8s/tools
# from its lockfile when that changed.
#
# Exit codes: 0 valid, 1 a manifest is invalid (each problem on stderr),
# 2 bad usage, 77 a validator could not be installed (the reason printed).
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
compose_file=$repo_dir/docker/compose.yaml
k8s_dir=$repo_dir/docker/k8s
bin_dir=""
only=""
for arg in "$@"; do
  case $arg in
    --compose=*) compose_file=${arg#*=} ;;
    --k8s-dir=*) k8s_dir=${arg#*=} ;;
    --bin-dir=*) bin_dir=${arg#*=} ;;
    --only=compose | --only=k8s) only=${arg#*=} ;;
    *) echo "usage: $0 [--compose=FILE] [--k8s-dir=DIR] [--bin-dir=DIR] [--only=compose|k8s]" >&2
       exit 2 ;;
  esac
done
tools_dir=$repo_dir/docker/k8s/tools
cache_dir=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/actors-validate

say() { echo "validate: $*"; }
unavailable() {
  echo "validate: cannot install a validator: $*" >&2
  exit 77
}
failures=0
fail() {
  echo "validate: FAIL: $*" >&2
  failures=$((failures + 1))
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- Install -----------------------------------------------------------------

missing=()
for p in docker-compose yamllint python3-yaml; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$work/apt.log" 2>&1 || unavailable "apt-get install ${missing[*]} failed: $(tail -3 "$work/apt.log")"
fi

# The docker client of Debian's docker.io, extracted from the package.
docker_bin=$(find "$cache_dir" -path '*/docker-*/docker' -type f 2>/dev/null | sort | tail -1 || true)
if [[ -z $docker_bin ]]; then
  say "fetching Debian's docker.io for its docker client (no daemon is installed)"
  mkdir -p "$work/deb"
  if ! (cd "$work/deb" && apt-get download docker.io) >"$work/apt.log" 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$work/deb" && apt-get download docker.io) >"$work/apt.log" 2>&1 \
      || unavailable "apt-get download docker.io failed: $(tail -3 "$work/apt.log")"
  fi
  deb=$(ls "$work"/deb/docker.io_*.deb)
  version=$(dpkg-deb -f "$deb" Version)
  mkdir -p "$work/x" "$cache_dir/docker-$version"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" ./usr/bin/docker
  mv "$work/x/usr/bin/docker" "$cache_dir/docker-$version/docker"
  docker_bin=$cache_dir/docker-$version/docker
fi

# npm ci only when package.json or the lockfile changed since the last one.
lock_sum=$(cat "$tools_dir/package.json" "$tools_dir/package-lock.json" | sha256sum | cut -c1-32)
if [[ $(cat "$tools_dir/node_modules/.lock-sum" 2>/dev/null) != "$lock_sum" ]]; then
  say "npm ci in docker/k8s/tools"
  if ! (cd "$tools_dir" && npm ci --no-audit --no-fund --loglevel=error \
          --fetch-retries=1 --fetch-timeout=60000) >"$work/npm.log" 2>&1; then
    if grep -Eq 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network' "$work/npm.log"; then
      unavailable "npm ci in docker/k8s/tools: the npm registry is not reachable: $(grep -m1 -E 'npm (error|ERR)' "$work/npm.log")"
    fi
    cat "$work/npm.log" >&2
    echo "validate: npm ci in docker/k8s/tools failed" >&2
    exit 1
  fi
  echo "$lock_sum" >"$tools_dir/node_modules/.lock-sum"
fi

say "yamllint $(yamllint --version | awk '{print $2}'), docker-compose $(docker-compose version --short)," \
    "docker client $("$docker_bin" --version | awk '{print $3}' | tr -d ,)," \
    "kubernetes-models $(node -p "require('$tools_dir/node_modules/kubernetes-models/package.json').version")," \
    "node $(node --version)"

# --- YAML ----------------------------------------------------------------------

compose_files=("$compose_file")
k8s_files=("$k8s_dir"/*.yaml)
[[ -e ${k8s_files[0]} ]] || { fail "no *.yaml in $k8s_dir"; k8s_files=(); }
case $only in
  compose) k8s_files=() ;;
  k8s) compose_files=() ;;
esac
yamllint_config='{extends: default, rules: {line-length: {max: 100}, document-start: disable,
  truthy: {check-keys: false}}}'
if yamllint -f parsable -d "$yamllint_config" "${compose_files[@]}" "${k8s_files[@]}" \
     >"$work/lint" 2>&1; then
  say "ok: yamllint: ${#compose_files[@]} compose and ${#k8s_files[@]} Kubernetes files"
else
  fail "yamllint:"$'\n'"$(cat "$work/lint")"
fi

# --- Compose: docker compose up ----------------------------------------------

# A clean environment: only the variables the file documents.
compose_env=(env -i PATH="$PATH" HOME="$work" DOCKER_HOST="unix://$work/no-daemon.sock")
for nodes in 3 5; do
  ((${#compose_files[@]})) || break
  if "${compose_env[@]}" NODES=$nodes docker-compose -f "$compose_file" config \
       >"$work/compose-$nodes.yaml" 2>"$work/compose.err"; then
    say "ok: docker-compose config (Compose Specification), NODES=$nodes"
  else
    fail "docker-compose config, NODES=$nodes: $compose_file:"$'\n'"$(cat "$work/compose.err")"
    continue
  fi
  # What no schema sees: the driver waits for as many nodes as there are
  # replicas, resolves a service of this file, and is not health-checked as
  # a node.
  if ! python3 - "$work/compose-$nodes.yaml" "$nodes" >"$work/check" 2>&1 <<'EOF'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
nodes = int(sys.argv[2])
services = cfg.get("services", {})
problems = []
drivers = [(n, s) for n, s in services.items()
           if any(str(a).startswith("--discover=") for a in s.get("command") or [])]
if not drivers:
    problems.append("no service runs the driver with --discover=HOST:PORT")
for name, svc in drivers:
    args = dict(str(a)[2:].split("=", 1) for a in svc["command"] if str(a).startswith("--") and "=" in str(a))
    host, _, port = args["discover"].partition(":")
    target = services.get(host[len("tasks."):] if host.startswith("tasks.") else host)
    if target is None:
        problems.append(f"{name}: --discover={args['discover']}: no service {host}")
    else:
        replicas = (target.get("deploy") or {}).get("replicas", 1)
        if replicas != nodes or args.get("expect-nodes") != str(nodes):
            problems.append(f"{name}: --expect-nodes={args.get('expect-nodes')} but "
                            f"{host} has {replicas} replicas with NODES={nodes}")
        if port != "4242":
            problems.append(f"{name}: --discover port {port}, the nodes listen on 4242")
    if (svc.get("healthcheck") or {}).get("test") != ["NONE"]:
        problems.append(f"{name}: the image's node health check is not disabled for the driver")
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF
  then
    fail "$compose_file, NODES=$nodes:"$'\n'"$(cat "$work/check")"
  fi
done

# --- Compose: docker stack deploy ------------------------------------------

stack_env=(env -i PATH="$PATH" HOME="$work" DOCKER_CONFIG="$work/docker-config"
           DOCKER_HOST="unix://$work/no-daemon.sock")
if ((${#compose_files[@]})); then
  "${stack_env[@]}" "$docker_bin" stack deploy --compose-file "$compose_file" actors-validate \
    >"$work/stack.out" 2>&1 || true
fi
if ((${#compose_files[@]} == 0)); then
  :
elif grep -q "Cannot connect to the Docker daemon at unix://$work/no-daemon.sock" "$work/stack.out"; then
  notes=$(grep -v "Cannot connect to the Docker daemon" "$work/stack.out" | grep . | tr '\n' ' ' || true)
  say "ok: docker stack deploy accepted the file${notes:+ ($notes)}"
else
  fail "docker stack deploy rejected $compose_file:"$'\n'"$(cat "$work/stack.out")"
fi

# --- Kubernetes ---------------------------------------------------------------

if ((${#k8s_files[@]})); then
  if node "$tools_dir/validate.mjs" "${k8s_files[@]}" >"$work/k8s.out" 2>&1; then
    say "ok: kubernetes-models: $(sed 's/^validate: //' "$work/k8s.out")"
  else
    fail "Kubernetes manifests:"$'\n'"$(cat "$work/k8s.out")"
  fi
fi

# --- The options, parsed by the programs themselves --------------------------

if [[ -n $bin_dir ]]; then
  train_bin=$bin_dir/train_mnist
  node_bin=$bin_dir/../node/caf-node
  [[ -x $train_bin && -x $node_bin ]] || { fail "no train_mnist/caf-node in $bin_dir"; }
  # Writes each ConfigMap key to $work/etc/KEY and, per service or container
  # that runs a program of ours, one line: PROGRAM<TAB>ARG<TAB>ARG...
  python3 - "$work" "$work/compose-3.yaml" "${k8s_files[@]}" >"$work/argv" <<'EOF'
import os, sys, yaml
work, compose, manifests = sys.argv[1], sys.argv[2], sys.argv[3:]
etc = os.path.join(work, "etc")
os.makedirs(etc, exist_ok=True)
def local(arg):
    # /etc/actors/X (the ConfigMap's mount) -> the extracted copy.
    for flag in ("--config=", "--config-file="):
        if arg.startswith(flag + "/etc/actors/"):
            return flag + os.path.join(etc, arg[len(flag + "/etc/actors/"):])
    return arg
if os.path.exists(compose):
    for name, svc in (yaml.safe_load(open(compose)).get("services") or {}).items():
        entry = svc.get("entrypoint") or ["caf-node"]
        print("\t".join([entry[-1], *map(str, svc.get("command") or [])]))
for path in manifests:
    for doc in yaml.safe_load_all(open(path)):
        if not isinstance(doc, dict):
            continue
        if doc.get("kind") == "ConfigMap":
            for key, text in (doc.get("data") or {}).items():
                open(os.path.join(etc, key), "w").write(text)
        spec = doc.get("spec") or {}
        pod = (spec.get("template") or {}).get("spec") or (spec if doc.get("kind") == "Pod" else {})
        for c in pod.get("containers") or []:
            argv = [*(c.get("command") or []), *(c.get("args") or [])]
            if not argv or argv[0] in ("caf-node", "train_mnist"):
                program = argv[0] if argv else "caf-node"
                args = argv[1:] if argv else []
            elif "train_mnist" in " ".join(argv[:3]):
                program, args = "train_mnist", c.get("args") or []
            else:
                continue
            if program == "caf-node" and not any(a.startswith("--config-file=") for a in args):
                args = ["--config-file=/etc/actors/node.ini", *args]
            print("\t".join([program, *map(local, args)]))
EOF
  while IFS=$'\t' read -r -a argv; do
    program=${argv[0]}
    args=("${argv[@]:1}")
    case $program in
      caf-node)
        # The image's baked configuration, when a container does not bring one.
        if ((${#args[@]} == 0)) || [[ ${args[0]} != --config-file=* ]]; then
          [[ -f $repo_dir/docker/node.ini ]] && args=(--config-file="$repo_dir/docker/node.ini" "${args[@]}")
        fi
        bin=$node_bin ;;
      train_mnist) bin=$train_bin ;;
      *) continue ;;
    esac
    if "$bin" "${args[@]}" --help >/dev/null 2>"$work/opt.err"; then
      say "ok: $program accepts $(sed "s|$work/etc/|(ConfigMap) |g" <<<"${args[*]}")"
    else
      fail "$program rejects its options ${args[*]}: $(cat "$work/opt.err")"
    fi
  done <"$work/argv"
fi

if ((failures)); then
  echo "validate: $failures check(s) failed" >&2
  exit 1
fi
say "all manifests valid"
