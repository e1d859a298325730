"""W-verify baseline: python-xmlsec (libxmlsec1 over libxml2) parses the recorded zeep
request, registers wsu:Id as an ID attribute, and verifies its signature with the client
certificate, N times in a loop on one thread. Prints one JSON line with ops/s.

Usage: xmlsec_verify.py REQUEST.xml CERT.pem [SECONDS]
"""

import json
import sys
import time

import xmlsec
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"


def verify_once(data, key):
    root = etree.fromstring(data)
    # wsu:Id (and the Body's ns1:Id, the same namespace) as ID attributes.
    xmlsec.tree.add_ids(root, ["Id"])
    sig = root.find(".//{%s}Signature" % DS)
    ctx = xmlsec.SignatureContext()
    ctx.key = key
    ctx.verify(sig)


def main():
    path, cert = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    with open(path, "rb") as f:
        data = f.read()
    key = xmlsec.Key.from_file(cert, xmlsec.constants.KeyDataFormatCertPem)
    verify_once(data, key)  # raises if the signature does not verify
    # Warm up, then count whole iterations for `seconds`.
    end = time.perf_counter() + min(0.5, seconds / 4)
    while time.perf_counter() < end:
        verify_once(data, key)
    n = 0
    start = time.perf_counter()
    end = start + seconds
    while True:
        for _ in range(50):
            verify_once(data, key)
        n += 50
        now = time.perf_counter()
        if now >= end:
            break
    elapsed = now - start
    print(json.dumps({
        "file": path,
        "iterations": n,
        "seconds": round(elapsed, 3),
        "ops_per_sec": round(n / elapsed, 1),
        "libxmlsec1": ".".join(str(x) for x in xmlsec.get_libxmlsec_version()),
    }))


if __name__ == "__main__":
    main()
