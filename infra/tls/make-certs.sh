#!/usr/bin/env bash
# A private CA and a coordinator certificate it signs, as PEM files, for `orch serve --tls-cert/--tls-key` and the
# clients' --ca. Usage: infra/tls/make-certs.sh DIR NAME... (DNS names or IP addresses the coordinator is reached by).
# Writes DIR/ca.crt (give it to workers and users), DIR/ca.key (keep it offline; it signs the next certificate),
# DIR/server.crt and DIR/server.key (the coordinator's, readable by the container user 1654). Renew before 825 days.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 DIR NAME..." >&2
  exit 2
fi
dir=$1
shift
mkdir -p "$dir"
names=()
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then names+=("IP:$name"); else names+=("DNS:$name"); fi
done
san=$(IFS=,; echo "${names[*]}")
if [[ ! -f $dir/ca.key ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=orchestrator CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
fi
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" -keyout "$dir/server.key" -out "$dir/server.csr"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 825 -out "$dir/server.crt" \
  -extfile <(printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$san")
rm -f "$dir/server.csr"
chmod 600 "$dir/ca.key"
chmod 644 "$dir/server.key" "$dir/server.crt" "$dir/ca.crt"
echo "made $dir/server.crt for $san, signed by $dir/ca.crt"
