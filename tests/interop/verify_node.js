// Independent Node checks of a response wstrust emitted (run by tests/it/interop_verifiers.rs).
//
// usage: node verify_node.js RESPONSE PKI [CLIENT_ENTROPY_B64]
//
// With xml-crypto: the envelope signature in wsse:Security (wsu:Id references) verifies with
// PKI/sts.pem; so does the enveloped signature of the SecurityContextToken's issuer key
// (wsx:IssuerKey, checked as the document of its own the STS signed); the issuer key then
// decrypts with PKI/rp.key and the SCT's enveloped HMAC-SHA256 signature verifies with it
// (xml-crypto knows HMAC-SHA1 only: HMAC-SHA256 is added below with Node's crypto).
// With xml-encryption: every EncryptedKey for the requester decrypts with PKI/client.key, the
// SCT's EncryptedKey with PKI/rp.key, and the requester's key (proof key, or
// P_SHA1(client entropy, server entropy)) equals the service's key.
// Prints key=value facts; exits non-zero on the first failed check.
'use strict';

const fs = require('fs');
const crypto = require('crypto');
const { DOMParser, XMLSerializer } = require('@xmldom/xmldom');
const xpath = require('xpath');
const { SignedXml } = require('xml-crypto');
const xmlenc = require('xml-encryption');

const NS = {
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
};
const select = xpath.useNamespaces(NS);
const TRUST = ['http://docs.oasis-open.org/ws-sx/ws-trust/200512', 'http://schemas.xmlsoap.org/ws/2005/02/trust'];
const WSX = ['urn:wstrust:ext:2026'];
const HMAC_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256';
const SC = ['http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512', 'http://schemas.xmlsoap.org/ws/2005/02/sc'];

function fail(what) {
  process.stderr.write('FAILED: ' + what + '\n');
  process.exit(1);
}

function check(ok, what) {
  if (!ok) fail(what);
}

function byName(root, nsList, local) {
  for (const ns of nsList) {
    const found = select(`//*[local-name()='${local}' and namespace-uri()='${ns}']`, root);
    if (found.length) return found;
  }
  return [];
}

function child(el, nsList, local) {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && n.localName === local && nsList.includes(n.namespaceURI)) return n;
  }
  return null;
}

// P_SHA-1 (RFC 2246 section 5); WS-Trust 1.3 section 4.4.4: key = P_SHA1(EntREQ, EntRES).
function psha1(secret, seed, length) {
  let out = Buffer.alloc(0);
  let a = seed;
  while (out.length < length) {
    a = crypto.createHmac('sha1', secret).update(a).digest();
    out = Buffer.concat([out, crypto.createHmac('sha1', secret).update(Buffer.concat([a, seed])).digest()]);
  }
  return out.subarray(0, length);
}

function verifySignature(xml, sigNode, cert) {
  const sig = new SignedXml({ publicCert: cert, getCertFromKeyInfo: () => null });
  sig.loadSignature(sigNode);
  const ok = sig.checkSignature(xml);
  check(ok, 'xml-crypto: signature verifies');
  return sig;
}

// HMAC-SHA256 (RFC 4051) for xml-crypto, which ships HMAC-SHA1 only.
class HmacSha256 {
  getSignature(signedInfo, key) {
    return crypto.createHmac('sha256', key).update(signedInfo).digest('base64');
  }

  verifySignature(material, key, signatureValue) {
    const mine = crypto.createHmac('sha256', key).update(material).digest();
    const theirs = Buffer.from(signatureValue, 'base64');
    return mine.length === theirs.length && crypto.timingSafeEqual(mine, theirs);
  }

  getAlgorithmName() {
    return HMAC_SHA256;
  }
}

function verifyHmac(xml, sigNode, key) {
  const sig = new SignedXml({ publicCert: key, getCertFromKeyInfo: () => null });
  sig.enableHMAC();
  sig.SignatureAlgorithms = { [HMAC_SHA256]: HmacSha256 };
  sig.loadSignature(sigNode);
  check(sig.checkSignature(xml), 'xml-crypto: hmac signature verifies');
  return sig;
}

// xml-encryption reads the EncryptedKey of a KeyInfo: hand it each EncryptedKey that way.
function decryptKey(ekNode, keyPem) {
  const ek = new XMLSerializer().serializeToString(ekNode);
  const wrapped = `<ds:KeyInfo xmlns:ds="${NS.ds}">${ek}</ds:KeyInfo>`;
  const doc = new DOMParser().parseFromString(wrapped, 'text/xml');
  return xmlenc.decryptKeyInfo(doc, { key: keyPem });
}

