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
// With --lifecycle yes, after a token was issued the script goes on through the WSDL's other
// operations, authenticated the same way (owner authentication: node-soap cannot sign with the
// context's symmetric key): Validate (facts `validate_*`), Renew (`renew_*`: the renewed SCT's
// identifier and instance and the new proof key), Cancel (`cancel_*`) and Validate again
// (`revalidate_*`). Each Renew/Cancel/Validate RST carries the SCT as received, passed as raw
// XML in its RenewTarget/CancelTarget/ValidateTarget: the SCT element is cut out of the raw
// response with the DOM node-soap's own WSSecurityCert uses (xml-crypto's @xmldom/xmldom), whose
// serializer declares the namespaces the element inherited.
//
//   node nodesoap_client.js ... [--lifecycle yes]
//
// What node-soap users write by default (issue 17): `--token-type none` leaves TokenType out,
// `--key-type bearer|publickey` asks for that KeyType (and no KeySize), `--applies-to none`
// leaves AppliesTo out (a WS-SecureConversation bootstrap with the STS itself). A SAML assertion
// received is verified with xml-crypto (node-soap's own signature library) by the STS
// certificate given with `--sts-cert` (facts `saml_*`) and written standalone to
// DIR[/STEP]/assertion.xml for the Rust test to verify with xmlsec1; with `--lifecycle yes` an
// assertion goes through Validate, Renew, Validate of the renewed one and of the old one
// (`oldvalidate_*`: superseded).
//
// Prints `key=value` facts on stdout (the Rust test reads them) and writes the envelopes sent
// and received to DIR/request.xml and DIR/response.xml (Issue) and DIR/STEP/request.xml and
// DIR/STEP/response.xml (STEP: validate, renew, cancel, revalidate), and how each was posted to
// request.http.json beside it (see recording.js). Exits 0 when node-soap produced a result or a
// SOAP fault (as node-soap reports it); anything else is a crash.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const soap = require('soap');
const { writeHttp } = require('./recording');
const { SignedXml } = require('xml-crypto');

// node-soap's XML DOM: the @xmldom/xmldom its WSSecurityCert signs with (through xml-crypto).
const xmldom = require(
  require.resolve('@xmldom/xmldom', { paths: [path.dirname(require.resolve('xml-crypto'))] }),
);

const WST = 'http://docs.oasis-open.org/ws-sx/ws-trust/200512';
const WSC = 'http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512';
const SCT_TYPE = `${WSC}/sct`;
const SAML1 = 'urn:oasis:names:tc:SAML:1.0:assertion';
const SAML2 = 'urn:oasis:names:tc:SAML:2.0:assertion';
const KEY_TYPES = { bearer: `${WST}/Bearer`, publickey: `${WST}/PublicKey` };

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return out;
}

function rstContent(appliesTo, tokenType, keyType) {
  const applies =
    appliesTo === 'none'
      ? ''
      : '<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy">' +
        '<wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing">' +
        `<wsa:Address>${appliesTo}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>`;
  return (
    (tokenType === 'none' ? '' : `<wst:TokenType xmlns:wst="${WST}">${tokenType || SCT_TYPE}</wst:TokenType>`) +
    `<wst:RequestType xmlns:wst="${WST}">${WST}/Issue</wst:RequestType>` +
    applies +
    (KEY_TYPES[keyType]
      ? `<wst:KeyType xmlns:wst="${WST}">${KEY_TYPES[keyType]}</wst:KeyType>`
      : `<wst:KeySize xmlns:wst="${WST}">256</wst:KeySize>`)
  );
}

// The RST content of a Renew, Cancel or Validate of the SCT `sctXml`.
function targetingContent(kind, sctXml) {
  const saml = sctXml.includes(SAML1) || sctXml.includes(SAML2);
  const tokenType = {
    Renew: saml ? undefined : SCT_TYPE,
    Validate: `${WST}/RSTR/Status`,
  }[kind];
  return (
    (tokenType ? `<wst:TokenType xmlns:wst="${WST}">${tokenType}</wst:TokenType>` : '') +
    `<wst:RequestType xmlns:wst="${WST}">${WST}/${kind}</wst:RequestType>` +
    `<wst:${kind}Target xmlns:wst="${WST}">${sctXml}</wst:${kind}Target>`
  );
}

