//! Explaining an RST/RSTR (bare or in a SOAP envelope) in plain text: SOAP and WS-Trust
//! versions, the binding, token type, lifetime, AppliesTo, key material, the security header
//! (who signed what, verified with the keys given) and EncryptedKeys opened with the keys
//! given. For people debugging an exchange; what it prints about secrets is a length and a
//! fingerprint unless [`InspectKeys::reveal`] is set.
//!
//! The other documents a user is likely to hold are explained too (`documents`): a bare
//! `xenc:EncryptedData` or `xenc:EncryptedKey` (algorithms, key info, recipient hints,
//! cipher sizes; decrypted only with a key given), a signed document (its references,
//! algorithms and key info; verified only with a certificate or key given), a
//! WS-MetadataExchange / WSDL document such as AD FS's `/adfs/services/trust/mex` (endpoints,
//! bindings, policies, and the endpoint MSAL would pick) and WS-Federation metadata (entity,
//! roles, signing certificates with thumbprints and validity, endpoints).
//!
//! ```
//! use wstrust::client::inspect::{explain, InspectKeys};
//!
//! let rst = br#"<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512">
//!   <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>
//! </wst:RequestSecurityToken>"#;
//! let text = explain(rst, &InspectKeys::default())?;
//! assert!(text.contains("WS-Trust 1.3 RequestSecurityToken (Issue)"));
//! # Ok::<(), wstrust::client::Error>(())
//! ```

use std::fmt::Write as _;

use crate::crypto::{self, hex, DigestAlgorithm, RsaPrivateKey, SecretBytes};
use crate::pki::{Certificate, TrustError};
use crate::soap::{Addressing, Envelope};
use crate::trust::{Action, TrustMessage, TrustVersion};
use crate::wss::{
    self, CertificateRef, Environment, FixedClock, InboundConfig, KeyResolver, KeySource,
    ReplayGuard, SecuredMessage, SigningToken, TokenReference,
};
use crate::xml::{ns, Document, NodeId};
use crate::xmlsec::{
    base64_decode, decrypt_key, EncryptedKey, KeyEncryptionKey, KeyTransport, Policy, Signature,
};

use super::Error;

mod documents;
mod metadata;
mod trust;

use trust::explain_trust;

/// The keys `inspect` may use.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct InspectKeys {
    /// RSA private keys, to open EncryptedKeys (and whose public halves verify signatures).
    pub private_keys: Vec<RsaPrivateKey>,
    /// Certificates signatures may refer to without carrying them (e.g. the STS's).
    pub certificates: Vec<Certificate>,
    /// A symmetric key (a proof key or security context key), to verify HMAC signatures and
    /// derived keys.
    pub secret: Option<SecretBytes>,
    /// Print opened keys in hex (otherwise: length and fingerprint only). Default: false.
    pub reveal: bool,
}

struct Report {
    text: String,
}

impl Report {
    fn line(&mut self, indent: usize, s: impl AsRef<str>) {
        let _ = writeln!(self.text, "{}{}", "  ".repeat(indent), s.as_ref());
    }
}

/// Length and fingerprint (or value) of key material.
fn key_summary(key: &[u8], keys: &InspectKeys) -> String {
    let fp = crypto::digest(DigestAlgorithm::Sha256, key);
    let mut s = format!(
        "{} bytes, SHA-256 fingerprint {}",
        key.len(),
        hex(fp.get(..8).unwrap_or(&fp))
    );
    if keys.reveal {
        s.push_str(&format!(", value {}", hex(key)));
    }
    s
}

/// The last path segment of a URI (what people call it).
fn short(uri: &str) -> &str {
    uri.rsplit(['#', '/']).next().unwrap_or(uri)
}

fn version_name(v: TrustVersion) -> &'static str {
    match v {
        TrustVersion::Feb2005 => "WS-Trust February 2005",
        TrustVersion::V13 => "WS-Trust 1.3",
        TrustVersion::V14 => "WS-Trust 1.4",
    }
}

