// adal-node (npm `adal-node`): its WS-Trust (AD FS username/password federation) steps
// against a running wstrust.
//
// adal-node's `AuthenticationContext.acquireTokenWithUsernamePassword` first asks
// login.microsoftonline.com whether the user's domain is federated (user realm discovery),
// which is unreachable here; its answer would carry the federation metadata (MEX) URL and the
// cloud audience URN. This script plays that answer and drives the two WS-Trust steps with
// adal-node's own modules (lib/mex.js, lib/wstrust-request.js), as its TokenRequest chains them:
//
//   1. `new Mex(callContext, mexUrl).discover(cb)`: fetch and parse the AD FS MEX document;
//      `usernamePasswordPolicy` then holds the chosen endpoint (`url`) and `version`.
//   2. `new WSTrustRequest(callContext, url, audience, version).acquireToken(user, pass, cb)`:
//      adal-node's RST (SOAP 1.2, UsernameToken, KeyType Bearer) and its parse of the RSTR into
//      a WSTrustResponse (`tokenType`, `token`).
//
// Step 2 runs against the endpoint step 1 chose, or, when step 1 chose none, against the
// `--endpoint` given (the AD FS 13/usernamemixed alias, as WS-Trust 1.3).
//
//   node adal_node_client.js --mex URL --endpoint URL --user NAME --password-file FILE
//        --audience URN --record DIR
//
// TLS: Node's https (through axios) trusts NODE_EXTRA_CA_CERTS (the test sets the data dir's
// pki/ca.pem). Prints `key=value` facts; writes DIR/request.xml (the RST adal-node posted),
// DIR/request.http.json (its URL and headers, see recording.js),
// DIR/response.xml (the RSTR it parsed) and DIR/token.xml (its token).
'use strict';

const fs = require('fs');
const path = require('path');
const { writeHttp } = require('./recording');

// The package entry point first, as an application loads it: it runs adal-node's init
// (util.adalInit, which reads the version its request headers carry).
require('adal-node');
const adalLib = path.join(path.dirname(require.resolve('adal-node/package.json')), 'lib');
const Mex = require(path.join(adalLib, 'mex.js'));
const WSTrustRequest = require(path.join(adalLib, 'wstrust-request.js'));
const log = require(path.join(adalLib, 'log.js'));
const { WSTrustVersion } = require(path.join(adalLib, 'constants.js'));
// The axios instance adal-node's modules use, to record the POST exchange.
const axios = require(require.resolve('axios', { paths: [adalLib] }));

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return out;
}

function oneLine(e) {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.replace(/\n/g, ' ');
}

const posted = {};
function record(response) {
  const method = (response.config.method || '').toUpperCase();
  if (method === 'POST') {
    posted.request = response.config.data;
    posted.url = response.config.url;
    posted.headers = response.config.headers;
    posted.response = response.data;
    console.log(`post_status=${response.status}`);
    console.log(`post_content_type=${response.headers['content-type'] || ''}`);
    console.log(`post_soap_action=${response.config.headers.SOAPAction || ''}`);
  } else {
    console.log(`mex_status=${response.status}`);
  }
}
axios.interceptors.response.use(
  (response) => {
    record(response);
    return response;
  },
  (error) => {
    if (error.response) {
      record(error.response);
    }
    return Promise.reject(error);
  },
);

async function main() {
  const a = args();
  let password = null;
  for (const line of fs.readFileSync(a['password-file'], 'utf8').split('\n')) {
    if (line.startsWith('password=')) {
      password = line.slice('password='.length);
    }
  }
  const pkg = JSON.parse(
    fs.readFileSync(require.resolve('adal-node/package.json'), 'utf8'),
  );
  console.log(`adal_node_version=${pkg.version}`);
  // The call context adal-node's AuthenticationContext hands its TokenRequest.
  const callContext = { _logContext: log.createLogContext(), options: {} };

  // Step 1: MEX.
  let policy = null;
  try {
    const mex = new Mex(callContext, a.mex);
    await new Promise((resolve, reject) =>
      mex.discover((err) => (err ? reject(err) : resolve())),
    );
    policy = mex.usernamePasswordPolicy;
    if (policy && policy.url) {
      console.log('mex=endpoint');
      console.log(`mex_address=${policy.url}`);
      console.log(`mex_version=${policy.version}`);
    } else {
      policy = null;
      console.log('mex=no_endpoint');
    }
  } catch (e) {
    // adal-node falls back to the realm's active endpoint on any MEX error
    console.log('mex=error');
    console.log(`mex_error=${oneLine(e)}`);
  }

  // Step 2: the RST adal-node builds, to the endpoint MEX chose or else the alias given.
  const address = policy ? policy.url : a.endpoint;
  const version = policy ? policy.version : WSTrustVersion.WSTRUST13;
  console.log(`rst_address=${address}`);
  try {
    const req = new WSTrustRequest(callContext, address, a.audience, version);
    const resp = await new Promise((resolve, reject) =>
      req.acquireToken(a.user, password, (err, r) => (err ? reject(err) : resolve(r))),
    );
    console.log('rst=token');
    console.log(`token_type=${resp.tokenType}`);
    fs.writeFileSync(path.join(a.record, 'token.xml'), resp.token, 'utf8');
  } catch (e) {
    console.log('rst=error');
    console.log(`rst_error=${oneLine(e)}`);
  }
  if (posted.request !== undefined) {
    fs.writeFileSync(path.join(a.record, 'request.xml'), posted.request, 'utf8');
    writeHttp(a.record, posted.url, posted.headers);
    fs.writeFileSync(path.join(a.record, 'response.xml'), String(posted.response), 'utf8');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
