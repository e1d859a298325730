"""What the client scripts record besides the envelopes: how the request was posted.

`write_http(record_dir, url, headers)` writes DIR/request.http.json with the URL and the
Content-Type and SOAPAction headers exactly as the client library sent them (header names
matched without regard to case; a missing header is null). The Rust side
(tests/it/realclient_support.rs) files it with the recording so the request can be replayed
on the same path with the same headers.
"""

import json
import os


def header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v if isinstance(v, str) else v.decode("utf-8")
    return None


def write_http(record_dir, url, headers):
    with open(os.path.join(record_dir, "request.http.json"), "w", encoding="utf-8") as f:
        json.dump(
            {
                "url": url,
                "content_type": header(headers, "Content-Type"),
                "soap_action": header(headers, "SOAPAction"),
            },
            f,
        )