/// Explains `input` (an envelope, or a bare WS-Trust message).
pub fn explain(input: &[u8], keys: &InspectKeys) -> Result<String, Error> {
    // Documents saved by Windows tools (AD FS metadata among them) start with a BOM.
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let doc = Document::parse(input).map_err(|e| Error::Inspect {
        what: format!("not well-formed XML: {e}"),
    })?;
    let mut r = Report {
        text: String::new(),
    };
    if let Ok(env) = Envelope::read(&doc, None) {
        r.line(0, format!("SOAP {} envelope", env.version()));
        if let Ok(a) = Addressing::read(&env) {
            explain_addressing(&mut r, &a);
        }
        let sec = env
            .headers_named(ns::WSSE, "Security")
            .next()
            .map(|b| b.node);
        let mut secured = None;
        if let Some(sec) = sec {
            r.line(0, "security header:");
            for item in doc.child_elements(sec) {
                explain_item(&mut r, &doc, item, keys);
            }
            secured = verify_all(&mut r, &doc, env.version(), sec, keys);
        } else {
            r.line(0, "no security header");
        }
        let (d, body) = match &secured {
            Some(m) => {
                let e = m.envelope().map_err(|e| Error::Inspect {
                    what: e.to_string(),
                })?;
                (m.document(), e.body_element())
            }
            None => (&doc, env.body_element()),
        };
        match body {
            Some(b) if d.is(b, env.version().namespace(), "Fault") => {
                r.line(0, "body: a SOAP Fault");
                for n in d.descendants_or_self(b).filter(|n| d.is_element(*n)) {
                    let t = d.text(n);
                    if d.child_elements(n).next().is_none() && !t.trim().is_empty() {
                        r.line(1, format!("{}: {}", d.name(n).local, clean(&t)));
                    }
                }
            }
            Some(b) if TrustMessage::is_message(d, b) => explain_trust(&mut r, d, b, keys)?,
            Some(b) if documents::find_metadata(d, b) == Some(b) => {
                r.line(0, "body: metadata");
                metadata::explain_mex(&mut r, d, b);
            }
            Some(b) => r.line(
                0,
                format!("body: {} (not a WS-Trust message)", d.name(b).local),
            ),
            None => r.line(0, "body: empty"),
        }
    } else if TrustMessage::is_message(&doc, doc.root()) {
        explain_trust(&mut r, &doc, doc.root(), keys)?;
    } else if documents::explain_document(&mut r, &doc, keys).is_none() {
        return Err(Error::Inspect {
            what: "not a document inspect knows: a SOAP envelope, a WS-Trust message, \
                   xenc:EncryptedData or EncryptedKey, a signed document, MEX/WSDL or \
                   federation metadata"
                .into(),
        });
    }
    Ok(r.text)
}

