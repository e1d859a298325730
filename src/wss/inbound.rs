//! Inbound processing of the `wsse:Security` header, in document order, into a
//! [`SecuredMessage`]: the record every layer above asks instead of reading raw XML.
//!
//! Decryption replaces an `EncryptedData` by its plaintext and re-parses the document;
//! processing then continues at the same header position in the new tree. Tokens are kept by
//! their key material and Ids, signed and decrypted parts by their element path, so the record
//! stays exact across re-parses. Replay memory is written only after every check has passed,
//! so a refused message changes no state.

use std::collections::HashMap;

use crate::crypto::{self, DigestAlgorithm, SecretBytes};
use crate::pki::Certificate;
use crate::soap::{Envelope, SoapVersion};
use crate::xml::{ns, Document, Limits, NodeId};
use crate::xmlsec::{
    self, base64_decode, decrypt_data, decrypt_key, replace_encrypted_data, EncryptedData,
    EncryptedKey, EncryptedType, KeyEncryptionKey, ReferenceResolver, Signature, VerificationKey,
};

use super::context::{CertificateRef, Clock, KeyResolver, ReplayGuard};
use super::time;
use super::token_ref::{value_type as vt, TokenReference};
use super::Error;

/// What inbound processing accepts. `Default` requires a fresh Timestamp, refuses bare key
/// values, and admits the algorithms of the [`Suite::Compatible`](xmlsec::Suite::Compatible)
/// suite (`xmlsec`; the engine sets it to the union of its realms' suites).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct InboundConfig {
    /// A `wsu:Timestamp` must be present (a UsernameToken with Nonce and Created, both
    /// checked, counts as the same freshness evidence). Default: true.
    pub require_timestamp: bool,
    /// Allowed clock difference in seconds. Default: 300.
    pub clock_skew_secs: i64,
    /// Maximum age of a Timestamp or UsernameToken `Created`, in seconds. Default: 300.
    pub max_age_secs: i64,
    /// XML-DSig / XML-Enc policy: the algorithm suites admitted and the structural limits.
    /// Default: [`xmlsec::Policy::default`] (the `compatible` suite).
    pub xmlsec: xmlsec::Policy,
    /// Parser limits for documents re-parsed after decryption.
    pub limits: Limits,
    /// Accept a bare `ds:KeyValue` as the signing key (BSP R5417 forbids it; it binds no
    /// identity). Default: false.
    pub danger_allow_key_value: bool,
    /// Minimum derived key length in bytes. Default: 16.
    pub min_derived_key_len: usize,
    /// Maximum `Offset + Length` of a derived key in bytes. Default: 1024.
    pub max_derived_key_end: usize,
}

impl Default for InboundConfig {
    fn default() -> Self {
        Self {
            require_timestamp: true,
            clock_skew_secs: 300,
            max_age_secs: 300,
            xmlsec: xmlsec::Policy::default(),
            limits: Limits::default(),
            danger_allow_key_value: false,
            min_derived_key_len: 16,
            max_derived_key_end: 1024,
        }
    }
}

/// Everything the receiver needs besides the message.
#[derive(Clone, Copy)]
pub struct Environment<'a> {
    /// The time.
    pub clock: &'a dyn Clock,
    /// Replay memory.
    pub replay: &'a dyn ReplayGuard,
    /// Keys, certificates and contexts.
    pub keys: &'a dyn KeyResolver,
}

/// A path of element-child positions from the document element (the document element is the
/// empty path). Stable across re-parses that replace one subtree elsewhere.
type Path = Vec<u32>;

fn path_of(doc: &Document, mut node: NodeId) -> Path {
    let mut p = Vec::new();
    while let Some(parent) = doc.parent_element(node) {
        let idx = doc
            .child_elements(parent)
            .position(|c| c == node)
            .unwrap_or(0);
        p.push(idx as u32);
        node = parent;
    }
    p.reverse();
    p
}

fn node_at(doc: &Document, path: &[u32]) -> Option<NodeId> {
    let mut n = doc.root();
    for &i in path {
        n = doc.child_elements(n).nth(i as usize)?;
    }
    Some(n)
}

/// The key that made a signature.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SigningToken {
    /// An X.509 certificate (validated against the trust store).
    X509(Certificate),
    /// A bare RSA key from `ds:KeyValue` (only with `danger_allow_key_value`).
    KeyValue,
    /// A symmetric key.
    Symmetric {
        /// Where the key came from.
        source: KeySource,
    },
}

/// Where a symmetric key came from.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum KeySource {
    /// An EncryptedKey addressed to us (its EncryptedKeySHA1, base64).
    EncryptedKey {
        /// base64(SHA-1(wrapped key octets)).
        sha1: String,
    },
    /// A security context token.
    SecurityContext {
        /// `wsc:Identifier`.
        identifier: String,
    },
    /// A key derived (DerivedKeyToken) from another source.
    Derived(Box<Self>),
}

/// A verified signature in the record.
#[derive(Clone, Debug)]
pub struct SignatureRecord {
    /// The key that made it.
    pub token: SigningToken,
    /// The SignatureValue (for SignatureConfirmation).
    pub value: Vec<u8>,
    paths: Vec<Path>,
    whole_document: bool,
    signature_path: Path,
}

