#!/usr/bin/env bash
# Builds the seed corpora of every fuzz target in fuzz/corpus/<target>/ (git-ignored) from the
# third-party vectors in ../shared/fixtures (or $WSTRUST_SHARED/fixtures) and the recorded
# client exchanges in fixtures/realclients. Nothing here is committed: the corpora are made
# at run time, named by the SHA-1 of their content.
#
#   fuzz/seed.sh            # all targets
#   fuzz/seed.sh saml rst   # some
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${WSTRUST_SHARED:-$root/../shared}
fixtures=$shared/fixtures
[ -d "$fixtures" ] || { echo "seed.sh: no fixtures at $fixtures (set WSTRUST_SHARED)" >&2; exit 1; }
recorded=$root/fixtures/realclients
max=65536

put() { # put TARGET FILE: copies FILE into the target's corpus under its hash
    local target=$1 file=$2 size
    size=$(stat -c %s "$file")
    [ "$size" -le "$max" ] || return 0
    mkdir -p "$here/corpus/$target"
    cp "$file" "$here/corpus/$target/$(sha1sum "$file" | cut -c1-40)"
}

xml_files() { find "$fixtures" "$recorded" -type f -name '*.xml' | sort; }

seed_xml() { local t=$1; xml_files | while read -r f; do put "$t" "$f"; done; }
seed_grep() { # seed_grep TARGET PATTERN
    local t=$1 pat=$2
    xml_files | while read -r f; do if grep -q "$pat" "$f"; then put "$t" "$f"; fi; done
    true
}

seed_keyx() {
    local d tmp pub cert
    d=$here/corpus/keyx_json
    mkdir -p "$d"
    tmp=$(mktemp -d)
    pub=$(openssl pkey -in "$fixtures/clients/pki/client.key" -pubout -outform DER 2>/dev/null | base64 -w0)
    cert=$(openssl x509 -in "$fixtures/clients/pki/client.pem" -outform DER | base64 -w0)
    x25519=$(head -c 32 /dev/zero | tr '\0' '\011' | base64 -w0)
    dh=$(head -c 256 /dev/zero | tr '\0' '\003' | base64 -w0)
    cat > "$tmp/1" <<J
{"scheme":"ASYMMETRIC_WRAPPED","keydata":{"keypairid":"kp-1","mechanism":"RSA","publickey":"$pub"},"authdata":{"scheme":"USERNAME_PASSWORD","username":"alice","password":"secret"}}
J
    cat > "$tmp/2" <<J
{"scheme":"DH","keydata":{"parametersid":"ffdhe2048","publickey":"$dh"},"authdata":{"scheme":"X509","certificate":"$cert","signature":"AAAA"}}
J
    cat > "$tmp/3" <<J
{"scheme":"DH","keydata":{"parametersid":"x25519","publickey":"$x25519"},"authdata":{"scheme":"USERNAME_PASSWORD","username":"bob","password":"secret"},"mastertoken":{"tokendata":"eyJ9","signature":"AAAA"},"mac":"AAAA"}
J
    cat > "$tmp/4" <<J
{"mastertoken":{"tokendata":"eyJzZXJpYWwiOjF9","signature":"AAAA"},"scheme":"ASYMMETRIC_WRAPPED","keydata":{"keypairid":"kp-1","mechanism":"JWK_RSA","publickey":"$pub"}}
J
    for f in "$tmp"/*; do put keyx_json "$f"; done
    rm -rf "$tmp"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(xml_parser c14n wss_header rst saml keyx_json engine)
for t in "${targets[@]}"; do
    case $t in
        xml_parser | c14n) seed_xml "$t" ;;
        wss_header | engine) seed_grep "$t" 'Envelope' ;;
        rst) seed_grep "$t" 'RequestSecurityToken' ;;
        saml) seed_grep "$t" 'Assertion' ;;
        keyx_json) seed_keyx ;;
        *) echo "seed.sh: unknown target $t" >&2; exit 2 ;;
    esac
    echo "$t: $(find "$here/corpus/$t" -type f | wc -l) seeds"
done
