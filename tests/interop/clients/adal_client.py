"""ADAL for Python's WS-Trust (AD FS username/password federation) steps against wstrust.

ADAL's `AuthenticationContext.acquire_token_with_username_password` first asks
login.microsoftonline.com whether the user's domain is federated (user realm discovery),
which is unreachable here; its answer would carry the federation metadata (MEX) URL and the
cloud audience URN. This script plays that answer and drives the two WS-Trust steps with
ADAL's own code, as ADAL's `TokenRequest` chains them:

  1. `adal.mex.Mex(call_context, mex_url).discover()`: fetch and parse the AD FS MEX
     document; `username_password_policy` then holds the chosen endpoint (`url`) and its
     WS-Trust version (`version`).
  2. `adal.wstrust_request.WSTrustRequest(call_context, url, audience, version)
     .acquire_token(user, password)`: ADAL's RST (SOAP 1.2, UsernameToken, KeyType Bearer)
     and its parse of the RSTR into a `WSTrustResponse` (`token_type`, `token`).

Step 2 runs against the endpoint step 1 chose, or, when step 1 chose none, against the
`--endpoint` given (the AD FS 13/usernamemixed alias, as WS-Trust 1.3), so both steps are
exercised either way.

    adal_client.py --mex URL --endpoint URL --user NAME --password-file FILE
                   --audience URN --record DIR

TLS: ADAL calls requests with `verify=None`, so requests trusts REQUESTS_CA_BUNDLE (the test
sets it to the data dir's pki/ca.pem). Prints `key=value` facts; writes DIR/request.xml (the
RST ADAL posted), DIR/request.http.json (its URL and headers, see recording.py),
DIR/response.xml (the RSTR it parsed) and DIR/token.xml (its token).
"""

import argparse
import sys

import requests

import adal
from adal import log, mex, wstrust_request
from adal.constants import WSTrustVersion

from recording import write_http

_POSTED = {}
_real_post = requests.post


def recording_post(url, **kwargs):
    """ADAL posts through `requests.post`; this keeps the exchange and reports its status."""
    resp = _real_post(url, **kwargs)
    _POSTED["request"] = kwargs.get("data")
    _POSTED["url"] = url
    _POSTED["headers"] = kwargs.get("headers")
    _POSTED["response"] = resp.text
    print("post_status=%d" % resp.status_code)
    print("post_content_type=%s" % resp.headers.get("Content-Type", ""))
    print("post_soap_action=%s" % kwargs.get("headers", {}).get("SOAPAction", ""))
    return resp


requests.post = recording_post


def version_name(version):
    return {
        WSTrustVersion.WSTRUST13: "wstrust13",
        WSTrustVersion.WSTRUST2005: "wstrust2005",
    }.get(version, "undefined")


def one_line(e):
    return ("%s: %s" % (type(e).__name__, e)).replace("\n", " ")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mex", required=True)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--audience", required=True)
    p.add_argument("--record", required=True)
    a = p.parse_args()
    password = None
    with open(a.password_file, encoding="utf-8") as f:
        for line in f:
            if line.startswith("password="):
                password = line.rstrip("\n")[len("password=") :]

    print("adal_version=%s" % adal.__version__)
    # The call context ADAL's AuthenticationContext hands its TokenRequest.
    call_context = {"options": {}, "log_context": log.create_log_context()}

    # Step 1: MEX.
    policy = None
    try:
        m = mex.Mex(call_context, a.mex)
        m.discover()
        policy = m.username_password_policy
        if policy and policy.get("url"):
            print("mex=endpoint")
            print("mex_address=%s" % policy["url"])
            print("mex_version=%s" % version_name(policy.get("version")))
        else:
            policy = None
            print("mex=no_endpoint")
    except Exception as e:  # ADAL falls back to the realm's active endpoint on any error
        print("mex=error")
        print("mex_error=%s" % one_line(e))

    # Step 2: the RST ADAL builds, to the endpoint MEX chose or else the alias given.
    if policy:
        address, version = policy["url"], policy["version"]
    else:
        address, version = a.endpoint, WSTrustVersion.WSTRUST13
    print("rst_address=%s" % address)
    try:
        req = wstrust_request.WSTrustRequest(call_context, address, a.audience, version)
        resp = req.acquire_token(a.user, password)
        print("rst=token")
        print("token_type=%s" % resp.token_type)
        token = resp.token if isinstance(resp.token, bytes) else resp.token.encode("utf-8")
        with open(a.record + "/token.xml", "wb") as f:
            f.write(token)
    except Exception as e:  # AdalError for faults and unparsable RSTRs
        print("rst=error")
        print("rst_error=%s" % one_line(e))
    if "request" in _POSTED:
        with open(a.record + "/request.xml", "w", encoding="utf-8") as f:
            f.write(_POSTED["request"])
        write_http(a.record, _POSTED["url"], _POSTED["headers"])
        with open(a.record + "/response.xml", "w", encoding="utf-8") as f:
            f.write(_POSTED["response"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
