"""The WS-SecurityPolicy SymmetricBinding over an X509 protection token, made by hand with lxml
and `cryptography` only (no xmlsec, no WS-Security library): tests/it/interop_symmetric_python.rs
drives it against the wstrust engine.

  request PKI OUT ORDER CIPHER
      writes a SOAP 1.2 RST for an SCT: a random 256-bit key K wrapped RSA-OAEP (MGF1-SHA1) for
      sts.pem (KeyIdentifier ThumbprintSHA1), a UsernameToken (alice, PasswordText), an
      HMAC-SHA1 signature under K (KeyInfo -> STR -> Reference #EncryptedKey) over Body,
      Timestamp, MessageID and the UsernameToken (exclusive c14n, SHA-1 digests), the Body
      content encrypted with K (CIPHER aes256-cbc | aes256-gcm); ORDER encrypt-then-sign, or
      sign-then-encrypt with the Signature encrypted too. Prints key=, ek-sha1=,
      message-id=, signature-value= (base64).
  response REPLY PLAIN KEY EKSHA1 MESSAGEID SIGVALUE
      checks the reply: its signature is an HMAC under K named by the EncryptedKeySHA1 EKSHA1,
      every reference digest holds, the Body, the SignatureConfirmation (equal to SIGVALUE) and
      RelatesTo (equal to MESSAGEID) are signed; decrypts the Body with K, writes the envelope
      with the Body in clear to PLAIN and prints the proof key (BinarySecret) as key=HEX.

Exit status 0 = every check passed; otherwise the failed check is on stderr.
"""

import base64
import datetime
import hashlib
import hmac
import os
import sys
import uuid

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
SOAPSEC = "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1"
EK_VALUE_TYPE = SOAPSEC + "#EncryptedKey"
EK_SHA1 = SOAPSEC + "#EncryptedKeySHA1"
THUMBPRINT = SOAPSEC + "#ThumbprintSHA1"
BASE64 = ("http://docs.oasis-open.org/wss/2004/01/"
          "oasis-200401-wss-soap-message-security-1.0#Base64Binary")
PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-username-token-profile-1.0#PasswordText")
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
HMAC_SHA1 = DS + "hmac-sha1"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
SHA1 = DS + "sha1"
SHA256 = XENC + "sha256"
CIPHERS = {
    "aes256-cbc": XENC + "aes256-cbc",
    "aes256-gcm": "http://www.w3.org/2009/xmlenc11#aes256-gcm",
}
ISSUE = WST + "/RST/Issue"


class Failed(Exception):
    pass


def check(ok, what):
    if not ok:
        raise Failed("check failed: " + what)


def q(ns, local):
    return "{%s}%s" % (ns, local)


def b64(b):
    return base64.b64encode(b).decode()


def sub(parent, ns, local, text=None, **attrs):
    e = etree.SubElement(parent, q(ns, local))
    for k, v in attrs.items():
        e.set(k, v)
    if text is not None:
        e.text = text
    return e


def exc_c14n(el):
    """Exclusive c14n (no comments) of the subtree at `el`, in its document context."""
    return etree.tostring(el, method="c14n", exclusive=True, with_comments=False)


def digest(alg, data):
    if alg == SHA1:
        return hashlib.sha1(data).digest()
    if alg == SHA256:
        return hashlib.sha256(data).digest()
    raise Failed("unexpected digest method " + alg)


def now_utc(plus=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=plus)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


# ---- encryption ---------------------------------------------------------------------------

def encrypt(cipher, key, plain):
    if cipher == "aes256-gcm":
        iv = os.urandom(12)
        return iv + AESGCM(key).encrypt(iv, plain, None)
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return iv + enc.update(data) + enc.finalize()


def decrypt(alg, key, data):
    if alg == CIPHERS["aes256-gcm"]:
        try:
            return AESGCM(key).decrypt(data[:12], data[12:], None)
        except InvalidTag:
            raise Failed("check failed: the AES-GCM authentication tag")
    check(alg == CIPHERS["aes256-cbc"], "a known block cipher: " + alg)
    dec = Cipher(algorithms.AES(key), modes.CBC(data[:16])).decryptor()
    plain = dec.update(data[16:]) + dec.finalize()
    # XML Encryption padding: the last byte says how many to drop (the rest is arbitrary).
    return plain[: -plain[-1]]


