// What the client scripts record besides the envelopes: how the request was posted.
//
// `writeHttp(recordDir, url, headers)` writes DIR/request.http.json with the URL and the
// Content-Type and SOAPAction headers exactly as the client library sent them (header names
// matched without regard to case, axios' AxiosHeaders accepted; a missing header is null). The
// Rust side (tests/it/realclient_support.rs) files it with the recording so the request can be
// replayed on the same path with the same headers.
'use strict';

const fs = require('fs');
const path = require('path');

function header(headers, name) {
  const plain = headers && typeof headers.toJSON === 'function' ? headers.toJSON() : headers || {};
  const hit = Object.entries(plain).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return hit === undefined ? null : String(hit[1]);
}

function writeHttp(recordDir, url, headers) {
  fs.writeFileSync(
    path.join(recordDir, 'request.http.json'),
    JSON.stringify({
      url,
      content_type: header(headers, 'Content-Type'),
      soap_action: header(headers, 'SOAPAction'),
    }),
  );
}

module.exports = { writeHttp };
