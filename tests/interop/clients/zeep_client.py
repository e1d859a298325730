"""zeep (the Python SOAP client) as a WS-Trust requester against a running wstrust.

Loads the WSDL as the server serves it (GET /sts?wsdl), binds one of its two ports and calls
Issue the way a zeep user would: the RST content is the open `xsd:any` of our WSDL, handed to
zeep as lxml elements; WS-Security comes from zeep's own `zeep.wsse` classes.

With --lifecycle, after a token was issued the script goes on through the WSDL's other
operations, authenticated the same way (owner authentication: zeep cannot sign with the
context's symmetric key): Validate (facts `validate_*`), Renew (`renew_*`: the renewed SCT's
identifier and instance and the new proof key), Cancel (`cancel_*`) and Validate again
(`revalidate_*`). Each Renew/Cancel/Validate RST carries the SCT zeep received (the lxml
element from zeep's parse of the response) in its RenewTarget/CancelTarget/ValidateTarget.

    zeep_client.py --wsdl URL --port Soap11|Soap12 --auth text|digest|x509 --applies-to URI
                   [--user NAME --password-file FILE] [--key PEM --cert PEM --sts-cert PEM]
                   --record DIR [--lifecycle]

Prints `key=value` facts on stdout (the Rust test reads them) and writes the envelopes zeep
sent and received to DIR/request.xml and DIR/response.xml (Issue) and DIR/STEP/request.xml
and DIR/STEP/response.xml (STEP: validate, renew, cancel, revalidate), and how each was posted
to request.http.json beside it (see recording.py). Exits 0 whenever zeep behaved as a zeep
user would see it (a token or a zeep.exceptions.Fault); anything else is a crash.
"""

import argparse
import base64
import copy
import datetime
import os
import sys

import xmlsec
from lxml import etree

import zeep
from zeep.exceptions import Fault
from zeep.plugins import HistoryPlugin
from zeep.wsse import utils as wsse_utils
from zeep.wsse.compose import Compose
from zeep.wsse.signature import BinarySignature, verify_envelope
from zeep.wsse.username import UsernameToken

from recording import write_http

WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WSC = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512"
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
WSA = "http://www.w3.org/2005/08/addressing"
XENC = "http://www.w3.org/2001/04/xmlenc#"
SCT_TYPE = WSC + "/sct"
SAML1 = "urn:oasis:names:tc:SAML:1.0:assertion"
SAML2 = "urn:oasis:names:tc:SAML:2.0:assertion"


