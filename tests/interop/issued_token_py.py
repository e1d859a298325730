#!/usr/bin/env python3
"""Presents an issued token as WCF does on AD FS's issuedtokenmixed* endpoints, built with
lxml and python-xmlsec only (no WS-Security library, nothing of wstrust's).

    issued_token_py.py present --rstr RSTR.xml --out REQUEST.xml --to URL --applies-to URI
        --proof symmetric|public [--client-key KEY.pem] [--trust 13|2005]
        [--tamper] [--wrong-key [--other-key KEY.pem]] [--resign ISSUER_KEY.pem --lifetime valid|expired]
        [--no-signature]

The assertion is taken from the first STS's RSTR (RequestedSecurityToken) and copied into
the wsse:Security header of a SOAP 1.2 RST for the second STS; the proof key is the RSTR's
RequestedProofToken/BinarySecret (symmetric) or the client's RSA key (public). A
ds:Signature (exclusive c14n; Basic256: HMAC-SHA1 or RSA-SHA1, SHA-1 digests) over the
Timestamp and wsa:To is made with that key, its KeyInfo a SecurityTokenReference naming the
assertion by its SAML key identifier (SAMLID / SAMLAssertionID), as WCF's endorsing
IssuedToken does over TLS.

Variants for the refusal cases: --tamper changes the subject's NameID after the issuer
signed; --wrong-key signs with a random key instead of the proof key; --resign re-signs the
assertion with the issuer's key after setting its lifetime (expired: an hour ago), so the
only change is the lifetime; --no-signature presents the assertion without a signature
(a bearer token). Prints key=value facts.
"""
import argparse
import base64
import copy
import datetime
import os
import sys
import uuid

import xmlsec
from lxml import etree

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML2 = "urn:oasis:names:tc:SAML:2.0:assertion"
SAML1 = "urn:oasis:names:tc:SAML:1.0:assertion"
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
TRUST = {
    "13": (
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue",
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer",
    ),
    "2005": (
        "http://schemas.xmlsoap.org/ws/2005/02/trust",
        "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue",
        "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey",
    ),
}
SAML_PROFILE = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1"
SAML_PROFILE10 = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0"


def q(ns, local):
    return "{%s}%s" % (ns, local)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def first(root, *names):
    for ns, local in names:
        for e in root.iter(q(ns, local)):
            return e
    return None


