"""Reads wstrust's AD FS-style MEX document (`/adfs/services/trust/mex`, saved to FILE by the
Rust test) with two independent WSDL readers and prints what each makes of it, as
`key=value` facts for the Rust test (tests/it/server_adfs.rs):

  * MSAL for Python (`msal.mex.Mex`, the parser `acquire_token_by_username_password` runs
    on the document `msal.mex.send_request` fetched): one `msal_username=ADDRESS|ACTION` per
    endpoint MSAL finds with its username/password policy test, `msal_iwa=ADDRESS|ACTION`
    per endpoint with its Windows integrated (Kerberos, windowstransport) policy test, and
    `msal_chosen=ADDRESS|ACTION` (the one it would use, or `none`);
  * zeep (`zeep.Client(FILE)`): one `zeep_port=NAME|ADDRESS|OPERATION|SOAPACTION` per port
    and operation of every service, in document order, and `zeep_warnings=N` (warnings zeep
    issued while binding, e.g. an operation whose message elements it could not find).

    adfs_mex_clients.py --mex FILE
"""

import argparse
import sys
import warnings

import zeep
from msal import mex


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mex", required=True)
    a = p.parse_args()

    with open(a.mex, encoding="utf-8") as f:
        parsed = mex.Mex(f.read())
    bindings = parsed._get_bindings()
    for key, ids in (
        ("msal_username", parsed._get_username_password_policy_ids()),
        ("msal_iwa", parsed._get_iwa_policy_ids()),
    ):
        for ep in parsed._get_endpoints(bindings, ids):
            print("%s=%s|%s" % (key, ep["address"], ep["action"]))
    chosen = parsed.get_wstrust_username_password_endpoint()
    print(
        "msal_chosen=%s"
        % ("|".join([chosen["address"], chosen["action"]]) if chosen else "none")
    )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = zeep.Client(a.mex)
        for service in client.wsdl.services.values():
            for port in service.ports.values():
                address = port.binding_options.get("address", "")
                ops = list(port.binding._operations.values())
                if not ops:
                    print("zeep_port=%s|%s||" % (port.name, address))
                for op in ops:
                    print(
                        "zeep_port=%s|%s|%s|%s"
                        % (port.name, address, op.name, op.soapaction or "")
                    )
    print("zeep_warnings=%d" % len(caught))
    print("zeep_version=%s" % zeep.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