/// A UsernameToken as received; the password is checked by the engine.
#[derive(Clone, Debug)]
pub struct UsernameTokenInfo {
    /// The user name.
    pub username: String,
    /// The password value (text, or the base64 digest).
    pub password: Option<SecretBytes>,
    /// True for PasswordDigest.
    pub digest: bool,
    /// The nonce octets.
    pub nonce: Option<Vec<u8>>,
    /// `wsu:Created` as written.
    pub created: Option<String>,
}

impl UsernameTokenInfo {
    /// For PasswordDigest: Base64(SHA-1(nonce + created + password)) compared in constant time.
    pub fn digest_matches(&self, password: &[u8]) -> bool {
        let (Some(nonce), Some(created), Some(given), true) =
            (&self.nonce, &self.created, &self.password, self.digest)
        else {
            return false;
        };
        let mut input = Vec::with_capacity(nonce.len() + created.len() + password.len());
        input.extend_from_slice(nonce);
        input.extend_from_slice(created.as_bytes());
        input.extend_from_slice(password);
        let d = crypto::digest(DigestAlgorithm::Sha1, &input);
        crypto::ct_eq(xmlsec::base64_encode(&d).as_bytes(), given.expose())
    }
}

/// The result of inbound processing.
#[derive(Debug)]
pub struct SecuredMessage {
    document: Document,
    version: SoapVersion,
    /// `wsu:Timestamp` Created and Expires (ms), when present.
    pub timestamp: Option<(i64, Option<i64>)>,
    timestamp_path: Option<Path>,
    /// The UsernameToken, when present.
    pub username_token: Option<UsernameTokenInfo>,
    username_token_path: Option<Path>,
    /// Verified signatures in header order.
    pub signatures: Vec<SignatureRecord>,
    /// `wsse11:SignatureConfirmation` values (base64-decoded; empty = "no signature").
    pub signature_confirmations: Vec<Vec<u8>>,
    /// Security context identifiers used by tokens in the header.
    pub security_contexts: Vec<String>,
    /// Symmetric keys of tokens, by Id, for the layers above (proof-of-possession checks).
    symmetric_tokens: Vec<(String, SecretBytes, KeySource)>,
    /// Elements that came out of a decrypted plaintext (whole subtrees).
    encrypted: Vec<Path>,
    has_security_header: bool,
    /// Every algorithm used by the signatures verified, the EncryptedKeys unwrapped and the
    /// EncryptedData decrypted (each admitted by `InboundConfig::xmlsec`).
    algorithms: xmlsec::UsedAlgorithms,
}

impl SecuredMessage {
    /// The (decrypted) document.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The envelope of the document.
    pub fn envelope(&self) -> Result<Envelope<'_>, Error> {
        Envelope::read(&self.document, Some(self.version)).map_err(|_| Error::Malformed {
            what: "envelope changed by decryption",
        })
    }

    /// True when a `wsse:Security` header for us was present.
    pub fn has_security_header(&self) -> bool {
        self.has_security_header
    }

    /// True when `node` lies in a subtree covered by signature `sig` (and outside it).
    pub fn signed_by(&self, sig: &SignatureRecord, node: NodeId) -> bool {
        let doc = &self.document;
        if let Some(s) = node_at(doc, &sig.signature_path) {
            if doc.is_ancestor_or_self(s, node) {
                return false;
            }
        }
        sig.whole_document
            || sig
                .paths
                .iter()
                .filter_map(|p| node_at(doc, p))
                .any(|n| doc.is_ancestor_or_self(n, node))
    }

    /// True when some verified signature covers `node`.
    pub fn is_signed(&self, node: NodeId) -> bool {
        self.signatures.iter().any(|s| self.signed_by(s, node))
    }

    /// The signature covering `node`, if any (the first in header order).
    pub fn signature_over(&self, node: NodeId) -> Option<&SignatureRecord> {
        self.signatures.iter().find(|s| self.signed_by(s, node))
    }

    /// True when `node` is or lies in a part that arrived encrypted.
    pub fn was_encrypted(&self, node: NodeId) -> bool {
        let doc = &self.document;
        self.encrypted
            .iter()
            .any(|p| node_at(doc, p).is_some_and(|n| doc.is_ancestor_or_self(n, node)))
    }

    /// The `wsu:Timestamp` element.
    pub fn timestamp_node(&self) -> Option<NodeId> {
        self.timestamp_path
            .as_ref()
            .and_then(|p| node_at(&self.document, p))
    }

    /// The key of an `xenc:EncryptedKey` addressed to us, by its EncryptedKeySHA1 (base64).
    pub fn encrypted_key(&self, sha1: &str) -> Option<&SecretBytes> {
        self.symmetric_tokens
            .iter()
            .find(|(_, _, s)| matches!(s, KeySource::EncryptedKey { sha1: h } if h == sha1))
            .map(|(_, k, _)| k)
    }

    /// The `wsse:UsernameToken` element (for "is it signed, was it encrypted" checks).
    pub fn username_token_node(&self) -> Option<NodeId> {
        self.username_token_path
            .as_ref()
            .and_then(|p| node_at(&self.document, p))
    }

    /// The `ds:Signature` element of a record.
    pub fn signature_node(&self, sig: &SignatureRecord) -> Option<NodeId> {
        node_at(&self.document, &sig.signature_path)
    }

    /// Every algorithm the security header's processing used: signature methods, c14n and
    /// digests of each verified signature, the key transport of each EncryptedKey unwrapped,
    /// the content encryption of each EncryptedData decrypted. Those the policy's suites did
    /// not admit were refused already; a caller that knows which suite applies (the engine,
    /// once the realm is resolved) checks them against it.
    pub fn algorithms(&self) -> &xmlsec::UsedAlgorithms {
        &self.algorithms
    }

    /// The symmetric key of a token in the header by its Id (EncryptedKey, SCT, DKT).
    pub fn symmetric_key(&self, id: &str) -> Option<(&SecretBytes, &KeySource)> {
        self.symmetric_tokens
            .iter()
            .find(|(i, _, _)| i == id)
            .map(|(_, k, s)| (k, s))
    }
}