fn clean(t: &str) -> String {
    t.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn explain_addressing(r: &mut Report, a: &Addressing) {
    if !a.present {
        return;
    }
    if let Some(act) = &a.action {
        let meaning = match Action::from_uri(act) {
            Some((v, Action::Request(b))) => format!(" ({} {b:?} request)", version_name(v)),
            Some((v, Action::Response(b) | Action::FinalResponse(b))) => {
                format!(" ({} {b:?} response)", version_name(v))
            }
            None => String::new(),
        };
        r.line(0, format!("action: {}{meaning}", clean(act)));
    }
    for (name, v) in [
        ("to", &a.to),
        ("message id", &a.message_id),
        ("relates to", &a.relates_to),
        ("reply to", &a.reply_to),
    ] {
        if let Some(v) = v {
            r.line(0, format!("{name}: {}", clean(v)));
        }
    }
}

/// What a `ds:KeyInfo` (or any element holding a SecurityTokenReference) names.
fn describe_key_info(doc: &Document, ki: NodeId) -> String {
    if let Some(s) = doc.child(ki, ns::WSSE, "SecurityTokenReference") {
        return match TokenReference::read(doc, s) {
            Ok(TokenReference::Reference { uri, value_type }) => {
                let target = uri
                    .strip_prefix('#')
                    .and_then(|id| doc.element_by_id(id).ok().flatten())
                    .map(|n| describe_token(doc, n))
                    .unwrap_or_default();
                let vt = value_type
                    .as_deref()
                    .map(|v| format!(" ({})", short(v)))
                    .unwrap_or_default();
                format!("token {}{vt}{target}", clean(&uri))
            }
            Ok(TokenReference::KeyIdentifier { value_type, value }) => {
                format!("key identifier {} {}", short(&value_type), clean(&value))
            }
            Ok(TokenReference::IssuerSerial { issuer, serial }) => {
                format!("issuer {} serial {serial}", clean(&issuer))
            }
            Err(e) => format!("an unreadable token reference ({e})"),
        };
    }
    if let Some(x) = doc.child(ki, ns::DS, "X509Data") {
        if let Some(c) = doc
            .child(x, ns::DS, "X509Certificate")
            .and_then(|c| base64_decode(&doc.text(c)))
            .and_then(|der| Certificate::from_der(&der).ok())
        {
            return format!("certificate {}", c.subject());
        }
        return "X509Data".into();
    }
    if doc.child(ki, ns::DS, "KeyValue").is_some() {
        return "a bare public key (KeyValue)".into();
    }
    if doc.child(ki, ns::XENC, "EncryptedKey").is_some() {
        return "an embedded EncryptedKey".into();
    }
    "an unrecognised KeyInfo".into()
}

/// A short description of a token element found by Id.
fn describe_token(doc: &Document, n: NodeId) -> String {
    if doc.is(n, ns::WSSE, "BinarySecurityToken") {
        if let Some(c) = base64_decode(&doc.text(n)).and_then(|d| Certificate::from_der(&d).ok()) {
            return format!(" = certificate {}", c.subject());
        }
    }
    format!(" = {}", doc.name(n).local)
}

/// Tries every key given on an EncryptedKey.
fn open_encrypted_key(doc: &Document, el: NodeId, keys: &InspectKeys) -> String {
    let ek = match EncryptedKey::read(doc, el) {
        Ok(ek) => ek,
        Err(e) => return format!("unreadable ({e})"),
    };
    let method = match &ek.method {
        KeyTransport::RsaOaep(_) => "RSA-OAEP".to_owned(),
        KeyTransport::AesKeyWrap(n) => format!("AES-{} key wrap", n * 8),
        KeyTransport::Rsa15 => "RSA PKCS#1 v1.5 (refused by this library)".to_owned(),
    };
    let whom = ek
        .key_info
        .map(|k| describe_key_info(doc, k))
        .unwrap_or_else(|| "an unnamed key".into());
    let policy = Policy::default();
    let mut opened = None;
    for (i, k) in keys.private_keys.iter().enumerate() {
        if let Ok(v) = decrypt_key(&ek, KeyEncryptionKey::Rsa(k), &policy) {
            opened = Some(format!(
                "opened with --key #{}: {}",
                i + 1,
                key_summary(v.expose(), keys)
            ));
            break;
        }
    }
    if opened.is_none() {
        if let Some(s) = &keys.secret {
            if let Ok(v) = decrypt_key(&ek, KeyEncryptionKey::Symmetric(s.expose()), &policy) {
                opened = Some(format!(
                    "opened with --secret: {}",
                    key_summary(v.expose(), keys)
                ));
            }
        }
    }
    let opened = opened.unwrap_or_else(|| {
        if keys.private_keys.is_empty() && keys.secret.is_none() {
            "not opened (give the recipient's key with --key)".into()
        } else {
            "not opened with the keys given".into()
        }
    });
    format!("EncryptedKey, {method}, for {whom}; {opened}")
}

fn explain_item(r: &mut Report, doc: &Document, item: NodeId, keys: &InspectKeys) {
    let name = doc.name(item);
    let id = doc
        .id_of(item)
        .map(|i| format!(" #{i}"))
        .unwrap_or_default();
    let child_text = |ns_: &str, local: &str| {
        doc.child(item, ns_, local)
            .map(|c| clean(&doc.text(c)))
            .unwrap_or_else(|| "-".into())
    };
    match (name.ns, name.local) {
        (ns::WSU, "Timestamp") => r.line(
            1,
            format!(
                "Timestamp{id}: created {}, expires {}",
                child_text(ns::WSU, "Created"),
                child_text(ns::WSU, "Expires")
            ),
        ),
        (ns::WSSE, "UsernameToken") => {
            let kind = doc
                .child(item, ns::WSSE, "Password")
                .and_then(|p| doc.attribute(p, "", "Type"))
                .map_or("PasswordText", short);
            let extras = [("Nonce", ns::WSSE), ("Created", ns::WSU)]
                .iter()
                .filter(|(l, n)| doc.child(item, n, l).is_some())
                .map(|(l, _)| *l)
                .collect::<Vec<_>>()
                .join(", ");
            r.line(
                1,
                format!(
                    "UsernameToken{id}: user {}, {kind} (not shown){}",
                    child_text(ns::WSSE, "Username"),
                    if extras.is_empty() {
                        String::new()
                    } else {
                        format!(", with {extras}")
                    }
                ),
            );
        }
        (ns::WSSE, "BinarySecurityToken") => {
            let vt = doc.attribute(item, "", "ValueType").map_or("?", short);
            let cert = base64_decode(&doc.text(item)).and_then(|d| Certificate::from_der(&d).ok());
            match cert {
                Some(c) => r.line(
                    1,
                    format!(
                        "BinarySecurityToken{id} ({vt}): certificate {}, issued by {}, SHA-1 thumbprint {}",
                        c.subject(),
                        c.issuer(),
                        hex(c.thumbprint_sha1())
                    ),
                ),
                None => r.line(1, format!("BinarySecurityToken{id} ({vt})")),
            }
        }
        (ns::XENC, "EncryptedKey") => {
            r.line(1, format!("{}{id}", open_encrypted_key(doc, item, keys)));
        }
        (ns::XENC, "ReferenceList") => {
            let refs: Vec<String> = doc
                .descendants_or_self(item)
                .filter_map(|n| doc.attribute(n, "", "URI").map(clean))
                .collect();
            r.line(1, format!("ReferenceList: decrypts {}", refs.join(", ")));
        }
        (ns::XENC, "EncryptedData") => {
            r.line(1, format!("EncryptedData{id} (an encrypted header item)"))
        }
        (ns::DS, "Signature") => explain_signature(r, doc, item),
        (ns::WSC13 | ns::WSC_2005, "SecurityContextToken") => r.line(
            1,
            format!(
                "SecurityContextToken{id}: identifier {}",
                child_text(name.ns, "Identifier")
            ),
        ),
        (ns::WSC13 | ns::WSC_2005, "DerivedKeyToken") => {
            let base = doc
                .child(item, ns::WSSE, "SecurityTokenReference")
                .map(|_| describe_key_info(doc, item))
                .unwrap_or_else(|| "?".into());
            r.line(
                1,
                format!(
                    "DerivedKeyToken{id}: from {base}, length {}, offset {}, generation {}",
                    child_text(name.ns, "Length"),
                    child_text(name.ns, "Offset"),
                    child_text(name.ns, "Generation")
                ),
            );
        }
        (ns::WSSE11, "SignatureConfirmation") => {
            let v = doc.attribute(item, "", "Value").map_or_else(
                || "empty (the request was unsigned)".to_owned(),
                |v| {
                    format!(
                        "confirms signature value {}…",
                        clean(v).chars().take(16).collect::<String>()
                    )
                },
            );
            r.line(1, format!("SignatureConfirmation{id}: {v}"));
        }
        (ns::SAML2 | ns::SAML1, "Assertion") => r.line(1, format!("SAML assertion{id}")),
        _ => r.line(1, format!("{} ({}){id}", name.local, name.ns)),
    }
}

fn explain_signature(r: &mut Report, doc: &Document, item: NodeId) {
    let sig = match Signature::read(doc, item, &Policy::default()) {
        Ok(s) => s,
        Err(e) => {
            r.line(
                1,
                format!("Signature: unreadable or refused by policy ({e})"),
            );
            return;
        }
    };
    let by = sig
        .key_info
        .map(|k| describe_key_info(doc, k))
        .unwrap_or_else(|| "an unnamed key".into());
    r.line(
        1,
        format!("Signature ({}) by {by}", short(sig.method.uri())),
    );
    let parts: Vec<String> = sig
        .references
        .iter()
        .map(|rf| {
            let uri = rf.uri.clone().unwrap_or_default();
            let what = uri
                .strip_prefix('#')
                .and_then(|id| doc.element_by_id(id).ok().flatten())
                .map(|n| doc.name(n).local.to_owned())
                .unwrap_or_else(|| "?".into());
            format!("{what} ({})", clean(&uri))
        })
        .collect();
    r.line(2, format!("signs: {}", parts.join(", ")));
}

/// Keys for a full WS-Security pass: the keys given, any certificate accepted.
struct InspectResolver<'a>(&'a InspectKeys);

