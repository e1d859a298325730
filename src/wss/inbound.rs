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
use crate::saml::ValidatedAssertion;
use crate::soap::{Envelope, SoapVersion};
use crate::xml::{ns, Document, Limits, NodeId};
use crate::xmlsec::{self, base64_decode};

use super::context::{CertificateRef, Clock, KeyResolver, ReplayGuard};
use super::time;
use super::token_ref::{value_type as vt, TokenReference};
use super::Error;

mod decrypt;
mod freshness;
mod issued;
mod signature;
mod tokens;

use decrypt::data_references;

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
    /// The holder-of-key of a SAML assertion in the security header (its subject confirmation
    /// key, public or symmetric), the assertion validated by [`KeyResolver::issued_token`].
    IssuedToken {
        /// The assertion's `ID` / `AssertionID`.
        id: String,
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

/// A verified signature in the record: only the verifier makes one (its fields are private),
/// so holding one is proof that this signature was checked over the nodes it names.
#[derive(Clone, Debug)]
pub struct SignatureRecord {
    token: SigningToken,
    value: Vec<u8>,
    paths: Vec<Path>,
    whole_document: bool,
    signature_path: Path,
}

impl SignatureRecord {
    /// The key that made it.
    pub fn token(&self) -> &SigningToken {
        &self.token
    }

    /// The SignatureValue (for SignatureConfirmation).
    pub fn value(&self) -> &[u8] {
        &self.value
    }
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

/// The result of inbound processing: what was verified, and nothing else. Only
/// [`process`](super::process) makes one and every field is private, so the layers above read
/// the verified record ([`signatures`](Self::signatures), [`signed_by`](Self::signed_by), the
/// decrypted parts) but cannot add to it or change it: the proof-type habit of rustls.
#[derive(Debug)]
pub struct SecuredMessage {
    document: Document,
    version: SoapVersion,
    timestamp: Option<(i64, Option<i64>)>,
    timestamp_path: Option<Path>,
    username_token: Option<UsernameTokenInfo>,
    username_token_path: Option<Path>,
    signatures: Vec<SignatureRecord>,
    signature_confirmations: Vec<Vec<u8>>,
    security_contexts: Vec<String>,
    /// Symmetric keys of tokens, by Id, for the layers above (proof-of-possession checks).
    symmetric_tokens: Vec<(String, SecretBytes, KeySource)>,
    /// Elements that came out of a decrypted plaintext (whole subtrees).
    encrypted: Vec<Path>,
    has_security_header: bool,
    /// SAML assertions that are children of the security header, in order.
    assertion_paths: Vec<Path>,
    /// The header assertions a signature used as its key, as validated (by Id).
    issued: Vec<(String, ValidatedAssertion)>,
    /// Every algorithm used by the signatures verified, the EncryptedKeys unwrapped and the
    /// EncryptedData decrypted (each admitted by `InboundConfig::xmlsec`).
    algorithms: xmlsec::UsedAlgorithms,
}

impl SecuredMessage {
    /// `wsu:Timestamp` Created and Expires (ms), when present.
    pub fn timestamp(&self) -> Option<(i64, Option<i64>)> {
        self.timestamp
    }

    /// The UsernameToken, when present (its password not yet checked: the engine does that).
    pub fn username_token(&self) -> Option<&UsernameTokenInfo> {
        self.username_token.as_ref()
    }

    /// Verified signatures in header order.
    pub fn signatures(&self) -> &[SignatureRecord] {
        &self.signatures
    }

    /// `wsse11:SignatureConfirmation` values (base64-decoded; empty = "no signature").
    pub fn signature_confirmations(&self) -> &[Vec<u8>] {
        &self.signature_confirmations
    }

    /// Security context identifiers used by tokens in the header.
    pub fn security_contexts(&self) -> &[String] {
        &self.security_contexts
    }

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

    /// The SAML assertions (1.1 or 2.0) that are children of the security header, in order:
    /// issued tokens presented as credentials.
    pub fn header_assertions(&self) -> Vec<NodeId> {
        self.assertion_paths
            .iter()
            .filter_map(|p| node_at(&self.document, p))
            .collect()
    }

    /// A header assertion that keyed a signature ([`SigningToken::IssuedToken`]), as the
    /// resolver validated it.
    pub fn issued_token(&self, id: &str) -> Option<&ValidatedAssertion> {
        self.issued.iter().find(|(i, _)| i == id).map(|(_, a)| a)
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
            assertion_paths: Vec::new(),
            issued: Vec::new(),
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
            // Issued tokens: recorded here, validated when a signature names one as its key
            // (holder of key) or by the layer that accepts them as credentials (bearer).
            (ns::SAML2 | ns::SAML1, "Assertion") => {
                let p = path_of(self.doc(), item);
                self.out.assertion_paths.push(p);
                Ok(())
            }
            // Other tokens are recorded by the layers that use them.
            _ => Ok(()),
        }
    }
}
