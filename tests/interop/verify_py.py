"""Independent Python checks of a response wstrust emitted (run by tests/it/interop_verifiers.rs).

usage: verify_py.py RESPONSE PKI [CLIENT_ENTROPY_B64]

With python-xmlsec (libxmlsec1) and, separately, signxml:
  * the envelope signature in wsse:Security (wsu:Id references to Body, Timestamp,
    SignatureConfirmation and the WS-Addressing reply headers) verifies with PKI/sts.pem;
  * the SecurityContextToken's issuer key (wsx:IssuerKey, a document of its own) carries an
    enveloped STS signature that verifies with PKI/sts.pem, its EncryptedKey decrypts with
    PKI/rp.key, and the SCT's enveloped HMAC-SHA256 signature verifies with that key;
With python-xmlsec:
  * every EncryptedKey for the requester (proof token or server entropy) decrypts with
    PKI/client.key, the SCT's EncryptedKey decrypts with PKI/rp.key, and the requester's key
    (the proof key, or P_SHA1(client entropy, server entropy)) equals the service's key.

Prints key=value facts; exits non-zero on the first failed check.
"""

import base64
from importlib import metadata
import hashlib
import hmac
import sys

import xmlsec
from lxml import etree
from signxml import SignatureConfiguration, SignatureMethod, DigestAlgorithm, XMLVerifier

NS = {
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
    "wsc13": "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512",
    "wsc05": "http://schemas.xmlsoap.org/ws/2005/02/sc",
    "wst13": "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
    "wst05": "http://schemas.xmlsoap.org/ws/2005/02/trust",
    "wsx": "urn:wstrust:ext:2026",
}


def fail(what):
    print("FAILED: " + what, file=sys.stderr)
    sys.exit(1)


def check(ok, what):
    if not ok:
        fail(what)


def psha1(secret, seed, length):
    """P_SHA-1 of RFC 2246 section 5 (WS-Trust 1.3 section 4.4.4: key = P_SHA1(EntREQ, EntRES))."""
    out = b""
    a = seed
    while len(out) < length:
        a = hmac.new(secret, a, hashlib.sha1).digest()
        out += hmac.new(secret, a + seed, hashlib.sha1).digest()
    return out[:length]


def xmlsec_verify(sig, cert_path):
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_file(cert_path, xmlsec.constants.KeyDataFormatCertPem)
    ctx.verify(sig)


def xmlsec_decrypt_key(ek, key_path):
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_file(key_path, xmlsec.constants.KeyDataFormatPem))
    ctx = xmlsec.EncryptionContext(manager)
    ctx.key = xmlsec.Key.from_file(key_path, xmlsec.constants.KeyDataFormatPem)
    return ctx.decrypt(ek)


def reference_targets(doc, sig):
    """The local names of the elements the signature's References point at."""
    names = []
    for ref in sig.findall("ds:SignedInfo/ds:Reference", NS):
        uri = ref.get("URI")
        check(uri.startswith("#"), "same-document reference " + uri)
        found = doc.xpath("//*[@wsu:Id=$id or @Id=$id]", namespaces=NS, id=uri[1:])
        check(len(found) == 1, "one element with Id " + uri)
        names.append(etree.QName(found[0]).localname)
    return sorted(names)