// The issued token (an SCT or a SAML assertion) of a raw response, as standalone XML
// (inherited namespaces declared).
function sctOf(raw) {
  const doc = new xmldom.DOMParser().parseFromString(raw, 'text/xml');
  const tok =
    doc.getElementsByTagNameNS(WSC, 'SecurityContextToken')[0] ||
    doc.getElementsByTagNameNS(SAML2, 'Assertion')[0] ||
    doc.getElementsByTagNameNS(SAML1, 'Assertion')[0];
  return tok ? new xmldom.XMLSerializer().serializeToString(tok) : undefined;
}

// Verifies the enveloped signature of a standalone assertion by the STS certificate, with
// xml-crypto: the reference must point at the assertion itself.
function verifyAssertion(xml, stsCert) {
  const doc = new xmldom.DOMParser().parseFromString(xml, 'text/xml');
  const assertion = doc.documentElement;
  const sigs = assertion.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature');
  if (sigs.length !== 1) return `refused ${sigs.length} signatures`;
  const sig = new SignedXml({ publicCert: stsCert, getCertFromKeyInfo: () => null });
  sig.loadSignature(sigs[0]);
  try {
    if (!sig.checkSignature(xml)) return 'refused';
  } catch (e) {
    return `refused ${String(e.message || e).split('\n')[0]}`;
  }
  const id = assertion.getAttribute('ID') || assertion.getAttribute('AssertionID');
  const refs = sig.getReferences().map((r) => r.uri);
  return refs.length === 1 && refs[0] === `#${id}` ? 'verified' : `refused references ${refs}`;
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

  // Calls `operation` with RST content `xml`, records the exchange in DIR[/step].
  async function call(operation, xml, step) {
    let result;
    let fault;
    try {
      result = await new Promise((resolve, reject) => {
        port[operation]({ $xml: xml }, (err, res, raw) => (err ? reject(err) : resolve([res, raw])));
      });
    } catch (err) {
      fault = err;
    }
    const dir = step ? path.join(a.record, step) : a.record;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'request.xml'), client.lastRequest || '');
    writeHttp(dir, client.lastEndpoint, client.lastRequestHeaders);
    const received = fault ? (fault.body || '') : result[1];
    fs.writeFileSync(path.join(dir, 'response.xml'), received || '');
    if (fault) {
      const f = fault.root && fault.root.Envelope && fault.root.Envelope.Body && fault.root.Envelope.Body.Fault;
      if (!f) throw fault;
      return { fault: f, status: fault.response && fault.response.status };
    }
    return { res: result[0], raw: result[1] };
  }

  // SOAP 1.1: faultcode/faultstring; SOAP 1.2: Code/Value, Code/Subcode/Value.
  function reportFault(prefix, out) {
    const f = out.fault;
    const code = f.faultcode || (f.Code && f.Code.Value);
    const sub = f.Code && f.Code.Subcode && f.Code.Subcode.Value;
    console.log(`${prefix}fault_code=${code}`);
    console.log(`${prefix}fault_subcodes=${sub || ''}`);
    console.log(`${prefix}http_status=${out.status}`);
  }

  const issued = await call('Issue', rstContent(a['applies-to'], a['token-type'], a['key-type']));
  if (issued.fault) {
    console.log('outcome=fault');
    reportFault('', issued);
    return;
  }
  console.log('outcome=token');
  const rstrc = issued.res;
  // What node-soap made of the RSTRC with its own object model.
  const rstrs = [].concat(rstrc.RequestSecurityTokenResponse || []);
  console.log(`rstr_count=${rstrs.length}`);
  reportToken(rstrs[0] || {}, '', a.key);
  const first = sctOf(issued.raw);
  if (first && first.includes('Assertion')) reportAssertion(first, '', a.record, a['sts-cert']);
  if (a.lifecycle !== 'yes') return;
  if (first && first.includes('Assertion')) {
    await samlLifecycle(first);
    return;
  }

  // Validate, Renew, Cancel, Validate; a fault stops the sequence (STEP_outcome=fault).
  const sct = sctOf(issued.raw);
  const steps = [
    ['validate', 'Validate', () => sct],
    ['renew', 'Renew', () => sct],
    ['cancel', 'Cancel', (renewed) => renewed],
    ['revalidate', 'Validate', (renewed) => renewed],
  ];
  let renewed;
  for (const [step, operation, target] of steps) {
    const out = await call(operation, targetingContent(operation, target(renewed)), step);
    if (out.fault) {
      console.log(`${step}_outcome=fault`);
      reportFault(`${step}_`, out);
      return;
    }
    console.log(`${step}_outcome=ok`);
    // A single RSTR: node-soap hands over its content.
    const r = out.res.RequestSecurityTokenResponse || out.res;
    if (r.Status) {
      console.log(`${step}_status=${String(r.Status.Code).split('/').pop()}`);
      if (r.Status.Reason) console.log(`${step}_reason=${r.Status.Reason}`);
    }
    if (step === 'renew') {
      reportToken(r, 'renew_', a.key);
      renewed = sctOf(out.raw);
    }
    if (step === 'cancel' && r.RequestedTokenCancelled !== undefined) {
      console.log('cancel_cancelled=true');
    }
  }

  // Validate, Renew, Validate the renewed one, Validate the old one (superseded): an
  // assertion is not cancelled at the STS.
  async function samlLifecycle(assertion) {
    let renewed;
    const steps = [
      ['validate', 'Validate', () => assertion],
      ['renew', 'Renew', () => assertion],
      ['revalidate', 'Validate', () => renewed],
      ['oldvalidate', 'Validate', () => assertion],
    ];
    for (const [step, operation, target] of steps) {
      const out = await call(operation, targetingContent(operation, target()), step);
      if (out.fault) {
        console.log(`${step}_outcome=fault`);
        reportFault(`${step}_`, out);
        return;
      }
      console.log(`${step}_outcome=ok`);
      const r = out.res.RequestSecurityTokenResponse || out.res;
      if (r.Status) {
        console.log(`${step}_status=${String(r.Status.Code).split('/').pop()}`);
        if (r.Status.Reason) console.log(`${step}_reason=${r.Status.Reason}`);
      }
      if (step === 'renew') {
        reportToken(r, 'renew_', a.key);
        renewed = sctOf(out.raw);
        if (!renewed) return;
        reportAssertion(renewed, 'renew_', path.join(a.record, step), a['sts-cert']);
      }
    }
  }
}