impl KeyResolver for InspectResolver<'_> {
    fn certificate(&self, r: &CertificateRef) -> Option<Certificate> {
        self.0
            .certificates
            .iter()
            .find(|c| match r {
                CertificateRef::ThumbprintSha1(t) => c.thumbprint_sha1() == t.as_slice(),
                CertificateRef::SubjectKeyId(s) => c.subject_key_id() == *s,
                CertificateRef::IssuerSerial { issuer, serial } => {
                    c.serial() == serial && c.issuer_matches(issuer)
                }
            })
            .cloned()
    }

    fn validate(&self, _cert: &Certificate, _now: i64) -> Result<(), TrustError> {
        // Inspection shows which key signed; whether that key is trusted is for the reader.
        Ok(())
    }

    fn private_key(&self, cert: &Certificate) -> Option<RsaPrivateKey> {
        self.0
            .private_keys
            .iter()
            .find(|k| k.public_key() == *cert.public_key())
            .cloned()
    }

    fn security_context(&self, _identifier: &str, _instance: Option<&str>) -> Option<SecretBytes> {
        self.0.secret.clone()
    }
}

struct NoReplay;

impl ReplayGuard for NoReplay {
    fn check_and_insert(&self, _key: &[u8], _expires_ms: i64) -> bool {
        true
    }

