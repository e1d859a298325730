"""MSAL for Python's WS-Trust (AD FS username/password federation) steps against wstrust.

MSAL's `acquire_token_by_username_password` first asks login.microsoftonline.com whether the
user's domain is federated (user realm discovery), which is unreachable here; its answer
would carry the federation metadata URL and the cloud audience URN. This script plays that
answer and drives the two WS-Trust steps with MSAL's own code, as MSAL chains them:

  1. `msal.mex.send_request(mex_url, http_client)`: fetch and parse the AD FS MEX document,
     choosing the WS-Trust username/password endpoint (address and SOAP action).
  2. `msal.wstrust_request.send_request(user, password, audience, address, action,
     http_client)`: MSAL's RST (SOAP 1.2, UsernameToken PasswordText, KeyType Bearer) and its
     parse of the RSTR into {"token", "type"}.

Step 2 runs against the endpoint step 1 chose, or, when step 1 chose none, against the
`--endpoint` given (the AD FS 13/usernamemixed alias), so both steps are exercised either way.

    msal_client.py --mex URL --endpoint URL --user NAME --password-file FILE
                   --audience URN --record DIR

TLS: requests trusts REQUESTS_CA_BUNDLE (the test sets it to the data dir's pki/ca.pem).
Prints `key=value` facts; writes DIR/request.xml (the RST MSAL posted), DIR/request.http.json
(its URL and headers, see recording.py), DIR/response.xml (the RSTR MSAL parsed) and
DIR/token.xml.
"""

import argparse
import sys

import requests

import msal
from msal import mex, wstrust_request

from recording import write_http


class RecordingSession(requests.Session):
    """A requests session (MSAL's default HTTP client) that keeps the last POST exchange."""

    last_request = None
    last_response = None
    last_url = None
    last_headers = None

    def post(self, url, **kwargs):
        resp = super().post(url, **kwargs)
        RecordingSession.last_request = kwargs.get("data")
        RecordingSession.last_url = url
        RecordingSession.last_headers = kwargs.get("headers")
        RecordingSession.last_response = resp.text
        print("post_status=%d" % resp.status_code)
        print("post_content_type=%s" % resp.headers.get("Content-Type", ""))
        return resp


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

    print("msal_version=%s" % msal.__version__)
    http = RecordingSession()

    # Step 1: MEX.
    try:
        endpoint = mex.send_request(a.mex, http)
        if endpoint is None:
            print("mex=no_endpoint")
        else:
            print("mex=endpoint")
            print("mex_address=%s" % endpoint["address"])
            print("mex_action=%s" % endpoint["action"])
    except Exception as e:  # MSAL lets its parser's exceptions through to the caller
        endpoint = None
        print("mex=error")
        print("mex_error=%s: %s" % (type(e).__name__, str(e).replace("\n", " ")))

    # Step 2: the RST MSAL builds, to the endpoint MEX chose or else the alias given.
    address = endpoint["address"] if endpoint else a.endpoint
    action = endpoint["action"] if endpoint else None  # MSAL derives it from the path
    print("rst_address=%s" % address)
    try:
        token = wstrust_request.send_request(
            a.user, password, a.audience, address, action, http
        )
        print("rst=token")
        print("token_type=%s" % token["type"])
        with open(a.record + "/token.xml", "wb") as f:
            f.write(token["token"])
    except RuntimeError as e:
        # MSAL's report of a WS-Trust fault (its parse of the SOAP 1.2 Reason and Subcode).
        print("rst=error")
        print("rst_error=%s" % str(e).replace("\n", " "))
    if RecordingSession.last_request is not None:
        with open(a.record + "/request.xml", "w", encoding="utf-8") as f:
            f.write(RecordingSession.last_request)
        write_http(a.record, RecordingSession.last_url, RecordingSession.last_headers)
        with open(a.record + "/response.xml", "w", encoding="utf-8") as f:
            f.write(RecordingSession.last_response)
    return 0


if __name__ == "__main__":
    sys.exit(main())
