"""zeep (the Python SOAP client) as a WS-Trust requester against a running wstrust.

Loads the WSDL as the server serves it (GET /sts?wsdl), binds one of its two ports and calls
Issue the way a zeep user would: the RST content is the open `xsd:any` of our WSDL, handed to
zeep as lxml elements; WS-Security comes from zeep's own `zeep.wsse` classes.

    zeep_client.py --wsdl URL --port Soap11|Soap12 --auth text|digest|x509 --applies-to URI
                   [--user NAME --password-file FILE] [--key PEM --cert PEM --sts-cert PEM]
                   --record DIR

Prints `key=value` facts on stdout (the Rust test reads them) and writes the envelopes zeep
sent and received to DIR/request.xml and DIR/response.xml (and how it was posted to
DIR/request.http.json, see recording.py). Exits 0 whenever zeep behaved as
a zeep user would see it (a token or a zeep.exceptions.Fault); anything else is a crash.
"""

import argparse
import base64
import datetime
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


def rst_elements(applies_to):
    def el(ns_, local, text=None):
        e = etree.Element("{%s}%s" % (ns_, local))
        if text is not None:
            e.text = text
        return e

    applies = el(WSP, "AppliesTo")
    epr = etree.SubElement(applies, "{%s}EndpointReference" % WSA)
    etree.SubElement(epr, "{%s}Address" % WSA).text = applies_to
    return [
        el(WST, "TokenType", SCT_TYPE),
        el(WST, "RequestType", WST + "/Issue"),
        applies,
        el(WST, "KeySize", "256"),
    ]


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
        "--no-timestamp",
        action="store_true",
        help="send zeep's bare UsernameToken, without the wsu:Timestamp",
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

    def record():
        if history.last_sent is not None:
            with open(a.record + "/request.xml", "wb") as f:
                f.write(etree.tostring(history.last_sent["envelope"]))
            print("request_soap_ns=%s" % etree.QName(history.last_sent["envelope"]).namespace)
            write_http(a.record, service._binding_options["address"], history.last_sent["http_headers"])
        if history.last_received is not None:
            with open(a.record + "/response.xml", "wb") as f:
                f.write(etree.tostring(history.last_received["envelope"]))

    try:
        result = service.Issue(_value_1=rst_elements(a.applies_to))
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
    children = child_elements(rstrs[0])
    for c in children:
        q = etree.QName(c)
        if q.namespace == WST and q.localname == "TokenType":
            print("token_type=%s" % c.text.strip())
        if q.namespace == WST and q.localname == "RequestedSecurityToken":
            sct = first(c, WSC, "SecurityContextToken")
            if sct is not None:
                print("sct_identifier=%s" % first(sct, WSC, "Identifier").text.strip())
        if q.namespace == WST and q.localname == "RequestedProofToken":
            secret = first(c, WST, "BinarySecret")
            if secret is not None:
                key = base64.b64decode(secret.text.strip())
                print("proof_key=binary_secret")
                print("proof_key_hex=%s" % key.hex())
            ek = first(c, XENC, "EncryptedKey")
            if ek is not None and a.key:
                # zeep itself has no XML Encryption; python-xmlsec (zeep's signing
                # dependency) decrypts the proof key encrypted for our certificate.
                ctx = xmlsec.EncryptionContext()
                ctx.key = xmlsec.Key.from_file(a.key, xmlsec.KeyFormat.PEM)
                key = ctx.decrypt(ek)
                print("proof_key=encrypted_key")
                print("proof_key_hex=%s" % bytes(key).hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