#[derive(Clone, Debug)]
enum Token {
    X509(Certificate),
    Symmetric(SecretBytes, KeySource),
}

struct State<'e> {
    cfg: &'e InboundConfig,
    env: Environment<'e>,
    now: i64,
    by_id: HashMap<String, Token>,
    ek_by_sha1: Vec<(String, SecretBytes)>,
    sct_by_identifier: Vec<(String, SecretBytes)>,
    out: SecuredMessage,
}

/// Finds the single `wsse:Security` header addressed to us.
fn security_header(doc: &Document, version: SoapVersion) -> Result<Option<NodeId>, Error> {
    let env = Envelope::read(doc, Some(version)).map_err(|_| Error::Malformed {
        what: "not a soap envelope",
    })?;
    let mut found = None;
    for b in env.headers_named(ns::WSSE, "Security") {
        if !b.targets_us {
            continue;
        }
        if found.is_some() {
            return Err(Error::SecurityHeader);
        }
        found = Some(b.node);
    }
    Ok(found)
}

/// Processes the security header of `doc` (an envelope of `version`).
pub fn process(
    doc: Document,
    version: SoapVersion,
    cfg: &InboundConfig,
    env: Environment<'_>,
) -> Result<SecuredMessage, Error> {
    let now = env.clock.now_ms();
    let mut st = State {
        cfg,
        env,
        now,
        by_id: HashMap::new(),
        ek_by_sha1: Vec::new(),
        sct_by_identifier: Vec::new(),
        out: SecuredMessage {
            document: doc,
            version,
            timestamp: None,
            timestamp_path: None,
            username_token_path: None,
            username_token: None,
            signatures: Vec::new(),
            signature_confirmations: Vec::new(),
            security_contexts: Vec::new(),
            symmetric_tokens: Vec::new(),
            encrypted: Vec::new(),
            has_security_header: false,
            algorithms: xmlsec::UsedAlgorithms::default(),
        },
    };
    // BinarySecurityTokens only carry certificates: register them all first, so a signature
    // that precedes its token (zeep's BinarySignature does this) can name it.
    if let Some(sec) = security_header(&st.out.document, version)? {
        let bsts: Vec<NodeId> = st
            .out
            .document
            .children_named(sec, ns::WSSE, "BinarySecurityToken")
            .collect();
        for b in bsts {
            st.binary_security_token(b)?;
        }
    }
    let mut index = 0usize;
    while let Some(sec) = security_header(&st.out.document, version)? {
        st.out.has_security_header = true;
        let Some(item) = st.out.document.child_elements(sec).nth(index) else {
            break;
        };
        st.item(item)?;
        index += 1;
    }
    let doc = &st.out.document;
    if doc.has_duplicate_ids() {
        return Err(Error::XmlSec(xmlsec::Error::DuplicateId));
    }
    // Freshness evidence: a Timestamp, or a UsernameToken whose Nonce and Created were checked
    // (zeep sends digest tokens without a Timestamp; the nonce gives the same replay guard).
    let ut_fresh = st
        .out
        .username_token
        .as_ref()
        .is_some_and(|u| u.nonce.is_some() && u.created.is_some());
    if cfg.require_timestamp && st.out.timestamp.is_none() && !ut_fresh {
        return Err(Error::Timestamp { what: "missing" });
    }
    // Replay memory last: only a message that passed every check is remembered.
    let horizon = st
        .out
        .timestamp
        .and_then(|(_, e)| e)
        .unwrap_or(now + cfg.max_age_secs * 1000)
        + cfg.clock_skew_secs * 1000;
    let mut keys: Vec<Vec<u8>> = Vec::new();

    if let Some(nonce) = st
        .out
        .username_token
        .as_ref()
        .and_then(|u| u.nonce.as_ref())
    {
        let mut k = b"wss-nonce:".to_vec();
        k.extend_from_slice(&crypto::digest(DigestAlgorithm::Sha256, nonce));
        keys.push(k);
    }
    for s in &st.out.signatures {
        let mut k = b"wss-sig:".to_vec();
        k.extend_from_slice(&crypto::digest(DigestAlgorithm::Sha256, &s.value));
        keys.push(k);
    }
    // A message naming the same key twice (a duplicated signature) is refused before anything
    // is recorded; what was inserted is taken back if a later key is a replay, so a refused
    // message leaves no trace.
    keys.sort();
    let before = keys.len();
    keys.dedup();
    if keys.len() != before {
        return Err(Error::Malformed {
            what: "the same signature or nonce twice in one message",
        });
    }
    for (i, k) in keys.iter().enumerate() {
        if !env.replay.check_and_insert(k, horizon) {
            for done in keys.iter().take(i) {
                env.replay.forget(done);
            }
            return Err(Error::Replay);
        }
    }
    Ok(st.out)
}