    fn forget(&self, _key: &[u8]) {}
}

fn describe_source(s: &KeySource) -> String {
    match s {
        KeySource::EncryptedKey { sha1 } => format!("the key of EncryptedKey {sha1}"),
        KeySource::SecurityContext { identifier } => format!("security context {identifier}"),
        KeySource::Derived(inner) => format!("a key derived from {}", describe_source(inner)),
    }
}

/// Runs the WS-Security layer over the message, at the message's own clock, with the keys
/// given, and reports who signed what.
fn verify_all(
    r: &mut Report,
    doc: &Document,
    version: crate::soap::SoapVersion,
    sec: NodeId,
    keys: &InspectKeys,
) -> Option<SecuredMessage> {
    let created = doc
        .child(sec, ns::WSU, "Timestamp")
        .and_then(|t| doc.child(t, ns::WSU, "Created"))
        .or_else(|| {
            doc.descendants_or_self(sec)
                .find(|n| doc.is(*n, ns::WSU, "Created"))
        })
        .and_then(|c| wss::time::parse(doc.text(c).trim()));
    let clock = FixedClock(created.map_or(0, |c| c + 1000));
    let resolver = InspectResolver(keys);
    let env = Environment {
        clock: &clock,
        replay: &NoReplay,
        keys: &resolver,
    };
    let cfg = InboundConfig {
        require_timestamp: false,
        max_age_secs: 10 * 365 * 86_400,
        ..InboundConfig::default()
    };
    let copy = Document::parse(doc.source().as_bytes()).ok()?;
    match wss::process(copy, version, &cfg, env) {
        Ok(msg) => {
            r.line(
                0,
                "verification (at the message's own time; trust in the keys not judged):",
            );
            if msg.signatures().is_empty() {
                r.line(1, "no signatures");
            }
            let env = msg.envelope().ok()?;
            let d = msg.document();
            for (i, s) in msg.signatures().iter().enumerate() {
                let who = match s.token() {
                    SigningToken::X509(c) => format!("certificate {}", c.subject()),
                    SigningToken::Symmetric { source } => describe_source(source),
                    SigningToken::KeyValue => "a bare public key".into(),
                    SigningToken::IssuedToken { id } => {
                        format!("the holder-of-key of assertion {id:?}")
                    }
                };
                let mut covered = Vec::new();
                if msg.signed_by(s, env.body()) {
                    covered.push("Body".to_owned());
                }
                if msg.timestamp_node().is_some_and(|t| msg.signed_by(s, t)) {
                    covered.push("Timestamp".to_owned());
                }
                for h in env.header_blocks() {
                    if !d.is(h.node, ns::WSSE, "Security") && msg.signed_by(s, h.node) {
                        covered.push(d.name(h.node).local.to_owned());
                    }
                }
                r.line(
                    1,
                    format!(
                        "signature {} verified: made with {who}, covers {}",
                        i + 1,
                        if covered.is_empty() {
                            "no Body, Timestamp or header".into()
                        } else {
                            covered.join(", ")
                        }
                    ),
                );
            }
            if let Some(u) = &msg.username_token() {
                r.line(1, format!("username token for {}", clean(&u.username)));
            }
            drop(env);
            Some(msg)
        }
        Err(e) => {
            r.line(
                0,
                format!("verification: not verified ({e}); give the keys with --key, --cert or --secret"),
            );
            None
        }
    }
}
