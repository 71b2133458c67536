#!/usr/bin/env bash
# Seeds each fuzz target's corpus directory from material in the repository (and, for
# certificates, from the system's CA store when openssl is present). The corpus directories
# are generated, not committed: libFuzzer grows them as it runs.
set -euo pipefail
cd "$(dirname "$0")"

mkdir -p corpus/check_file corpus/verify_signature corpus/read_keys corpus/describe_certificate corpus/read_list

cp ../tests/corpus/*.txt corpus/check_file/
cp ../tests/corpus/*.txt corpus/verify_signature/
cp ../tests/corpus/*.key.asc corpus/read_keys/
cp ../tests/fixtures/rsa8192/*.key.asc corpus/read_keys/

if command -v openssl >/dev/null && [ -d /etc/ssl/certs ]; then
    n=0
    for pem in /etc/ssl/certs/*.pem; do
        [ -e "$pem" ] || break
        openssl x509 -in "$pem" -outform DER -out "corpus/describe_certificate/$(basename "$pem" .pem).der" 2>/dev/null || true
        n=$((n + 1))
        [ "$n" -ge 40 ] && break
    done
fi

printf 'example.com\nwww.example.org\n' > corpus/read_list/plain
printf 'rank,domain,sector\n1,example.com,banking\n2,"b.example, inc",health\n' > corpus/read_list/csv
printf 'domain;organisation\nexample.nl;Gemeente\n' > corpus/read_list/semicolon
printf 'https://user@xn--bcher-kva.example:8443/path?q=1\n192.0.2.1\n[2001:db8::1]\n# comment\n' > corpus/read_list/mixed