impl State<'_> {
    fn doc(&self) -> &Document {
        &self.out.document
    }

    fn item(&mut self, item: NodeId) -> Result<(), Error> {
        let name = self.doc().name(item);
        match (name.ns, name.local) {
            (ns::WSU, "Timestamp") => self.timestamp(item),
            (ns::WSSE, "UsernameToken") => self.username_token(item),
            // Registered before the in-order pass.
            (ns::WSSE, "BinarySecurityToken") => Ok(()),
            (ns::XENC, "EncryptedKey") => self.encrypted_key(item),
            (ns::XENC, "ReferenceList") => {
                let refs = data_references(self.doc(), item);
                self.decrypt_references(&refs, None)
            }
            (ns::XENC, "EncryptedData") => Err(Error::Malformed {
                what: "encrypted header block no reference list decrypts",
            }),
            (ns::DS, "Signature") => self.signature(item),
            (ns::WSC13 | ns::WSC_2005, "SecurityContextToken") => self.security_context(item),
            (ns::WSC13 | ns::WSC_2005, "DerivedKeyToken") => self.derived_key(item),
            (ns::WSSE11, "SignatureConfirmation") => {
                let v = match self.doc().attribute(item, "", "Value") {
                    None => Vec::new(),
                    Some(v) => base64_decode(v).ok_or(Error::Malformed {
                        what: "SignatureConfirmation value",
                    })?,
                };
                self.out.signature_confirmations.push(v);
                Ok(())
            }
            // SAML assertions and other tokens are recorded by the layers that use them.
            _ => Ok(()),
        }
    }

    fn check_created(
        &self,
        created: i64,
        what_future: &'static str,
        what_old: &'static str,
    ) -> Result<(), Error> {
        let skew = self.cfg.clock_skew_secs * 1000;
        if created > self.now + skew {
            return Err(Error::Timestamp { what: what_future });
        }
        if self.now - created > self.cfg.max_age_secs * 1000 + skew {
            return Err(Error::Timestamp { what: what_old });
        }
        Ok(())
    }

    fn timestamp(&mut self, item: NodeId) -> Result<(), Error> {
        let doc = self.doc();
        let created = doc
            .child(item, ns::WSU, "Created")
            .and_then(|c| time::parse(&doc.text(c)))
            .ok_or(Error::Timestamp {
                what: "missing or bad Created",
            })?;
        let expires = match doc.child(item, ns::WSU, "Expires") {
            None => None,
            Some(e) => Some(time::parse(&doc.text(e)).ok_or(Error::Timestamp {
                what: "bad Expires",
            })?),
        };
        self.check_created(created, "created in the future", "too old")?;
        if let Some(e) = expires {
            if e < created {
                return Err(Error::Timestamp {
                    what: "expires before created",
                });
            }
            if e + self.cfg.clock_skew_secs * 1000 < self.now {
                return Err(Error::Timestamp { what: "expired" });
            }
        }
        // BSP R3227 allows one Timestamp; node-soap with WSSecurity + WSSecurityCert sends two
        // with equal values. A repeat is tolerated only when it says exactly the same.
        if let Some(first) = self.out.timestamp {
            if first != (created, expires) {
                return Err(Error::Timestamp {
                    what: "two timestamps that disagree",
                });
            }
            return Ok(());
        }
        self.out.timestamp = Some((created, expires));
        self.out.timestamp_path = Some(path_of(self.doc(), item));
        Ok(())
    }

    fn username_token(&mut self, item: NodeId) -> Result<(), Error> {
        if self.out.username_token.is_some() {
            return Err(Error::Malformed {
                what: "two username tokens",
            });
        }
        let doc = self.doc();
        let username = doc
            .child(item, ns::WSSE, "Username")
            .map(|u| doc.text(u).trim().to_owned())
            .filter(|u| !u.is_empty())
            .ok_or(Error::Malformed { what: "Username" })?;
        let pw = doc.child(item, ns::WSSE, "Password");
        let digest = match pw.and_then(|p| doc.attribute(p, "", "Type")).map(str::trim) {
            None | Some(vt::PASSWORD_TEXT) => false,
            Some(vt::PASSWORD_DIGEST) => true,
            Some(_) => {
                return Err(Error::UnsupportedToken {
                    what: "password type",
                })
            }
        };
        let password = pw.map(|p| SecretBytes::new(doc.text(p).as_bytes().to_vec()));
        let nonce = match doc.child(item, ns::WSSE, "Nonce") {
            None => None,
            Some(n) => Some(base64_decode(&doc.text(n)).ok_or(Error::Malformed { what: "Nonce" })?),
        };
        let created = doc
            .child(item, ns::WSU, "Created")
            .map(|c| doc.text(c).trim().to_owned());
        if digest && (nonce.is_none() || created.is_none()) {
            return Err(Error::Malformed {
                what: "password digest without nonce and created",
            });
        }
        if let Some(c) = &created {
            let t = time::parse(c).ok_or(Error::Malformed { what: "Created" })?;
            self.check_created(
                t,
                "username token created in the future",
                "username token too old",
            )?;
        }
        self.out.username_token = Some(UsernameTokenInfo {
            username,
            password,
            digest,
            nonce,
            created,
        });
        self.out.username_token_path = Some(path_of(self.doc(), item));
        Ok(())
    }

    fn binary_security_token(&mut self, item: NodeId) -> Result<(), Error> {
        let doc = self.doc();
        let vt_ = doc.attribute(item, "", "ValueType").unwrap_or("").trim();
        if vt_ != vt::X509V3 {
            return Err(Error::UnsupportedToken {
                what: "binary security token value type",
            });
        }
        if let Some(enc) = doc.attribute(item, "", "EncodingType") {
            if enc.trim() != vt::BASE64 {
                return Err(Error::UnsupportedToken {
                    what: "binary security token encoding",
                });
            }
        }
        let der = base64_decode(&doc.text(item)).ok_or(Error::Malformed {
            what: "BinarySecurityToken",
        })?;
        let cert = Certificate::from_der(&der).map_err(|_| Error::UnsupportedToken {
            what: "certificate",
        })?;
        let id = doc.id_of(item).map(str::to_owned);
        if let Some(id) = id {
            self.by_id.insert(id, Token::X509(cert));
        }
        Ok(())
    }

    /// The certificate a STR names.
    fn certificate_for(&self, r: &TokenReference) -> Result<Certificate, Error> {
        let unavailable = Error::TokenUnavailable {
            what: "certificate",
        };
        match r {
            TokenReference::Reference { uri, .. } => {
                let id = uri.strip_prefix('#').ok_or(Error::TokenUnavailable {
                    what: "non-local certificate reference",
                })?;
                match self.by_id.get(id) {
                    Some(Token::X509(c)) => Ok(c.clone()),
                    _ => Err(unavailable),
                }
            }
            TokenReference::KeyIdentifier { value_type, value } => match value_type.as_str() {
                vt::X509V3 => {
                    let der = TokenReference::key_identifier_bytes(value)?;
                    Certificate::from_der(&der).map_err(|_| unavailable)
                }
                vt::X509_SKI => self
                    .env
                    .keys
                    .certificate(&CertificateRef::SubjectKeyId(
                        TokenReference::key_identifier_bytes(value)?,
                    ))
                    .ok_or(unavailable),
                vt::THUMBPRINT_SHA1 => self
                    .env
                    .keys
                    .certificate(&CertificateRef::ThumbprintSha1(
                        TokenReference::key_identifier_bytes(value)?,
                    ))
                    .ok_or(unavailable),
                _ => Err(Error::UnsupportedToken {
                    what: "key identifier type for a certificate",
                }),
            },
            TokenReference::IssuerSerial { issuer, serial } => self
                .env
                .keys
                .certificate(&CertificateRef::IssuerSerial {
                    issuer: issuer.clone(),
                    serial: serial.clone(),
                })
                .ok_or(unavailable),
        }
    }

    /// The SecurityTokenReference inside a KeyInfo (`what` names the refusal otherwise).
    fn key_info_reference(
        &self,
        key_info: NodeId,
        what: &'static str,
    ) -> Result<TokenReference, Error> {
        let s = self
            .doc()
            .child(key_info, ns::WSSE, "SecurityTokenReference")
            .ok_or(Error::UnsupportedToken { what })?;
        TokenReference::read(self.doc(), s)
    }

    fn encrypted_key(&mut self, item: NodeId) -> Result<(), Error> {
        let ek = EncryptedKey::read(self.doc(), item)?;
        let ki = ek.key_info.ok_or(Error::TokenUnavailable {
            what: "encrypted key without key info",
        })?;
        let r = self.key_info_reference(ki, "encrypted key recipient reference")?;
        let cert = self.certificate_for(&r)?;
        let pk = self
            .env
            .keys
            .private_key(&cert)
            .ok_or(Error::TokenUnavailable {
                what: "no private key for the encrypted key's recipient",
            })?;
        let key = decrypt_key(&ek, KeyEncryptionKey::Rsa(&pk), &self.cfg.xmlsec)?;
        self.out.algorithms.add(ek.method.algorithm());
        let sha1 = xmlsec::base64_encode(&crypto::digest(DigestAlgorithm::Sha1, &ek.cipher_value));
        let source = KeySource::EncryptedKey { sha1: sha1.clone() };
        if let Some(id) = &ek.id {
            self.by_id
                .insert(id.clone(), Token::Symmetric(key.clone(), source.clone()));
            self.out
                .symmetric_tokens
                .push((id.clone(), key.clone(), source));
        }
        self.ek_by_sha1.push((sha1, key.clone()));
        if !ek.data_references.is_empty() {
            self.decrypt_references(&ek.data_references, Some(&key))?;
        }
        Ok(())
    }

    /// The symmetric key a STR names (EncryptedKey, SCT, DKT).
    fn symmetric_for(&self, r: &TokenReference) -> Result<(SecretBytes, KeySource), Error> {
        match r {
            TokenReference::Reference { uri, value_type } => {
                if let Some(id) = uri.strip_prefix('#') {
                    match self.by_id.get(id) {
                        Some(Token::Symmetric(k, s)) => Ok((k.clone(), s.clone())),
                        Some(Token::X509(_)) => Err(Error::XmlSec(xmlsec::Error::WrongKeyType)),
                        None => Err(Error::TokenUnavailable {
                            what: "referenced token",
                        }),
                    }
                } else if matches!(value_type.as_deref(), Some(vt::SCT_13 | vt::SCT_2005)) {
                    // A context referenced by its identifier (WCF does this).
                    if let Some((_, k)) = self.sct_by_identifier.iter().find(|(i, _)| i == uri) {
                        return Ok((
                            k.clone(),
                            KeySource::SecurityContext {
                                identifier: uri.clone(),
                            },
                        ));
                    }
                    let k = self.env.keys.security_context(uri, None).ok_or(
                        Error::TokenUnavailable {
                            what: "security context",
                        },
                    )?;
                    Ok((
                        k,
                        KeySource::SecurityContext {
                            identifier: uri.clone(),
                        },
                    ))
                } else {
                    Err(Error::TokenUnavailable {
                        what: "non-local reference",
                    })
                }
            }
            TokenReference::KeyIdentifier { value_type, value }
                if value_type == vt::ENCRYPTED_KEY_SHA1 =>
            {
                let want = value.trim();
                self.ek_by_sha1
                    .iter()
                    .find(|(s, _)| crypto::ct_eq(s.as_bytes(), want.as_bytes()))
                    .map(|(s, k)| (k.clone(), KeySource::EncryptedKey { sha1: s.clone() }))
                    .or_else(|| {
                        // A key we sent in an earlier message (a reply encrypted with it).
                        self.env.keys.encrypted_key(want).map(|k| {
                            (
                                k,
                                KeySource::EncryptedKey {
                                    sha1: want.to_owned(),
                                },
                            )
                        })
                    })
                    .ok_or(Error::TokenUnavailable {
                        what: "encrypted key by sha1",
                    })
            }
            _ => Err(Error::UnsupportedToken {
                what: "reference for a symmetric key",
            }),
        }
    }

    fn decrypt_references(
        &mut self,
        refs: &[String],
        key: Option<&SecretBytes>,
    ) -> Result<(), Error> {
        for r in refs {
            let id = r.strip_prefix('#').ok_or(Error::Malformed {
                what: "data reference is not local",
            })?;
            let node = self
                .doc()
                .element_by_id(id)
                .map_err(|_| xmlsec::Error::DuplicateId)?
                .ok_or(Error::TokenUnavailable {
                    what: "encrypted data",
                })?;
            let ed = EncryptedData::read(self.doc(), node)?;
            let content_key = match key {
                Some(k) => k.clone(),
                None => {
                    let ki = ed.key_info.ok_or(Error::TokenUnavailable {
                        what: "encrypted data without key",
                    })?;
                    let r = self.key_info_reference(ki, "encrypted data key reference")?;
                    self.symmetric_for(&r)?.0
                }
            };
            let plain = decrypt_data(&ed, content_key.expose(), &self.cfg.xmlsec)?;
            self.out
                .algorithms
                .add(xmlsec::Algorithm::DataEncryption(ed.method));
            let parent_path = path_of(
                self.doc(),
                self.doc().parent_element(node).ok_or(Error::Malformed {
                    what: "encrypted document element",
                })?,
            );
            let shifts_from = match ed.kind {
                EncryptedType::Element => None,
                EncryptedType::Content => Some(parent_path),
                EncryptedType::Data => {
                    return Err(Error::Malformed {
                        what: "encrypted data of no element or content type",
                    })
                }
            };
            // Paths recorded inside a parent whose content changes shape would be stale.
            if let Some(pp) = shifts_from {
                let stale = |p: &Path| p.len() > pp.len() && p.starts_with(&pp);
                if self
                    .out
                    .signatures
                    .iter()
                    .any(|s| s.paths.iter().any(stale) || stale(&s.signature_path))
                    || self.out.timestamp_path.as_ref().is_some_and(stale)
                    || self.out.username_token_path.as_ref().is_some_and(stale)
                    || self.out.encrypted.iter().any(stale)
                {
                    return Err(Error::Policy {
                        what: "signature inside content that was decrypted later",
                    });
                }
            }
            let replaced =
                replace_encrypted_data(self.doc(), &ed, plain.expose(), &self.cfg.limits)?;
            self.out.document = replaced.document;
            // Record exactly the elements that came out of the plaintext: for Content type
            // the parent's other children did not.
            let region = replaced.region;
            let doc = &self.out.document;
            let top: Vec<Path> = doc
                .descendants_or_self(doc.root())
                .filter(|n| {
                    let sp = doc.span(*n);
                    doc.is_element(*n)
                        && sp.start >= region.start
                        && sp.end <= region.end
                        && doc
                            .parent_element(*n)
                            .is_none_or(|p| doc.span(p).start < region.start)
                })
                .map(|n| path_of(doc, n))
                .collect();
            self.out.encrypted.extend(top);
        }
        Ok(())
    }

    fn security_context(&mut self, item: NodeId) -> Result<(), Error> {
        let doc = self.doc();
        let sc_ns = doc.name(item).ns;
        let identifier = doc
            .child(item, sc_ns, "Identifier")
            .map(|i| doc.text(i).trim().to_owned())
            .ok_or(Error::Malformed {
                what: "SCT Identifier",
            })?;
        let instance = doc
            .child(item, sc_ns, "Instance")
            .map(|i| doc.text(i).trim().to_owned());
        let id = doc.id_of(item).map(str::to_owned);
        let key = self
            .env
            .keys
            .security_context(&identifier, instance.as_deref())
            .ok_or(Error::TokenUnavailable {
                what: "security context",
            })?;
        let source = KeySource::SecurityContext {
            identifier: identifier.clone(),
        };
        if let Some(id) = id {
            self.by_id
                .insert(id.clone(), Token::Symmetric(key.clone(), source.clone()));
            self.out.symmetric_tokens.push((id, key.clone(), source));
        }
        self.sct_by_identifier.push((identifier.clone(), key));
        self.out.security_contexts.push(identifier);
        Ok(())
    }

    fn derived_key(&mut self, item: NodeId) -> Result<(), Error> {
        let doc = self.doc();
        let sc_ns = doc.name(item).ns;
        if let Some(a) = doc.attribute(item, "", "Algorithm") {
            if !matches!(a.trim(), vt::DK_PSHA1_13 | vt::DK_PSHA1_2005) {
                return Err(Error::UnsupportedToken {
                    what: "derivation algorithm",
                });
            }
        }
        let str_node =
            doc.child(item, ns::WSSE, "SecurityTokenReference")
                .ok_or(Error::Malformed {
                    what: "DerivedKeyToken base",
                })?;
        let r = TokenReference::read(doc, str_node)?;
        let num = |local: &str| -> Result<Option<usize>, Error> {
            match doc.child(item, sc_ns, local) {
                None => Ok(None),
                Some(n) => doc
                    .text(n)
                    .trim()
                    .parse::<usize>()
                    .map(Some)
                    .map_err(|_| Error::DerivedKey { what: "number" }),
            }
        };
        let length = num("Length")?.unwrap_or(32);
        let offset = match (num("Offset")?, num("Generation")?) {
            (Some(_), Some(_)) => {
                return Err(Error::DerivedKey {
                    what: "both offset and generation",
                })
            }
            (Some(o), None) => o,
            (None, Some(g)) => g
                .checked_mul(length)
                .ok_or(Error::DerivedKey { what: "generation" })?,
            (None, None) => 0,
        };
        if length < self.cfg.min_derived_key_len {
            return Err(Error::DerivedKey {
                what: "key shorter than 128 bits",
            });
        }
        if offset
            .checked_add(length)
            .is_none_or(|e| e > self.cfg.max_derived_key_end)
        {
            return Err(Error::DerivedKey {
                what: "offset and length too large",
            });
        }
        let label = doc
            .child(item, sc_ns, "Label")
            .map(|l| doc.text(l).into_owned())
            .unwrap_or_else(|| "WS-SecureConversationWS-SecureConversation".to_owned());
        let nonce = doc
            .child(item, sc_ns, "Nonce")
            .and_then(|n| base64_decode(&doc.text(n)))
            .ok_or(Error::DerivedKey {
                what: "missing nonce",
            })?;
        let id = doc.id_of(item).map(str::to_owned);
        let (base, source) = self.symmetric_for(&r)?;
        let mut seed = label.into_bytes();
        seed.extend_from_slice(&nonce);
        let key = crypto::psha1_at(base.expose(), &seed, offset, length)
            .map_err(|_| Error::DerivedKey { what: "derivation" })?;
        let source = KeySource::Derived(Box::new(source));
        if let Some(id) = id {
            self.by_id
                .insert(id.clone(), Token::Symmetric(key.clone(), source.clone()));
            self.out.symmetric_tokens.push((id, key, source));
        }
        Ok(())
    }

    fn signature(&mut self, item: NodeId) -> Result<(), Error> {
        let sig = Signature::read(self.doc(), item, &self.cfg.xmlsec)?;
        let ki = sig.key_info.ok_or(Error::TokenUnavailable {
            what: "signature without key info",
        })?;
        let doc = self.doc();
        let resolver = StrResolver;
        let (record_token, verified) = if let Some(s) =
            doc.child(ki, ns::WSSE, "SecurityTokenReference")
        {
            let r = TokenReference::read(doc, s)?;
            let is_cert = match &r {
                TokenReference::Reference { uri, .. } => uri
                    .strip_prefix('#')
                    .is_some_and(|id| matches!(self.by_id.get(id), Some(Token::X509(_)))),
                TokenReference::KeyIdentifier { value_type, .. } => {
                    matches!(
                        value_type.as_str(),
                        vt::X509V3 | vt::X509_SKI | vt::THUMBPRINT_SHA1
                    )
                }
                TokenReference::IssuerSerial { .. } => true,
            };
            if is_cert {
                let cert = self.certificate_for(&r)?;
                self.env.keys.validate(&cert, self.now / 1000)?;
                let v = xmlsec::verify(
                    doc,
                    &sig,
                    VerificationKey::Rsa(cert.public_key()),
                    &self.cfg.xmlsec,
                    &resolver,
                )?;
                (SigningToken::X509(cert), v)
            } else {
                let (key, source) = self.symmetric_for(&r)?;
                let v = xmlsec::verify(
                    doc,
                    &sig,
                    VerificationKey::Hmac(key.expose()),
                    &self.cfg.xmlsec,
                    &resolver,
                )?;
                (SigningToken::Symmetric { source }, v)
            }
        } else if let Some(x509) = doc.child(ki, ns::DS, "X509Data") {
            let ders = xmlsec::x509_certificates(doc, ki)?;
            let cert = match ders.first() {
                Some(der) => Certificate::from_der(der).map_err(|_| Error::UnsupportedToken {
                    what: "certificate",
                })?,
                None => self.x509_data_reference(x509)?,
            };
            self.env.keys.validate(&cert, self.now / 1000)?;
            let v = xmlsec::verify(
                doc,
                &sig,
                VerificationKey::Rsa(cert.public_key()),
                &self.cfg.xmlsec,
                &resolver,
            )?;
            (SigningToken::X509(cert), v)
        } else if doc.child(ki, ns::DS, "KeyValue").is_some() {
            if !self.cfg.danger_allow_key_value {
                return Err(Error::UnsupportedToken {
                    what: "bare KeyValue (BSP R5417)",
                });
            }
            let key = xmlsec::rsa_key_value(doc, ki)?
                .ok_or(Error::UnsupportedToken { what: "KeyValue" })?;
            let v = xmlsec::verify(
                doc,
                &sig,
                VerificationKey::Rsa(&key),
                &self.cfg.xmlsec,
                &resolver,
            )?;
            (SigningToken::KeyValue, v)
        } else {
            return Err(Error::UnsupportedToken {
                what: "key info (RetrievalMethod, KeyName and others)",
            });
        };
        let whole_document = verified
            .signed_nodes()
            .iter()
            .any(|s| s.is_whole_document());
        let paths = verified
            .signed_nodes()
            .iter()
            .filter(|s| !s.is_whole_document())
            .map(|s| path_of(doc, s.node()))
            .collect();
        let signature_path = path_of(doc, item);
        self.out.algorithms.extend(verified.algorithms());
        self.out.signatures.push(SignatureRecord {
            token: record_token,
            value: verified.value().to_vec(),
            paths,
            whole_document,
            signature_path,
        });
        Ok(())
    }
}

