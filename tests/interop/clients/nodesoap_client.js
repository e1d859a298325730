// node-soap (npm `soap`) as a WS-Trust requester against a running wstrust.
//
// Loads the WSDL as the server serves it (GET /sts?wsdl), calls Issue on one of its two ports
// the way a node-soap user would: the RST content is the open `xsd:any` of our WSDL, handed to
// node-soap as raw XML (`$xml`); WS-Security comes from node-soap's own WSSecurity (UsernameToken)
// or WSSecurityCert (X.509 signature) classes.
//
//   node nodesoap_client.js --wsdl URL --port Soap11|Soap12 --auth text|digest|x509 --applies-to URI
//        [--user NAME --password-file FILE] [--key PEM --cert PEM] --record DIR
//
// Prints `key=value` facts on stdout (the Rust test reads them) and writes the envelopes sent
// and received to DIR/request.xml and DIR/response.xml (and how it was posted to
// DIR/request.http.json, see recording.js). Exits 0 when node-soap produced a
// result or a SOAP fault (as node-soap reports it); anything else is a crash.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const soap = require('soap');
const { writeHttp } = require('./recording');

const WST = 'http://docs.oasis-open.org/ws-sx/ws-trust/200512';
const SCT_TYPE = 'http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct';

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return out;
}

function rstContent(appliesTo) {
  return (
    `<wst:TokenType xmlns:wst="${WST}">${SCT_TYPE}</wst:TokenType>` +
    `<wst:RequestType xmlns:wst="${WST}">${WST}/Issue</wst:RequestType>` +
    '<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy">' +
    '<wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing">' +
    `<wsa:Address>${appliesTo}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>` +
    `<wst:KeySize xmlns:wst="${WST}">256</wst:KeySize>`
  );
}

function password(file) {
  const line = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('password='));
  return line.slice('password='.length);
}

async function main() {
  const a = args();
  const version = require(path.join(path.dirname(require.resolve('soap')), '..', 'package.json')).version;
  console.log(`soap_version=${version}`);
  // node-soap picks the envelope version from this option, not from the port's binding.
  const client = await soap.createClientAsync(a.wsdl, {
    forceSoap12Headers: a.port === 'Soap12',
  });
  if (a.auth === 'x509') {
    client.setSecurity(
      new soap.WSSecurityCert(fs.readFileSync(a.key), fs.readFileSync(a.cert), '', {
        hasTimeStamp: true,
      }),
    );
  } else {
    client.setSecurity(
      new soap.WSSecurity(a.user, password(a['password-file']), {
        passwordType: a.auth === 'digest' ? 'PasswordDigest' : 'PasswordText',
        hasTimeStamp: true,
        hasNonce: true,
      }),
    );
  }
  const port = client.wstrust[`SecurityTokenService_${a.port}_Port`];
  let result;
  let fault;
  try {
    result = await new Promise((resolve, reject) => {
      port.Issue({ $xml: rstContent(a['applies-to']) }, (err, res, raw) =>
        err ? reject(err) : resolve([res, raw]),
      );
    });
  } catch (err) {
    fault = err;
  }
  fs.writeFileSync(path.join(a.record, 'request.xml'), client.lastRequest || '');
  writeHttp(a.record, client.lastEndpoint, client.lastRequestHeaders);
  const received = fault ? (fault.body || '') : result[1];
  fs.writeFileSync(path.join(a.record, 'response.xml'), received || '');
  if (fault) {
    console.log('outcome=fault');
    const f = fault.root && fault.root.Envelope && fault.root.Envelope.Body && fault.root.Envelope.Body.Fault;
    if (!f) throw fault;
    // SOAP 1.1: faultcode/faultstring; SOAP 1.2: Code/Value, Code/Subcode/Value.
    const code = f.faultcode || (f.Code && f.Code.Value);
    const sub = f.Code && f.Code.Subcode && f.Code.Subcode.Value;
    console.log(`fault_code=${code}`);
    console.log(`fault_subcodes=${sub || ''}`);
    console.log(`http_status=${fault.response && fault.response.status}`);
    return;
  }
  console.log('outcome=token');
  const rstrc = result[0];
  // What node-soap made of the RSTRC with its own object model.
  const rstrs = [].concat(rstrc.RequestSecurityTokenResponse || []);
  console.log(`rstr_count=${rstrs.length}`);
  const r = rstrs[0] || {};
  if (typeof r.TokenType === 'string') console.log(`token_type=${r.TokenType}`);
  const sct = r.RequestedSecurityToken && r.RequestedSecurityToken.SecurityContextToken;
  if (sct && sct.Identifier) console.log(`sct_identifier=${sct.Identifier}`);
  const proof = r.RequestedProofToken;
  if (proof && proof.BinarySecret !== undefined) {
    const secret = typeof proof.BinarySecret === 'string' ? proof.BinarySecret : proof.BinarySecret.$value;
    console.log('proof_key=binary_secret');
    console.log(`proof_key_hex=${Buffer.from(secret.trim(), 'base64').toString('hex')}`);
  } else if (proof && proof.EncryptedKey) {
    console.log('proof_key=encrypted_key');
    // node-soap has no XML Encryption: the key encrypted for our certificate (RSA-OAEP,
    // SHA-1, as the EncryptionMethod says) is opened with Node's own crypto.
    const method = proof.EncryptedKey.EncryptionMethod.attributes.Algorithm;
    console.log(`proof_key_method=${method}`);
    const cipher = proof.EncryptedKey.CipherData.CipherValue;
    const key = crypto.privateDecrypt(
      { key: fs.readFileSync(a.key), padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(String(cipher).trim(), 'base64'),
    );
    console.log(`proof_key_hex=${key.toString('hex')}`);
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
