"""An independent check of a JWT wstrust issued: PyJWT verifies the RS256 signature by the STS
certificate, the audience, the issuer and the expiry; for a holder-of-key JWT the `cnf.jwe`
(RFC 7800 §3.3) is opened with the relying party's private key by `cryptography` (RSA-OAEP,
A256GCM with the protected header as AAD, RFC 7516) and the key inside printed.

    verify_jwt.py --jwt FILE --cert STS.pem --audience URI --issuer URI [--service-key KEY.pem]

Prints `key=value` facts: `signature` (verified / refused REASON), `tampered` and `expired`
(refused REASON when PyJWT refuses a JWT with one payload byte changed, and the JWT itself
once its exp has passed by its own clock), `sub`, `cnf` (none / jwk / jwe), `cnf_key_hex`.
"""
import argparse
import base64
import json
import time

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def decode(token, key, a, leeway=0, only_exp=False):
    options = {"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]}
    if only_exp:
        # A negative leeway moves PyJWT's clock forward for every time claim: judge exp alone.
        options.update(verify_nbf=False, verify_iat=False)
    return jwt.decode(
        token,
        key=key,
        algorithms=["RS256"],
        audience=a.audience,
        issuer=a.issuer,
        leeway=leeway,
        options=options,
    )


def open_jwe(compact, private_key):
    protected, ek, iv, ct, tag = compact.split(".")
    header = json.loads(b64u(protected))
    assert header["alg"] == "RSA-OAEP" and header["enc"] == "A256GCM", header
    cek = private_key.decrypt(
        b64u(ek),
        padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),
    )
    plain = AESGCM(cek).decrypt(b64u(iv), b64u(ct) + b64u(tag), protected.encode("ascii"))
    jwk = json.loads(plain)
    assert jwk["kty"] == "oct", jwk
    return b64u(jwk["k"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jwt", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--audience", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--service-key")
    a = p.parse_args()
    token = open(a.jwt).read().strip()
    cert = x509.load_pem_x509_certificate(open(a.cert, "rb").read())
    key = cert.public_key()
    print("pyjwt_version=%s" % jwt.__version__)
    try:
        claims = decode(token, key, a)
        print("signature=verified")
    except jwt.PyJWTError as e:
        print("signature=refused %s" % type(e).__name__)
        return
    print("sub=%s" % claims["sub"])
    print("lifetime_secs=%d" % (claims["exp"] - claims["iat"]))
    # One byte of the payload changed: the signature no longer holds.
    h, body, sig = token.split(".")
    payload = json.loads(b64u(body))
    payload["sub"] = payload["sub"] + "x"
    forged = ".".join(
        [h, base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("="), sig]
    )
    try:
        decode(forged, key, a)
        print("tampered=accepted")
    except jwt.PyJWTError as e:
        print("tampered=refused %s" % type(e).__name__)
    # The same JWT judged one second after its exp (a negative leeway moves PyJWT's clock).
    late = int(claims["exp"] - time.time()) + 1
    try:
        decode(token, key, a, leeway=-late, only_exp=True)
        print("expired=accepted")
    except jwt.ExpiredSignatureError as e:
        print("expired=refused %s" % type(e).__name__)
    try:
        jwt.decode(token, key=key, algorithms=["RS256"], audience="https://other.example/")
        print("other_audience=accepted")
    except jwt.PyJWTError as e:
        print("other_audience=refused %s" % type(e).__name__)
    cnf = claims.get("cnf")
    if cnf is None:
        print("cnf=none")
    elif "jwk" in cnf:
        print("cnf=jwk")
    elif "jwe" in cnf:
        print("cnf=jwe")
        if a.service_key:
            sk = serialization.load_pem_private_key(open(a.service_key, "rb").read(), None)
            print("cnf_key_hex=%s" % open_jwe(cnf["jwe"], sk).hex())


if __name__ == "__main__":
    main()