def main():
    response, pki = sys.argv[1], sys.argv[2]
    client_entropy = base64.b64decode(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else None
    sts_pem = pki + "/sts.pem"
    raw = open(response, "rb").read()
    doc = etree.fromstring(raw)
    xmlsec.tree.add_ids(doc, ["Id"])

    # The envelope signature.
    sig = doc.find(".//wsse:Security/ds:Signature", NS)
    check(sig is not None, "a signature in wsse:Security")
    xmlsec_verify(sig, sts_pem)
    print("xmlsec-envelope-signature=valid")
    print("signed=" + ",".join(reference_targets(doc, sig)))
    method = sig.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm")
    print("signature-method=" + method)

    # signxml: strict by default; our responses use RSA-SHA256 / SHA-256, which it accepts as is.
    sts_cert = open(sts_pem, "rb").read()
    refs = len(sig.findall("ds:SignedInfo/ds:Reference", NS))
    results = XMLVerifier().verify(
        raw,
        x509_cert=sts_cert,
        id_attribute="Id",
        expect_config=SignatureConfiguration(
            signature_methods=frozenset([SignatureMethod.RSA_SHA256]),
            digest_algorithms=frozenset([DigestAlgorithm.SHA256]),
            require_x509=False,
            expect_references=refs,
        ),
    )
    results = results if isinstance(results, list) else [results]
    check(len(results) == refs, "signxml verified every reference")
    print("signxml-envelope-signature=valid references=%d" % refs)

    # The SCT and its enveloped signature.
    sct = doc.find(".//wsc13:SecurityContextToken", NS)
    if sct is None:
        sct = doc.find(".//wsc05:SecurityContextToken", NS)
    service_key = None
    if sct is not None:
        # The issuer key, checked as the document of its own the STS signed (URI="").
        ik = sct.find("wsx:IssuerKey", NS)
        check(ik is not None, "an issuer key in the SCT")
        ik_bytes = etree.tostring(ik)
        ik_doc = etree.fromstring(ik_bytes)
        xmlsec_verify(ik_doc.find("ds:Signature", NS), sts_pem)
        rsa_conf = SignatureConfiguration(
            signature_methods=frozenset([SignatureMethod.RSA_SHA256]),
            digest_algorithms=frozenset([DigestAlgorithm.SHA256]),
            require_x509=False,
            expect_references=1,
        )
        r = XMLVerifier().verify(ik_bytes, x509_cert=sts_cert, expect_config=rsa_conf)
        signed = (r[0] if isinstance(r, list) else r).signed_xml
        check(etree.QName(signed).localname == "IssuerKey", "signxml: the issuer key is what is signed")
        print("issuer-key-signature=valid")
        issuer_key = xmlsec_decrypt_key(ik_doc.find("xenc:EncryptedKey", NS), pki + "/rp.key")
        check(len(issuer_key) == 32, "a 256-bit issuer key")
        # The SCT's own signature: HMAC-SHA256 under the issuer key, covering the whole token.
        sct_sig = sct.find("ds:Signature", NS)
        check(sct_sig is not None, "an enveloped signature in the SCT")
        ctx = xmlsec.SignatureContext()
        ctx.key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, issuer_key)
        ctx.verify(sct_sig)
        sct_bytes = etree.tostring(sct)
        hmac_conf = SignatureConfiguration(
            signature_methods=frozenset([SignatureMethod.HMAC_SHA256]),
            digest_algorithms=frozenset([DigestAlgorithm.SHA256]),
            require_x509=False,
            expect_references=1,
        )
        r = XMLVerifier().verify(sct_bytes, hmac_key=issuer_key, id_attribute="Id", expect_config=hmac_conf)
        signed = (r[0] if isinstance(r, list) else r).signed_xml
        check(etree.QName(signed).localname == "SecurityContextToken", "signxml: the SCT is what is signed")
        print("sct-signature=valid")
        ek = sct.find("xenc:EncryptedKey", NS)
        service_key = xmlsec_decrypt_key(ek, pki + "/rp.key")
        print("service-key=" + service_key.hex())
        # The requester's key cannot open the service's copy.
        try:
            xmlsec_decrypt_key(ek, pki + "/client.key")
            fail("client.key decrypted the service's key")
        except xmlsec.Error:
            pass

    # The requester's key.
    rstr = doc.find(".//wst13:RequestSecurityTokenResponse", NS)
    trust = "wst13"
    if rstr is None:
        rstr, trust = doc.find(".//wst05:RequestSecurityTokenResponse", NS), "wst05"
    check(rstr is not None, "an RSTR")
    size = rstr.find(trust + ":KeySize", NS)
    length = int(size.text) // 8 if size is not None else 32
    proof = rstr.find(trust + ":RequestedProofToken", NS)
    entropy = rstr.find(trust + ":Entropy", NS)
    key = None
    if proof is not None and proof.find(trust + ":ComputedKey", NS) is not None:
        check(client_entropy is not None, "client entropy given for a computed key")
        ek = entropy.find("xenc:EncryptedKey", NS)
        if ek is not None:
            server = xmlsec_decrypt_key(ek, pki + "/client.key")
            print("server-entropy=encrypted-key")
        else:
            server = base64.b64decode(entropy.find(trust + ":BinarySecret", NS).text)
            print("server-entropy=binary-secret")
        key = psha1(client_entropy, server, length)
        print("proof=computed-key")
    elif proof is not None and proof.find("xenc:EncryptedKey", NS) is not None:
        key = xmlsec_decrypt_key(proof.find("xenc:EncryptedKey", NS), pki + "/client.key")
        print("proof=encrypted-key")
    elif proof is not None and proof.find(trust + ":BinarySecret", NS) is not None:
        key = base64.b64decode(proof.find(trust + ":BinarySecret", NS).text)
        print("proof=binary-secret")
    elif client_entropy is not None:
        key = client_entropy
        print("proof=requester-entropy")
    if key is not None:
        print("key=" + key.hex())
        if service_key is not None:
            check(key == service_key, "requester and service hold one key")
    print("versions=python-xmlsec %s, signxml %s" % (xmlsec.__version__, metadata.version("signxml")))
    print("ok")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report every failure the same way
        fail("%s: %s" % (type(e).__name__, e))