def timestamp_element():
    """A wsu:Timestamp built with zeep's WSU element maker: created now, expires in 5 min."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    ts = wsse_utils.WSU.Timestamp(
        wsse_utils.WSU.Created(now.strftime(fmt)),
        wsse_utils.WSU.Expires((now + datetime.timedelta(minutes=5)).strftime(fmt)),
    )
    wsse_utils.ensure_id(ts)
    return ts


class Timestamp:
    """A wsu:Timestamp in the Security header (zeep has none of its own outside
    UsernameToken); BinarySignature signs it when it is there."""

    def apply(self, envelope, headers):
        wsse_utils.get_security_header(envelope).append(timestamp_element())
        return envelope, headers

    def verify(self, envelope):
        pass


class StsVerifiedSignature(BinarySignature):
    """zeep's BinarySignature verifies responses with the requester's own certificate;
    an STS signs with its own key, so verification uses zeep's verify_envelope with the
    STS certificate instead (signing is zeep's, unchanged)."""

    def __init__(self, key, cert, sts_cert):
        super().__init__(key, cert)
        self.sts_cert = sts_cert

    def verify(self, envelope):
        verify_envelope(envelope, self.sts_cert)
        print("response_signature=verified")
        return envelope


KEY_TYPES = {"symmetric": "SymmetricKey", "bearer": "Bearer", "publickey": "PublicKey"}


def rst_elements(applies_to, token_type=SCT_TYPE, key_type=None):
    """The RST content of an Issue: TokenType (unless None), RequestType, AppliesTo (unless
    "none": a WS-SecureConversation bootstrap with the STS itself), and KeySize for a
    symmetric key or the KeyType named (what zeep users write)."""
    content = [el(WST, "RequestType", WST + "/Issue")]
    if applies_to != "none":
        applies = el(WSP, "AppliesTo")
        epr = etree.SubElement(applies, "{%s}EndpointReference" % WSA)
        etree.SubElement(epr, "{%s}Address" % WSA).text = applies_to
        content.append(applies)
    if token_type is not None:
        content.insert(0, el(WST, "TokenType", token_type))
    if key_type is None:
        content.append(el(WST, "KeySize", "256"))
    else:
        content.append(el(WST, "KeyType", WST + "/" + KEY_TYPES[key_type]))
    return content


def el(ns_, local, text=None):
    e = etree.Element("{%s}%s" % (ns_, local))
    if text is not None:
        e.text = text
    return e


def targeting_elements(kind, sct):
    """The RST content of a Renew, Cancel or Validate of `sct` (an lxml element): the
    RequestType and `{kind}Target` holding a copy of the SCT as issued."""
    target = el(WST, kind + "Target")
    target.append(copy.deepcopy(sct))
    content = [el(WST, "RequestType", WST + "/" + kind), target]
    if kind == "Renew" and etree.QName(sct).namespace not in (SAML1, SAML2):
        content.insert(0, el(WST, "TokenType", SCT_TYPE))
    if kind == "Validate":
        content.insert(0, el(WST, "TokenType", WST + "/RSTR/Status"))
    return content


def first(root, ns_, local):
    for e in root.iter("{%s}%s" % (ns_, local)):
        return e
    return None


def rstrs_of(result):
    """The RSTR elements of what zeep returned for the RSTRC (its own object model)."""
    rstrs = getattr(result, "RequestSecurityTokenResponse", None)
    if rstrs is None:
        rstrs = result if isinstance(result, list) else [result]
    return rstrs


def child_elements(rstr):
    """The lax `xsd:any` children zeep kept as lxml elements."""
    values = getattr(rstr, "_value_1", None) or []
    return [v for v in values if isinstance(v, etree._Element)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--wsdl", required=True)
    p.add_argument("--port", choices=["Soap11", "Soap12"], required=True)
    p.add_argument("--auth", choices=["text", "digest", "x509"], required=True)
    p.add_argument("--applies-to", required=True)
    p.add_argument("--user")
    p.add_argument("--password-file")
    p.add_argument("--key")
    p.add_argument("--cert")
    p.add_argument("--sts-cert")
    p.add_argument("--record", required=True)
    p.add_argument(
        "--lifecycle",
        action="store_true",
        help="after Issue, call Validate, Renew, Cancel and Validate on the token",
    )
    p.add_argument(
        "--no-timestamp",
        action="store_true",
        help="send zeep's bare UsernameToken, without the wsu:Timestamp",
    )
    p.add_argument(
        "--key-type",
        choices=sorted(KEY_TYPES),
        help="name this wst:KeyType (default: none, with KeySize 256)",
    )
    p.add_argument(
        "--no-token-type",
        action="store_true",
        help="name no wst:TokenType (the STS chooses)",
    )
    a = p.parse_args()

    if a.auth == "x509":
        # A plain list works for apply() but zeep 4.3 calls .verify() on the list itself,
        # so the documented Compose wrapper is used.
        wsse = Compose([Timestamp(), StsVerifiedSignature(a.key, a.cert, a.sts_cert)])
    else:
        password = None
        with open(a.password_file, encoding="utf-8") as f:
            for line in f:
                if line.startswith("password="):
                    password = line.rstrip("\n")[len("password=") :]
        # zeep's documented way to add a wsu:Timestamp next to the UsernameToken.
        timestamp = None if a.no_timestamp else timestamp_element()
        wsse = UsernameToken(
            a.user, password, use_digest=(a.auth == "digest"), timestamp_token=timestamp
        )

    history = HistoryPlugin()
    client = zeep.Client(a.wsdl, wsse=wsse, plugins=[history])
    service = client.bind("wstrust", "SecurityTokenService_%s_Port" % a.port)
    print("zeep_version=%s" % zeep.__version__)
    print("endpoint=%s" % service._binding_options["address"])

    def record(step=None):
        folder = a.record if step is None else os.path.join(a.record, step)
        os.makedirs(folder, exist_ok=True)
        if history.last_sent is not None:
            with open(os.path.join(folder, "request.xml"), "wb") as f:
                f.write(etree.tostring(history.last_sent["envelope"]))
            if step is None:
                print(
                    "request_soap_ns=%s" % etree.QName(history.last_sent["envelope"]).namespace
                )
            write_http(folder, service._binding_options["address"], history.last_sent["http_headers"])
        if history.last_received is not None:
            with open(os.path.join(folder, "response.xml"), "wb") as f:
                f.write(etree.tostring(history.last_received["envelope"]))

    try:
        token_type = None if a.no_token_type else SCT_TYPE
        if a.key_type in ("bearer", "publickey") and not a.no_token_type:
            token_type = SAML2
        result = service.Issue(_value_1=rst_elements(a.applies_to, token_type, a.key_type))
    except Fault as fault:
        record()
        print("outcome=fault")
        print("fault_code=%s" % fault.code)
        print("fault_subcodes=%s" % " ".join(str(s) for s in (fault.subcodes or [])))
        print("fault_message=%s" % (fault.message or "").replace("\n", " "))
        return 0
    record()
    print("outcome=token")
    rstrs = rstrs_of(result)
    print("rstr_count=%d" % len(rstrs))
    sct = report_token(rstrs[0], "", a.key, a.sts_cert)
    if a.lifecycle and sct is not None:
        lifecycle(service, sct, record, a.key, a.sts_cert)
    return 0


def verify_assertion(assertion, sts_cert):
    """python-xmlsec verifies the assertion's enveloped signature by the STS certificate, on a
    copy of the assertion standing alone (what a relying party holding it does)."""
    alone = etree.fromstring(etree.tostring(assertion))
    q = etree.QName(alone)
    id_attr = "ID" if q.namespace == SAML2 else "AssertionID"
    xmlsec.tree.add_ids(alone, [id_attr])
    sig = xmlsec.tree.find_node(alone, xmlsec.constants.NodeSignature)
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_file(sts_cert, xmlsec.KeyFormat.CERT_PEM)
    ctx.verify(sig)
    return True


def report_token(rstr, prefix, key_file, sts_cert=None):
    """Prints what an RSTR carrying a token holds (facts named PREFIX + ...); returns the SCT
    (or SAML assertion) element."""
    found = None
    for c in child_elements(rstr):
        q = etree.QName(c)
        if q.namespace == WST and q.localname == "TokenType":
            print("%stoken_type=%s" % (prefix, c.text.strip()))
        if q.namespace == WST and q.localname == "RequestedSecurityToken":
            for ns_, version in ((SAML2, "2.0"), (SAML1, "1.1")):
                assertion = first(c, ns_, "Assertion")
                if assertion is None:
                    continue
                found = assertion
                print("%ssaml_version=%s" % (prefix, version))
                aid = assertion.get("ID") or assertion.get("AssertionID")
                print("%ssaml_id=%s" % (prefix, aid))
                methods = [
                    m.get("Method") or (m.text or "").strip()
                    for m in assertion.iter(
                        "{%s}SubjectConfirmation" % ns_, "{%s}ConfirmationMethod" % ns_
                    )
                ]
                methods = [m for m in methods if m]
                print("%ssaml_confirmation=%s" % (prefix, methods[0] if methods else ""))
                if sts_cert:
                    try:
                        verify_assertion(assertion, sts_cert)
                        print("%ssaml_signature=verified" % prefix)
                    except xmlsec.Error as e:
                        print("%ssaml_signature=refused %s" % (prefix, e))
            sct = first(c, WSC, "SecurityContextToken")
            if sct is not None:
                found = sct
                print("%ssct_identifier=%s" % (prefix, first(sct, WSC, "Identifier").text.strip()))
                instance = first(sct, WSC, "Instance")
                if instance is not None:
                    print("%ssct_instance=%s" % (prefix, instance.text.strip()))
        if q.namespace == WST and q.localname == "RequestedProofToken":
            secret = first(c, WST, "BinarySecret")
            if secret is not None:
                key = base64.b64decode(secret.text.strip())
                print("%sproof_key=binary_secret" % prefix)
                print("%sproof_key_hex=%s" % (prefix, key.hex()))
            ek = first(c, XENC, "EncryptedKey")
            if ek is not None and key_file:
                # zeep itself has no XML Encryption; python-xmlsec (zeep's signing
                # dependency) decrypts the proof key encrypted for our certificate.
                ctx = xmlsec.EncryptionContext()
                ctx.key = xmlsec.Key.from_file(key_file, xmlsec.KeyFormat.PEM)
                key = ctx.decrypt(ek)
                print("%sproof_key=encrypted_key" % prefix)
                print("%sproof_key_hex=%s" % (prefix, bytes(key).hex()))
    return found


def report_status(rstr, prefix):
    for c in child_elements(rstr):
        q = etree.QName(c)
        if q.namespace == WST and q.localname == "Status":
            code = first(c, WST, "Code").text.strip()
            print("%sstatus=%s" % (prefix, code.rsplit("/", 1)[-1]))
            reason = first(c, WST, "Reason")
            if reason is not None:
                print("%sreason=%s" % (prefix, reason.text.strip()))


def lifecycle(service, sct, record, key_file, sts_cert=None):
    """Validate, Renew, Cancel, Validate through the WSDL's operations. A fault stops the
    sequence (reported as STEP_outcome=fault)."""

    def call(step, operation, kind, token):
        try:
            result = operation(_value_1=targeting_elements(kind, token))
        except Fault as fault:
            record(step)
            print("%s_outcome=fault" % step)
            print("%s_fault_code=%s" % (step, fault.code))
            print("%s_fault_subcodes=%s" % (step, " ".join(str(s) for s in (fault.subcodes or []))))
            print("%s_fault_message=%s" % (step, (fault.message or "").replace("\n", " ")))
            return None
        record(step)
        print("%s_outcome=ok" % step)
        return rstrs_of(result)[0]

    r = call("validate", service.Validate, "Validate", sct)
    if r is None:
        return
    report_status(r, "validate_")
    r = call("renew", service.Renew, "Renew", sct)
    if r is None:
        return
    renewed = report_token(r, "renew_", key_file, sts_cert)
    if renewed is None:
        return
    if etree.QName(renewed).namespace in (SAML1, SAML2):
        # An assertion is not cancelled at the STS; the renewed one validates, the old one
        # is superseded.
        r = call("revalidate", service.Validate, "Validate", renewed)
        if r is not None:
            report_status(r, "revalidate_")
        r = call("oldvalidate", service.Validate, "Validate", sct)
        if r is not None:
            report_status(r, "oldvalidate_")
        return
    r = call("cancel", service.Cancel, "Cancel", renewed)
    if r is None:
        return
    for c in child_elements(r):
        q = etree.QName(c)
        if q.namespace == WST and q.localname == "RequestedTokenCancelled":
            print("cancel_cancelled=true")
    r = call("revalidate", service.Validate, "Validate", renewed)
    if r is None:
        return
    report_status(r, "revalidate_")


if __name__ == "__main__":
    sys.exit(main())