// Prints what a SAML assertion (standalone XML) is, verifies it and writes it to DIR/assertion.xml.
function reportAssertion(xml, prefix, dir, stsCertFile) {
  const doc = new xmldom.DOMParser().parseFromString(xml, 'text/xml');
  const el = doc.documentElement;
  const saml2 = el.namespaceURI === SAML2;
  console.log(`${prefix}saml_version=${saml2 ? '2.0' : '1.1'}`);
  console.log(`${prefix}saml_id=${el.getAttribute(saml2 ? 'ID' : 'AssertionID')}`);
  const ns = saml2 ? SAML2 : SAML1;
  const confirmation = saml2
    ? (el.getElementsByTagNameNS(ns, 'SubjectConfirmation')[0] || { getAttribute: () => '' }).getAttribute('Method')
    : String((el.getElementsByTagNameNS(ns, 'ConfirmationMethod')[0] || {}).textContent || '').trim();
  console.log(`${prefix}saml_confirmation=${confirmation}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'assertion.xml'), xml);
  if (stsCertFile) {
    console.log(`${prefix}saml_signature=${verifyAssertion(xml, fs.readFileSync(stsCertFile))}`);
  }
}

// Prints what an RSTR (node-soap's object) carrying a token holds, facts named PREFIX + ....
function reportToken(r, prefix, keyFile) {
  if (typeof r.TokenType === 'string') console.log(`${prefix}token_type=${r.TokenType}`);
  const sct = r.RequestedSecurityToken && r.RequestedSecurityToken.SecurityContextToken;
  if (sct && sct.Identifier) console.log(`${prefix}sct_identifier=${sct.Identifier}`);
  if (sct && sct.Instance) console.log(`${prefix}sct_instance=${sct.Instance}`);
  const proof = r.RequestedProofToken;
  if (proof && proof.BinarySecret !== undefined) {
    const secret = typeof proof.BinarySecret === 'string' ? proof.BinarySecret : proof.BinarySecret.$value;
    console.log(`${prefix}proof_key=binary_secret`);
    console.log(`${prefix}proof_key_hex=${Buffer.from(secret.trim(), 'base64').toString('hex')}`);
  } else if (proof && proof.EncryptedKey) {
    console.log(`${prefix}proof_key=encrypted_key`);
    // node-soap has no XML Encryption: the key encrypted for our certificate (RSA-OAEP,
    // SHA-1, as the EncryptionMethod says) is opened with Node's own crypto.
    const method = proof.EncryptedKey.EncryptionMethod.attributes.Algorithm;
    console.log(`${prefix}proof_key_method=${method}`);
    const cipher = proof.EncryptedKey.CipherData.CipherValue;
    const key = crypto.privateDecrypt(
      { key: fs.readFileSync(keyFile), padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(String(cipher).trim(), 'base64'),
    );
    console.log(`${prefix}proof_key_hex=${key.toString('hex')}`);
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