def resign(assertion, issuer_key, lifetime):
    """Sets the assertion's lifetime and re-signs its enveloped signature with the issuer key."""
    now = datetime.datetime.now(datetime.timezone.utc)
    if lifetime == "expired":
        start, end = now - datetime.timedelta(hours=2), now - datetime.timedelta(hours=1)
    else:
        start, end = now - datetime.timedelta(seconds=5), now + datetime.timedelta(hours=1)
    changed = 0
    for e in assertion.iter():
        if not isinstance(e.tag, str):
            continue
        for attr, value in (("NotBefore", start), ("NotOnOrAfter", end)):
            if e.get(attr) is not None:
                e.set(attr, iso(value))
                changed += 1
    assert changed, "the assertion names no lifetime"
    sig = assertion.find(q(DS, "Signature"))
    assert sig is not None, "the assertion is not signed"
    # KeyInfo is outside what the signature covers: set aside, so xmlsec writes no key data.
    key_info = sig.find(q(DS, "KeyInfo"))
    if key_info is not None:
        sig.remove(key_info)
    holder = etree.ElementTree(assertion)
    ctx = xmlsec.SignatureContext()
    id_attr = "ID" if assertion.tag == q(SAML2, "Assertion") else "AssertionID"
    ctx.register_id(assertion, id_attr)
    ctx.key = xmlsec.Key.from_file(issuer_key, xmlsec.constants.KeyDataFormatPem)
    ctx.sign(sig)
    if key_info is not None:
        sig.append(key_info)
    return holder.getroot()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["present"])
    p.add_argument("--rstr", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--applies-to", required=True)
    p.add_argument("--proof", choices=["symmetric", "public"], required=True)
    p.add_argument("--client-key")
    p.add_argument("--other-key")
    p.add_argument("--trust", choices=["13", "2005"], default="13")
    p.add_argument("--tamper", action="store_true")
    p.add_argument("--wrong-key", action="store_true")
    p.add_argument("--resign")
    p.add_argument("--lifetime", choices=["valid", "expired"], default="valid")
    p.add_argument("--no-signature", action="store_true")
    a = p.parse_args()

    rstr = etree.parse(a.rstr, etree.XMLParser(resolve_entities=False, no_network=True))
    found = first(rstr.getroot(), (SAML2, "Assertion"), (SAML1, "Assertion"))
    assert found is not None, "no assertion in the RSTR"
    assertion = copy.deepcopy(found)
    saml2 = assertion.tag == q(SAML2, "Assertion")
    assertion_id = assertion.get("ID" if saml2 else "AssertionID")

    if a.tamper:
        name = first(assertion, (SAML2, "NameID"), (SAML1, "NameIdentifier"))
        name.text = name.text + "-admin"
    if a.resign:
        assertion = resign(assertion, a.resign, a.lifetime)

    trust_ns, action, request_type, bearer = TRUST[a.trust]
    now = datetime.datetime.now(datetime.timezone.utc)
    nsmap = {"s": SOAP12, "a": WSA, "u": WSU, "o": WSSE}
    env = etree.Element(q(SOAP12, "Envelope"), nsmap=nsmap)
    header = etree.SubElement(env, q(SOAP12, "Header"))
    act = etree.SubElement(header, q(WSA, "Action"))
    act.set(q(SOAP12, "mustUnderstand"), "1")
    act.text = action
    etree.SubElement(header, q(WSA, "MessageID")).text = "urn:uuid:%s" % uuid.uuid4()
    to = etree.SubElement(header, q(WSA, "To"))
    to.set(q(SOAP12, "mustUnderstand"), "1")
    to.set(q(WSU, "Id"), "_1")
    to.text = a.to
    sec = etree.SubElement(header, q(WSSE, "Security"))
    sec.set(q(SOAP12, "mustUnderstand"), "1")
    ts = etree.SubElement(sec, q(WSU, "Timestamp"))
    ts.set(q(WSU, "Id"), "_0")
    etree.SubElement(ts, q(WSU, "Created")).text = iso(now)
    etree.SubElement(ts, q(WSU, "Expires")).text = iso(now + datetime.timedelta(minutes=5))
    # The assertion goes in as its own serialization (as WCF writes a token's bytes): moved
    # into this tree, lxml would rebind its prefixes to the envelope's declarations and
    # change what its signature covers.
    marker = etree.SubElement(sec, "{urn:placeholder}assertion")

    body = etree.SubElement(env, q(SOAP12, "Body"))
    rst = etree.SubElement(body, q(trust_ns, "RequestSecurityToken"), nsmap={"t": trust_ns})
    applies = etree.SubElement(rst, q(WSP, "AppliesTo"), nsmap={"wsp": WSP})
    epr = etree.SubElement(applies, q(WSA, "EndpointReference"))
    etree.SubElement(epr, q(WSA, "Address")).text = a.applies_to
    etree.SubElement(rst, q(trust_ns, "KeyType")).text = bearer
    etree.SubElement(rst, q(trust_ns, "RequestType")).text = request_type

    signed = "none"
    if not a.no_signature:
        if a.proof == "symmetric":
            secret = first(rstr.getroot(), (TRUST["13"][0], "BinarySecret"),
                           (TRUST["2005"][0], "BinarySecret"))
            assert secret is not None, "no BinarySecret proof key in the RSTR"
            key_bytes = base64.b64decode(secret.text)
            if a.wrong_key:
                key_bytes = os.urandom(len(key_bytes))
            key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, key_bytes)
            method = xmlsec.constants.TransformHmacSha1
            signed = "hmac-sha1"
        else:
            key_file = a.other_key if a.wrong_key else a.client_key
            assert key_file, "--client-key (and --other-key with --wrong-key) for a public key"
            key = xmlsec.Key.from_file(key_file, xmlsec.constants.KeyDataFormatPem)
            method = xmlsec.constants.TransformRsaSha1
            signed = "rsa-sha1"
        sig = xmlsec.template.create(env, xmlsec.constants.TransformExclC14N, method)
        sec.append(sig)
        for uri in ("#_0", "#_1"):
            ref = xmlsec.template.add_reference(sig, xmlsec.constants.TransformSha1, uri=uri)
            xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
        ctx = xmlsec.SignatureContext()
        ctx.register_id(ts, "Id", WSU)
        ctx.register_id(to, "Id", WSU)
        ctx.key = key
        ctx.sign(sig)
        # KeyInfo after signing (not covered): the STR naming the assertion.
        ki = etree.SubElement(sig, q(DS, "KeyInfo"))
        str_ = etree.SubElement(ki, q(WSSE, "SecurityTokenReference"), nsmap={"b": WSSE11})
        if saml2:
            str_.set(q(WSSE11, "TokenType"), SAML_PROFILE + "#SAMLV2.0")
            vt = SAML_PROFILE + "#SAMLID"
        else:
            str_.set(q(WSSE11, "TokenType"), SAML_PROFILE + "#SAMLV1.1")
            vt = SAML_PROFILE10 + "#SAMLAssertionID"
        kid = etree.SubElement(str_, q(WSSE, "KeyIdentifier"))
        kid.set("ValueType", vt)
        kid.text = assertion_id

    text = etree.tostring(env)
    placeholder = b'<ns0:assertion xmlns:ns0="urn:placeholder"/>'
    assert text.count(placeholder) == 1, text
    text = text.replace(placeholder, etree.tostring(assertion))
    with open(a.out, "wb") as f:
        f.write(text)
    print("assertion_id=%s" % assertion_id)
    print("saml=%s" % ("2.0" if saml2 else "1.1"))
    print("signed=%s" % signed)
    print("versions=python-xmlsec %s, lxml %s" % (xmlsec.__version__, etree.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