impl State<'_> {
    /// A certificate named in `ds:X509Data` by IssuerSerial or SKI (not carried inline).
    fn x509_data_reference(&self, x509: NodeId) -> Result<Certificate, Error> {
        let doc = self.doc();
        if let Some(is) = doc.child(x509, ns::DS, "X509IssuerSerial") {
            let text = |local: &str| {
                doc.child(is, ns::DS, local)
                    .map(|n| doc.text(n).trim().to_owned())
                    .ok_or(Error::Malformed {
                        what: "X509IssuerSerial",
                    })
            };
            let r = TokenReference::IssuerSerial {
                issuer: text("X509IssuerName")?,
                serial: text("X509SerialNumber")?,
            };
            return self.certificate_for(&r);
        }
        if let Some(ski) = doc.child(x509, ns::DS, "X509SKI") {
            let r = TokenReference::KeyIdentifier {
                value_type: vt::X509_SKI.to_owned(),
                value: doc.text(ski).trim().to_owned(),
            };
            return self.certificate_for(&r);
        }
        Err(Error::UnsupportedToken {
            what: "X509Data without certificate, issuer-serial or ski",
        })
    }
}

fn data_references(doc: &Document, list: NodeId) -> Vec<String> {
    doc.children_named(list, ns::XENC, "DataReference")
        .filter_map(|d| doc.attribute(d, "", "URI").map(str::to_owned))
        .collect()
}

/// STR-Transform dereferencing for local tokens (by `#id`, or a SAML assertion by id).
struct StrResolver;

impl ReferenceResolver for StrResolver {
    fn dereference_token(&self, doc: &Document, str_node: NodeId) -> Option<NodeId> {
        match TokenReference::read(doc, str_node).ok()? {
            TokenReference::Reference { uri, .. } => {
                doc.element_by_id(uri.strip_prefix('#')?).ok()?
            }
            TokenReference::KeyIdentifier { value_type, value }
                if value_type == vt::SAML_ASSERTION_ID || value_type == vt::SAML_ID =>
            {
                doc.element_by_id(&value).ok()?
            }
            _ => None,
        }
    }
}
