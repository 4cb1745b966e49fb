#!/usr/bin/env bash
# make_certs.sh: a cluster CA and certificates for caf-node and train_mnist
# (mutual TLS, CAF's openssl.* keys), made with the openssl command line.
#
# Usage: scripts/make_certs.sh [--dir=DIR] [--days=N] [--ca-name=CN] NAME[,SAN...]...
#
#   DIR/ca.crt, DIR/ca.key     the cluster CA, made on the first run and
#                              reused after (only its key can sign)
#   DIR/NAME.crt, DIR/NAME.key one certificate per NAME, signed by the CA
#
#   NAME    the certificate's common name and first DNS name ([A-Za-z0-9._-])
#   SAN     more subject alternative names: an IPv4/IPv6 address or a DNS name
#   --dir   where the files go (default: tls)
#   --days  validity of new certificates (default: 825)
#   --ca-name  common name of a new CA (default: actors cluster CA)
#
# Example: three nodes and a driver
#   scripts/make_certs.sh node1,10.0.0.2 node2,10.0.0.3 node3,10.0.0.4 driver
#   caf-node --node.host=10.0.0.2 --openssl.certificate=tls/node1.crt \
#     --openssl.key=tls/node1.key --openssl.cafile=tls/ca.crt
#   train_mnist --openssl.certificate=tls/driver.crt --openssl.key=tls/driver.key \
#     --openssl.cafile=tls/ca.crt --nodes=10.0.0.2:4242,...
#
# Existing files are never overwritten: a NAME whose certificate and key
# exist is kept as it is (delete both to re-issue it), half a pair is an
# error. Keys are EC P-256, mode 0600; certificates carry both serverAuth and
# clientAuth, since a process may accept and open connections. CAF checks no
# host name, so every certificate this CA signs is a cluster member: keep
# DIR/ca.key off the nodes, and use one CA per cluster.
#
# Exit codes: 0 done, 1 openssl failed or files in the way, 2 bad usage.
set -euo pipefail

usage() {
  sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

dir=tls
days=825
ca_name="actors cluster CA"
names=()
for arg in "$@"; do
  case $arg in
    --dir=*) dir=${arg#*=} ;;
    --days=*) days=${arg#*=} ;;
    --ca-name=*) ca_name=${arg#*=} ;;
    -h | --help) usage ;;
    -*) echo "make_certs.sh: unknown option '$arg'" >&2; usage ;;
    *) names+=("$arg") ;;
  esac
done
[[ -n $dir ]] || { echo "make_certs.sh: --dir is empty" >&2; exit 2; }
[[ $days =~ ^[1-9][0-9]*$ ]] || { echo "make_certs.sh: --days=$days: expected a positive number" >&2; exit 2; }
((${#names[@]} > 0)) || { echo "make_certs.sh: no certificate NAME given" >&2; usage; }
command -v openssl >/dev/null || { echo "make_certs.sh: the openssl command is missing (apt-get install openssl)" >&2; exit 1; }

# Checks every argument before making anything.
declare -A sans_of
for spec in "${names[@]}"; do
  IFS=, read -r -a parts <<<"$spec"
  name=${parts[0]}
  if [[ ! $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ || $name == ca ]]; then
    echo "make_certs.sh: certificate name '$name': expected letters, digits, '.', '_', '-' (and not 'ca')" >&2
    exit 2
  fi
  [[ -z ${sans_of[$name]+x} ]] || { echo "make_certs.sh: name '$name' given twice" >&2; exit 2; }
  sans="DNS:$name"
  for san in "${parts[@]:1}"; do
    if [[ $san =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || $san == *:* ]]; then
      sans+=",IP:$san"
    elif [[ $san =~ ^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
      sans+=",DNS:$san"
    else
      echo "make_certs.sh: '$san' in '$spec': expected an IP address or a DNS name" >&2
      exit 2
    fi
  done
  sans_of[$name]=$sans
done

mkdir -p "$dir"
umask 077
tmp=$(mktemp -d "$dir/.make_certs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The CA: made once. A certificate without its key cannot sign anything.
if [[ -e $dir/ca.crt || -e $dir/ca.key ]]; then
  [[ -f $dir/ca.crt && -f $dir/ca.key ]] \
    || { echo "make_certs.sh: $dir has only one of ca.crt and ca.key; move it away or restore the other" >&2; exit 1; }
  echo "kept:    $dir/ca.crt (existing CA: $(openssl x509 -in "$dir/ca.crt" -noout -subject))"
else
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" -days "$days" -subj "/CN=$ca_name" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$tmp/err" \
    || { cat "$tmp/err" >&2; echo "make_certs.sh: openssl could not make the CA" >&2; exit 1; }
  chmod 0644 "$tmp/ca.crt"
  mv "$tmp/ca.key" "$dir/ca.key"
  mv "$tmp/ca.crt" "$dir/ca.crt"
  echo "made:    $dir/ca.crt, $dir/ca.key (CA '$ca_name', $days days)"
fi

for spec in "${names[@]}"; do
  name=${spec%%,*}
  crt=$dir/$name.crt key=$dir/$name.key
  if [[ -e $crt || -e $key ]]; then
    [[ -f $crt && -f $key ]] \
      || { echo "make_certs.sh: $dir has only one of $name.crt and $name.key; delete it to re-issue $name" >&2; exit 1; }
    echo "kept:    $crt (exists; delete $crt and $key to re-issue)"
    continue
  fi
  cat >"$tmp/ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = ${sans_of[$name]}
EOF
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/$name.key" -out "$tmp/$name.csr" -subj "/CN=$name" 2>"$tmp/err" \
    && openssl x509 -req -in "$tmp/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
      -set_serial "0x$(openssl rand -hex 16)" -days "$days" -extfile "$tmp/ext" \
      -out "$tmp/$name.crt" 2>>"$tmp/err" \
    || { cat "$tmp/err" >&2; echo "make_certs.sh: openssl could not make $name's certificate" >&2; exit 1; }
  openssl verify -CAfile "$dir/ca.crt" "$tmp/$name.crt" >/dev/null 2>>"$tmp/err" \
    || { cat "$tmp/err" >&2; echo "make_certs.sh: $name's certificate does not verify against $dir/ca.crt" >&2; exit 1; }
  chmod 0644 "$tmp/$name.crt"
  mv "$tmp/$name.key" "$key"
  mv "$tmp/$name.crt" "$crt"
  echo "made:    $crt, $key (${sans_of[$name]})"
done