def str_reference(parent, uri, value_type):
    s = sub(parent, WSSE, "SecurityTokenReference")
    s.set(q(WSSE11, "TokenType"), value_type)
    sub(s, WSSE, "Reference", URI=uri, ValueType=value_type)
    return s


def encrypted_data(ed_id, kind, cipher, key, plain):
    ed = etree.Element(q(XENC, "EncryptedData"), nsmap={"xenc": XENC})
    ed.set("Id", ed_id)
    ed.set("Type", XENC + kind)
    sub(ed, XENC, "EncryptionMethod", Algorithm=CIPHERS[cipher])
    ki = sub(ed, DS, "KeyInfo")
    str_reference(ki, "#ek-1", EK_VALUE_TYPE)
    cd = sub(ed, XENC, "CipherData")
    sub(cd, XENC, "CipherValue", b64(encrypt(cipher, key, plain)))
    return ed


# ---- request ------------------------------------------------------------------------------

def request(pki, out, order, cipher):
    check(order in ("encrypt-then-sign", "sign-then-encrypt"), "ORDER is known")
    check(cipher in CIPHERS, "CIPHER is known")
    with open(os.path.join(pki, "sts.pem"), "rb") as f:
        sts = x509.load_pem_x509_certificate(f.read())
    key = os.urandom(32)
    wrapped = sts.public_key().encrypt(
        key, asym.OAEP(mgf=asym.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    message_id = "urn:uuid:" + str(uuid.uuid4())

    nsmap = {"soap": SOAP12, "wsa": WSA, "wsse": WSSE, "wsse11": WSSE11, "wsu": WSU,
             "ds": DS, "xenc": XENC}
    env = etree.Element(q(SOAP12, "Envelope"), nsmap=nsmap)
    header = sub(env, SOAP12, "Header")
    sub(header, WSA, "Action", ISSUE)
    mid = sub(header, WSA, "MessageID", message_id)
    mid.set(q(WSU, "Id"), "msgid")
    sub(header, WSA, "To", "https://sts.example.com/sts")
    sec = sub(header, WSSE, "Security")
    sec.set(q(SOAP12, "mustUnderstand"), "true")
    ts = sub(sec, WSU, "Timestamp")
    ts.set(q(WSU, "Id"), "ts")
    sub(ts, WSU, "Created", now_utc())
    sub(ts, WSU, "Expires", now_utc(300))

    ek = sub(sec, XENC, "EncryptedKey", Id="ek-1")
    sub(ek, XENC, "EncryptionMethod", Algorithm=XENC + "rsa-oaep-mgf1p")
    ki = sub(ek, DS, "KeyInfo")
    s = sub(ki, WSSE, "SecurityTokenReference")
    thumb = hashlib.sha1(sts.public_bytes(serialization.Encoding.DER)).digest()
    sub(s, WSSE, "KeyIdentifier", b64(thumb), ValueType=THUMBPRINT, EncodingType=BASE64)
    cd = sub(ek, XENC, "CipherData")
    sub(cd, XENC, "CipherValue", b64(wrapped))

    ut = sub(sec, WSSE, "UsernameToken")
    ut.set(q(WSU, "Id"), "ut")
    sub(ut, WSSE, "Username", "alice")
    sub(ut, WSSE, "Password", "secret", Type=PASSWORD_TEXT)

    body = sub(env, SOAP12, "Body")
    body.set(q(WSU, "Id"), "body")
    rst = etree.SubElement(body, q(WST, "RequestSecurityToken"), nsmap={"wst": WST})
    sub(rst, WST, "TokenType", "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct")
    sub(rst, WST, "RequestType", WST + "/Issue")
    at = etree.SubElement(rst, q(WSP, "AppliesTo"), nsmap={"wsp": WSP})
    epr = sub(at, WSA, "EndpointReference")
    sub(epr, WSA, "Address", "https://rp.example.com/service")
    sub(rst, WST, "KeyType", WST + "/SymmetricKey")
    sub(rst, WST, "KeySize", "256")

    def encrypt_body():
        content = b"".join(etree.tostring(c) for c in body)
        for c in list(body):
            body.remove(c)
        body.append(encrypted_data("ed-body", "Content", cipher, key, content))

    def sign():
        sig = sub(sec, DS, "Signature", Id="sig")
        si = sub(sig, DS, "SignedInfo")
        sub(si, DS, "CanonicalizationMethod", Algorithm=EXC_C14N)
        sub(si, DS, "SignatureMethod", Algorithm=HMAC_SHA1)
        for el, ref_id in ((body, "body"), (ts, "ts"), (mid, "msgid"), (ut, "ut")):
            r = sub(si, DS, "Reference", URI="#" + ref_id)
            tr = sub(r, DS, "Transforms")
            sub(tr, DS, "Transform", Algorithm=EXC_C14N)
            sub(r, DS, "DigestMethod", Algorithm=SHA1)
            sub(r, DS, "DigestValue", b64(hashlib.sha1(exc_c14n(el)).digest()))
        value = hmac.new(key, exc_c14n(si), hashlib.sha1).digest()
        sub(sig, DS, "SignatureValue", b64(value))
        ki = sub(sig, DS, "KeyInfo")
        str_reference(ki, "#ek-1", EK_VALUE_TYPE)
        return sig, value

    ref_list = etree.Element(q(XENC, "ReferenceList"))
    if order == "encrypt-then-sign":
        encrypt_body()
        sub(ref_list, XENC, "DataReference", URI="#ed-body")
        sig, value = sign()
        sec.append(ref_list)  # after the Signature: verified first, then decrypted
    else:
        sig, value = sign()
        encrypt_body()
        plain_sig = etree.tostring(sig)
        ed = encrypted_data("ed-sig", "Element", cipher, key, plain_sig)
        sig.addprevious(ref_list)
        sig.addprevious(ed)
        sec.remove(sig)
        sub(ref_list, XENC, "DataReference", URI="#ed-body")
        sub(ref_list, XENC, "DataReference", URI="#ed-sig")
    with open(out, "wb") as f:
        f.write(etree.tostring(env))
    print("key=" + b64(key))
    print("ek-sha1=" + b64(hashlib.sha1(wrapped).digest()))
    print("message-id=" + message_id)
    print("signature-value=" + b64(value))


# ---- response -----------------------------------------------------------------------------

def by_id(doc, ident):
    found = [e for e in doc.iter()
             if isinstance(e.tag, str)
             and ident in (e.get(q(WSU, "Id")), e.get("Id"))]
    check(len(found) == 1, "exactly one element with Id " + ident)
    return found[0]


def names_our_key(parent, ek_sha1, what):
    """The KeyInfo under `parent` names K by the EncryptedKeySHA1 of our EncryptedKey."""
    ids = parent.findall("./{%s}KeyInfo/{%s}SecurityTokenReference/{%s}KeyIdentifier"
                         % (DS, WSSE, WSSE))
    check(len(ids) == 1, what + ": a KeyIdentifier")
    check(ids[0].get("ValueType") == EK_SHA1, what + ": an EncryptedKeySHA1 identifier")
    check(ids[0].text.strip() == ek_sha1, what + ": our EncryptedKey's SHA-1")


def decrypt_in_place(doc, ed, key, ek_sha1, ciphers):
    """Replaces EncryptedData `ed` by its plaintext (an element, or an element's content)."""
    names_our_key(ed, ek_sha1, "EncryptedData " + ed.get("Id", ""))
    alg = ed.find(q(XENC, "EncryptionMethod")).get("Algorithm")
    ciphers.add(alg)
    data = base64.b64decode(ed.find("./{%s}CipherData/{%s}CipherValue" % (XENC, XENC)).text)
    plain = decrypt(alg, key, data)
    parent = ed.getparent()
    # The plaintext parsed in the namespace context of where it goes.
    decls = " ".join('xmlns%s="%s"' % (":" + p if p else "", u)
                     for p, u in parent.nsmap.items())
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    wrapper = etree.fromstring(("<w %s>" % decls).encode() + plain + b"</w>", parser)
    kind = ed.get("Type")
    if kind == XENC + "Element":
        check(len(wrapper) == 1, "an encrypted Element is one element")
    else:
        check(kind == XENC + "Content", "EncryptedData of type Element or Content")
    for c in list(wrapper):
        ed.addprevious(c)
    parent.remove(ed)


def response(reply, plain_out, key_b64, ek_sha1, message_id, sig_value_b64):
    key = base64.b64decode(key_b64)
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    with open(reply, "rb") as f:
        doc = etree.fromstring(f.read(), parser)
    env_ns = etree.QName(doc).namespace
    header = doc.find(q(env_ns, "Header"))
    body = doc.find(q(env_ns, "Body"))
    check(header is not None and body is not None, "a SOAP envelope")
    secs = header.findall(q(WSSE, "Security"))
    check(len(secs) == 1, "one Security header")
    # The header in document order, as WS-Security processes it: each ReferenceList
    # decrypts what it lists (with K, named by our EncryptedKeySHA1), each Signature is
    # checked where it stands.
    ciphers = set()
    signed = []
    method = None
    for item in list(secs[0]):
        if item.tag == q(XENC, "ReferenceList"):
            for dr in item.findall(q(XENC, "DataReference")):
                uri = dr.get("URI")
                check(uri.startswith("#"), "a same-document DataReference")
                decrypt_in_place(doc, by_id(doc, uri[1:]), key, ek_sha1, ciphers)
    sigs = secs[0].findall(q(DS, "Signature"))
    check(len(sigs) == 1, "one Signature in the Security header")
    sig = sigs[0]
    si = sig.find(q(DS, "SignedInfo"))
    check(si.find(q(DS, "CanonicalizationMethod")).get("Algorithm") == EXC_C14N,
          "SignedInfo canonicalized exclusively")
    method = si.find(q(DS, "SignatureMethod")).get("Algorithm")
    check(method in (HMAC_SHA1, HMAC_SHA256), "an HMAC signature: " + method)
    names_our_key(sig, ek_sha1, "the reply signature")
    for r in si.findall(q(DS, "Reference")):
        uri = r.get("URI")
        check(uri.startswith("#"), "a same-document reference")
        el = by_id(doc, uri[1:])
        transforms = [t.get("Algorithm") for t in r.findall("./{%s}Transforms/{%s}Transform"
                                                            % (DS, DS))]
        check(transforms == [EXC_C14N], "exc-c14n is the only transform")
        want = base64.b64decode(r.find(q(DS, "DigestValue")).text)
        got = digest(r.find(q(DS, "DigestMethod")).get("Algorithm"), exc_c14n(el))
        check(hmac.compare_digest(want, got), "the digest of " + etree.QName(el).localname)
        signed.append(el)
    mac = hmac.new(key, exc_c14n(si), hashlib.sha256 if method == HMAC_SHA256 else hashlib.sha1)
    value = base64.b64decode(sig.find(q(DS, "SignatureValue")).text)
    check(hmac.compare_digest(mac.digest(), value), "the HMAC under K over SignedInfo")
    check(body in signed, "the Body is signed")
    confirmations = [e for e in signed if e.tag == q(WSSE11, "SignatureConfirmation")]
    check(len(confirmations) == 1, "a signed SignatureConfirmation")
    check(confirmations[0].get("Value") == sig_value_b64,
          "the SignatureConfirmation echoes the request's SignatureValue")
    relates = [e for e in signed if e.tag == q(WSA, "RelatesTo")]
    check(len(relates) == 1 and relates[0].text.strip() == message_id,
          "a signed RelatesTo naming the request's MessageID")
    check(body.find(q(XENC, "EncryptedData")) is None, "the Body was decrypted")
    check(ciphers, "the reply was encrypted")
    rstr = body.find(".//{%s}RequestSecurityTokenResponse" % WST)
    check(rstr is not None, "an RSTR in the decrypted Body")
    bs = rstr.find("./{%s}RequestedProofToken/{%s}BinarySecret" % (WST, WST))
    check(bs is not None, "the proof key as a BinarySecret")
    proof = base64.b64decode(bs.text)
    with open(plain_out, "wb") as f:
        f.write(etree.tostring(doc))
    print("signature-method=" + method)
    print("cipher=" + ",".join(sorted(ciphers)))
    print("signed=" + ",".join(sorted(etree.QName(e).localname for e in signed)))
    print("key=" + proof.hex())
    print("ok")


def main():
    try:
        if sys.argv[1] == "request":
            request(*sys.argv[2:6])
        elif sys.argv[1] == "response":
            response(*sys.argv[2:8])
        else:
            raise Failed("unknown mode " + sys.argv[1])
    except Failed as e:
        print("FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