function main() {
  const [response, pki, entropyB64] = process.argv.slice(2);
  const xml = fs.readFileSync(response, 'utf8');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const stsCert = fs.readFileSync(pki + '/sts.pem', 'utf8');
  const clientKey = fs.readFileSync(pki + '/client.key', 'utf8');
  const rpKey = fs.readFileSync(pki + '/rp.key', 'utf8');

  const envSig = select('//wsse:Security/ds:Signature', doc);
  check(envSig.length === 1, 'one signature in wsse:Security');
  const sig = verifySignature(xml, envSig[0], stsCert);
  const signed = sig.getSignedReferences();
  const refs = select('ds:SignedInfo/ds:Reference', envSig[0]);
  check(signed.length === refs.length, 'xml-crypto: every reference is signed');
  const names = signed.map((s) => new DOMParser().parseFromString(s, 'text/xml').documentElement.localName).sort();
  console.log('signed=' + names.join(','));
  console.log('xml-crypto-envelope-signature=valid');

  let serviceKey = null;
  const scts = byName(doc, SC, 'SecurityContextToken');
  if (scts.length === 1) {
    const sct = scts[0];
    // The issuer key, as the document of its own the STS signed (URI="").
    const ik = child(sct, WSX, 'IssuerKey');
    check(ik !== null, 'an issuer key in the SCT');
    const ikXml = new XMLSerializer().serializeToString(ik);
    const ikDoc = new DOMParser().parseFromString(ikXml, 'text/xml');
    const ikSig = verifySignature(ikXml, child(ikDoc.documentElement, [NS.ds], 'Signature'), stsCert);
    check(ikSig.getSignedReferences().length === 1, 'the issuer key signature has one reference');
    console.log('issuer-key-signature=valid');
    const issuerKey = decryptKey(child(ikDoc.documentElement, [NS.xenc], 'EncryptedKey'), rpKey);
    check(issuerKey.length === 32, 'a 256-bit issuer key');
    // The SCT's own signature: HMAC-SHA256 under the issuer key, over the whole token.
    const sctSig = child(sct, [NS.ds], 'Signature');
    check(sctSig !== null, 'an enveloped signature in the SCT');
    const sctXml = new XMLSerializer().serializeToString(sct);
    const standalone = new DOMParser().parseFromString(sctXml, 'text/xml');
    const s = verifyHmac(sctXml, child(standalone.documentElement, [NS.ds], 'Signature'), issuerKey);
    check(s.getSignedReferences().length === 1, 'the SCT signature has one reference');
    console.log('sct-signature=valid');
    const ek = child(sct, [NS.xenc], 'EncryptedKey');
    serviceKey = decryptKey(ek, rpKey);
    console.log('service-key=' + serviceKey.toString('hex'));
    let opened = false;
    try {
      decryptKey(ek, clientKey);
      opened = true;
    } catch (e) {
      // expected: the requester cannot read the service's copy
    }
    check(!opened, "client.key decrypted the service's key");
  }

  const rstr = byName(doc, TRUST, 'RequestSecurityTokenResponse');
  check(rstr.length === 1, 'one RSTR');
  const r = rstr[0];
  const size = child(r, TRUST, 'KeySize');
  const length = size ? parseInt(size.textContent, 10) / 8 : 32;
  const proof = child(r, TRUST, 'RequestedProofToken');
  const entropy = child(r, TRUST, 'Entropy');
  let key = null;
  if (proof && child(proof, TRUST, 'ComputedKey')) {
    check(entropyB64, 'client entropy given for a computed key');
    let server;
    const ek = child(entropy, [NS.xenc], 'EncryptedKey');
    if (ek) {
      server = decryptKey(ek, clientKey);
      console.log('server-entropy=encrypted-key');
    } else {
      server = Buffer.from(child(entropy, TRUST, 'BinarySecret').textContent, 'base64');
      console.log('server-entropy=binary-secret');
    }
    key = psha1(Buffer.from(entropyB64, 'base64'), server, length);
    console.log('proof=computed-key');
  } else if (proof && child(proof, [NS.xenc], 'EncryptedKey')) {
    key = decryptKey(child(proof, [NS.xenc], 'EncryptedKey'), clientKey);
    console.log('proof=encrypted-key');
  } else if (proof && child(proof, TRUST, 'BinarySecret')) {
    key = Buffer.from(child(proof, TRUST, 'BinarySecret').textContent, 'base64');
    console.log('proof=binary-secret');
  } else if (entropyB64) {
    key = Buffer.from(entropyB64, 'base64');
    console.log('proof=requester-entropy');
  }
  if (key) {
    console.log('key=' + key.toString('hex'));
    if (serviceKey) check(key.equals(serviceKey), 'requester and service hold one key');
  }
  const version = (p) => JSON.parse(fs.readFileSync(require.resolve(p + '/package.json'), 'utf8')).version;
  console.log(`versions=xml-crypto ${version('xml-crypto')}, xml-encryption ${version('xml-encryption')}`);
  console.log('ok');
}

try {
  main();
} catch (e) {
  fail(String(e && e.stack ? e.stack : e));
}
