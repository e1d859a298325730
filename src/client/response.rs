//! Reading the STS's answer: HTTP status and SOAP fault (as a typed error with what to fix),
//! the STS signature over Body and Timestamp, SignatureConfirmation of our signature, the
//! RSTR(C) through the trust model, and the proof key (BinarySecret, EncryptedKey, or a
//! `CK/PSHA1` computed key from both parties' entropy).

use std::collections::HashSet;
use std::sync::Mutex;

use crate::crypto::{self, RsaPrivateKey, SecretBytes};
use crate::pki::{Certificate, TrustError};
use crate::soap::{Addressing, Envelope, SoapVersion};
use crate::trust::{
    ComputedKeyAlgorithm, Entropy, Fragment, FromElement, RequestSecurityTokenResponse,
    RequestedProofToken, TrustMessage,
};
use crate::wss::{
    self, CertificateRef, Environment, InboundConfig, KeyResolver, KeySource, ReplayGuard,
    Requirements, SecuredMessage, SignatureRecord, SigningToken, SystemClock,
};
use crate::xml::{ns, Document, NodeId, Writer};
use crate::xmlsec::{decrypt_key, EncryptedKey, KeyEncryptionKey, Policy};

use super::config::ClientConfig;
use super::error::StsFault;
use super::http::HttpResponse;
use super::Error;

/// What the caller's credentials were, for fault hints.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Auth {
    /// A UsernameToken.
    Password,
    /// An X.509 signature.
    Certificate,
    /// A proof-key signature (renew, cancel, validate).
    ProofKey,
}

/// The keys the response is checked and decrypted with.
struct ResponseKeys<'a> {
    sts: &'a Certificate,
    own: Option<(&'a Certificate, &'a RsaPrivateKey)>,
    /// The security context our request was signed with: the STS answers such a request
    /// with a signature by a key derived from it (symmetric binding).
    context: Option<&'a ContextKey>,
}

/// A security context we hold the key of: its `wsc:Identifier` and key.
pub(crate) struct ContextKey {
    pub(crate) identifier: String,
    pub(crate) key: SecretBytes,
}

fn cert_matches(c: &Certificate, r: &CertificateRef) -> bool {
    match r {
        CertificateRef::ThumbprintSha1(t) => c.thumbprint_sha1() == t.as_slice(),
        CertificateRef::SubjectKeyId(s) => c.subject_key_id() == *s,
        CertificateRef::IssuerSerial { issuer, serial } => {
            c.serial() == serial && c.issuer_matches(issuer)
        }
    }
}

impl KeyResolver for ResponseKeys<'_> {
    fn certificate(&self, r: &CertificateRef) -> Option<Certificate> {
        std::iter::once(self.sts)
            .chain(self.own.map(|(c, _)| c))
            .find(|c| cert_matches(c, r))
            .cloned()
    }

    fn validate(&self, cert: &Certificate, now: i64) -> Result<(), TrustError> {
        // Only the configured STS certificate may sign responses: exact pinning. The WS-Security
        // layer passes Unix seconds here (as `pki::TrustStore::validate` takes them).
        if cert.der() != self.sts.der() {
            return Err(TrustError::Untrusted("not the configured STS certificate"));
        }
        if now < cert.not_before() || now > cert.not_after() {
            return Err(TrustError::Expired);
        }
        Ok(())
    }

    fn private_key(&self, cert: &Certificate) -> Option<RsaPrivateKey> {
        self.own
            .filter(|(c, _)| c.der() == cert.der())
            .map(|(_, k)| k.clone())
    }

    fn security_context(&self, identifier: &str, _instance: Option<&str>) -> Option<SecretBytes> {
        self.context
            .filter(|c| c.identifier == identifier)
            .map(|c| c.key.clone())
    }
}

/// Replay memory for one response (a signature seen twice in one message is still refused).
#[derive(Default)]
struct OneMessage(Mutex<HashSet<Vec<u8>>>);

impl ReplayGuard for OneMessage {
    fn check_and_insert(&self, key: &[u8], _expires_ms: i64) -> bool {
        self.0
            .lock()
            .map(|mut s| s.insert(key.to_vec()))
            .unwrap_or(false)
    }

    fn forget(&self, key: &[u8]) {
        if let Ok(mut s) = self.0.lock() {
            s.remove(key);
        }
    }
}

/// A checked response: the WS-Trust message of the Body and whether the STS signed it.
pub(crate) struct Answer {
    pub(crate) message: TrustMessage,
    pub(crate) body_xml: String,
    pub(crate) verified: bool,
}

impl Answer {
    /// The (first) RSTR of the answer.
    pub(crate) fn rstr(&self) -> Result<&RequestSecurityTokenResponse, Error> {
        match &self.message {
            TrustMessage::Rstr(r) => Ok(r),
            TrustMessage::Rstrc(c) => c
                .responses
                .first()
                .ok_or_else(|| Error::response("an empty RequestSecurityTokenResponseCollection")),
            _ => Err(Error::response("the Body holds a request, not a response")),
        }
    }
}

/// Removes control characters and bounds the length of text the peer wrote.
fn clean(text: &str) -> String {
    let t: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A QName-valued text (`prefix:local`) resolved at `node`: (namespace, prefix:local).
fn qname_text(doc: &Document, node: NodeId) -> (String, String) {
    let text = doc.text(node).trim().to_owned();
    let (prefix, _) = text.split_once(':').unwrap_or(("", text.as_str()));
    let ns = doc.lookup_namespace(node, prefix).unwrap_or("").to_owned();
    (ns, clean(&text))
}

fn hint(local: &str, ns_uri: &str, auth: Auth) -> String {
    let wst_or_wsse = ns_uri == ns::WST13 || ns_uri == ns::WST_2005 || ns_uri == ns::WSSE;
    let text = match (local, wst_or_wsse) {
        ("FailedAuthentication", true) => match auth {
            Auth::Password => {
                "the STS refused authentication: check the username and password (a clear-text \
                 password also needs https, or a password digest)"
            }
            Auth::Certificate => {
                "the STS refused authentication: check that it trusts your certificate and that \
                 the clocks agree"
            }
            Auth::ProofKey => {
                "the STS refused the token's proof: check that the key belongs to the token and \
                 that the token has not expired or been cancelled"
            }
        },
        ("InvalidScope", true) => {
            "the STS serves no relying party for this AppliesTo: check --applies-to"
        }
        ("InvalidRequest" | "BadRequest", true) => {
            "the STS cannot process the request: check the token type, key type, SOAP and \
             WS-Trust versions against what it supports"
        }
        ("RequestFailed", true) => "the STS failed to process the request: see the STS log",
        ("InvalidSecurityToken", true) => {
            "the token is invalid, expired or revoked: request a new one"
        }
        ("ExpiredData" | "MessageExpired", true) => {
            "the STS considers the message expired: check that the clocks agree"
        }
        ("InvalidTimeRange", true) => "the STS refused the requested lifetime",
        ("UnableToRenew" | "RenewNeeded", true) => "the token cannot be renewed: request a new one",
        ("UnsupportedAlgorithm", true) => {
            "the STS does not support an algorithm we used: check its policy"
        }
        ("UnsupportedSecurityToken", true) => {
            "the STS does not accept these credentials: use another credential type"
        }
        ("InvalidSecurity" | "FailedCheck" | "SecurityTokenUnavailable", true) => {
            "the STS could not check the message security: check the credentials and clocks"
        }
        ("VersionMismatch", false) => "the STS does not speak this SOAP version: check --soap",
        ("MustUnderstand", false) => {
            "the STS did not understand a mandatory header: check --soap and --trust"
        }
        ("Receiver" | "Server", false) => "the STS failed internally: see the STS log",
        _ => "the STS refused the request: see the fault code and the STS log",
    };
    text.to_owned()
}

/// Reads a SOAP 1.1 or 1.2 `Fault`.
fn read_fault(doc: &Document, fault: NodeId, version: SoapVersion, auth: Auth) -> StsFault {
    let env = version.namespace();
    let (code_ns, code, reason) = match version {
        SoapVersion::V11 => {
            let code = doc
                .child(fault, "", "faultcode")
                .map(|c| qname_text(doc, c))
                .unwrap_or_default();
            let reason = doc
                .child(fault, "", "faultstring")
                .map(|r| clean(&doc.text(r)))
                .unwrap_or_default();
            (code.0, code.1, reason)
        }
        SoapVersion::V12 => {
            // The deepest Subcode/Value is the most specific code.
            let mut at = doc.child(fault, env, "Code");
            let mut code = (String::new(), String::new());
            let mut depth = 0;
            while let Some(c) = at {
                if let Some(v) = doc.child(c, env, "Value") {
                    code = qname_text(doc, v);
                }
                at = doc.child(c, env, "Subcode");
                depth += 1;
                if depth > 8 {
                    break;
                }
            }
            let reason = doc
                .child(fault, env, "Reason")
                .and_then(|r| doc.child(r, env, "Text"))
                .map(|t| clean(&doc.text(t)))
                .unwrap_or_default();
            (code.0, code.1, reason)
        }
    };
    let local = code.rsplit(':').next().unwrap_or("").to_owned();
    StsFault {
        hint: hint(&local, &code_ns, auth),
        code,
        code_namespace: code_ns,
        reason,
    }
}

fn http_hint(status: u16) -> &'static str {
    match status {
        301 | 302 | 307 | 308 => "; the url redirects: use the final url",
        401 | 403 => "; the server refused access at the HTTP level",
        404 => "; check the path of the url",
        405 => "; the url does not accept POST: check the path",
        415 => "; the server refused the media type: check --soap",
        _ => "",
    }
}

/// What a reply must show to answer our request.
pub(crate) struct Expected<'a> {
    /// Our `wsa:MessageID`: the reply's `wsa:RelatesTo` must name it.
    pub(crate) message_id: &'a str,
    /// Our SignatureValue, when we signed: the reply must confirm it.
    pub(crate) our_signature: Option<&'a [u8]>,
    /// Check the STS signature, the confirmation and a signed RelatesTo. False only on the
    /// `danger_unverified` path, where the reply is read as it came (a RelatesTo that is
    /// present must still name our request).
    pub(crate) verify: bool,
}

/// The refusal of a verified exchange without the STS certificate to verify with.
pub(crate) fn no_sts_certificate() -> Error {
    Error::Verification {
        what: "no STS certificate is configured, and every reply is verified by default".into(),
        hint: "; give the STS's signing certificate (ClientConfig::sts_cert, --sts-cert                STS.pem), or read replies unchecked with StsClient::danger_unverified                (--danger-unverified-replies)",
    }
}

/// Checks an HTTP answer and returns the WS-Trust message in its Body.
pub(crate) fn check(
    http: &HttpResponse,
    cfg: &ClientConfig,
    auth: Auth,
    expected: &Expected<'_>,
    own: Option<(&Certificate, &RsaPrivateKey)>,
    context: Option<&ContextKey>,
) -> Result<Answer, Error> {
    if !http.has_soap_body() {
        return Err(Error::Http {
            status: http.status,
            hint: http_hint(http.status),
        });
    }
    let doc = Document::parse(&http.body)
        .map_err(|e| Error::response(format!("the answer is not well-formed XML: {e}")))?;
    let transport = http
        .content_type
        .as_deref()
        .and_then(SoapVersion::from_content_type);
    let version = {
        let env = Envelope::read(&doc, transport)
            .map_err(|e| Error::response(format!("not a SOAP envelope: {e}")))?;
        if let Some(b) = env.body_element() {
            if doc.is(b, env.version().namespace(), "Fault") {
                return Err(Error::Fault(read_fault(&doc, b, env.version(), auth)));
            }
        }
        env.version()
    };
    if http.status != 200 {
        return Err(Error::Http {
            status: http.status,
            hint: http_hint(http.status),
        });
    }
    let doc = if expected.verify {
        let sts = cfg.sts_cert.as_ref().ok_or_else(no_sts_certificate)?;
        let keys = ResponseKeys { sts, own, context };
        verify(doc, version, cfg, &keys, expected)?
    } else {
        let env = Envelope::read(&doc, Some(version)).map_err(Error::response)?;
        let addressing = Addressing::read(&env).map_err(Error::response)?;
        if let Some(r) = &addressing.relates_to {
            if r != expected.message_id {
                return Err(Error::response(
                    "the response's wsa:RelatesTo is not our request's MessageID: it answers \
                     another request",
                ));
            }
        }
        drop(env);
        doc
    };
    let env = Envelope::read(&doc, Some(version)).map_err(Error::response)?;
    let body = env
        .body_element()
        .ok_or_else(|| Error::response("an empty Body"))?;
    if !TrustMessage::is_message(&doc, body) {
        return Err(Error::response(
            "the Body holds no WS-Trust response (check the url: is it the STS endpoint?)",
        ));
    }
    let message = TrustMessage::read(&doc, body).map_err(Error::response)?;
    // A stand-alone copy: it declares the namespaces it uses from the envelope.
    let mut w = Writer::new();
    w.copy(&doc, body);
    let body_xml = w.finish().map_err(Error::response)?;
    Ok(Answer {
        message,
        body_xml,
        verified: expected.verify,
    })
}

const STS_CERT_HINT: &str =
    "; check that --sts-cert is the STS's signing certificate and that the clocks agree";

/// Verifies the STS signature over Body and Timestamp (by the STS certificate, or, when our
/// request was signed under a security context, by a key derived from that context) and the
/// SignatureConfirmation of `our_signature`; returns the (decrypted) document.
fn verify(
    doc: Document,
    version: SoapVersion,
    cfg: &ClientConfig,
    keys: &ResponseKeys<'_>,
    expected: &Expected<'_>,
) -> Result<Document, Error> {
    let sts = keys.sts;
    let fail = |what: String| Error::Verification {
        what,
        hint: STS_CERT_HINT,
    };
    let replay = OneMessage::default();
    let env = Environment {
        clock: &SystemClock,
        replay: &replay,
        keys,
    };
    let inbound = InboundConfig {
        clock_skew_secs: cfg.clock_skew_secs,
        ..InboundConfig::default()
    };
    let msg = wss::process(doc, version, &inbound, env).map_err(|e| fail(e.to_string()))?;
    Requirements {
        body_signed: true,
        timestamp_signed: true,
        ..Requirements::default()
    }
    .check(&msg)
    .map_err(|e| fail(format!("{e} (a response must be signed by the STS)")))?;
    let envelope = msg.envelope().map_err(|e| fail(e.to_string()))?;
    let sig = msg
        .signature_over(envelope.body())
        .ok_or_else(|| fail("the Body is not signed".into()))?;
    match sig.token() {
        SigningToken::X509(c) if c.der() == sts.der() => {}
        SigningToken::Symmetric { source } if from_context(source, keys.context) => {}
        _ => return Err(fail("the Body is not signed by the STS certificate".into())),
    }
    check_relates_to(&msg, &envelope, sig, expected.message_id).map_err(fail)?;
    if let Some(ours) = expected.our_signature {
        let confirmed = msg
            .signature_confirmations()
            .iter()
            .any(|v| crypto::ct_eq(v, ours));
        if !confirmed {
            return Err(fail(
                "no SignatureConfirmation of our signature (the STS may not have seen our \
                 request as sent)"
                    .into(),
            ));
        }
        let doc = msg.document();
        let all_signed = doc
            .descendants_or_self(doc.root())
            .filter(|n| doc.is(*n, ns::WSSE11, "SignatureConfirmation"))
            .all(|n| msg.signed_by(sig, n));
        if !all_signed {
            return Err(fail(
                "a SignatureConfirmation is not covered by the STS signature".into(),
            ));
        }
    }
    drop(envelope);
    let text = msg.document().source().to_owned();
    Document::parse(text.as_bytes()).map_err(Error::response)
}

/// The reply's `wsa:RelatesTo` must name our MessageID (WS-Addressing 1.0 Core §3.4: a reply
/// relates to the request it answers) and be covered by the STS signature over the Body, so a
/// signed answer to another request of ours cannot be passed off as the answer to this one.
fn check_relates_to(
    msg: &SecuredMessage,
    envelope: &Envelope<'_>,
    sig: &SignatureRecord,
    message_id: &str,
) -> Result<(), String> {
    let addressing = Addressing::read(envelope).map_err(|e| e.to_string())?;
    let doc = msg.document();
    let relates: Vec<NodeId> = addressing
        .nodes
        .iter()
        .copied()
        .filter(|n| doc.name(*n).local == "RelatesTo")
        .collect();
    if relates.is_empty() {
        return Err("the response has no wsa:RelatesTo naming our request".into());
    }
    for n in &relates {
        if !msg.signed_by(sig, *n) {
            return Err("the response's wsa:RelatesTo is not covered by the STS signature".into());
        }
        if let Some(t) = doc.attribute(*n, "", "RelationshipType") {
            if t.trim() != REPLY_RELATIONSHIP {
                return Err("the response's wsa:RelatesTo is not a reply relationship".into());
            }
        }
    }
    match addressing.relates_to.as_deref() {
        Some(r) if crypto::ct_eq(r.as_bytes(), message_id.as_bytes()) => Ok(()),
        _ => Err(
            "the response's wsa:RelatesTo is not our request's MessageID: it answers another \
             request"
                .into(),
        ),
    }
}

/// The default (and only accepted) `wsa:RelatesTo/@RelationshipType`.
const REPLY_RELATIONSHIP: &str = "http://www.w3.org/2005/08/addressing/reply";

/// True when `source` is our security context, or a key derived from it: only the STS (and
/// we) hold that key, and the SignatureConfirmation binds the answer to our request.
fn from_context(source: &KeySource, context: Option<&ContextKey>) -> bool {
    match (source, context) {
        (KeySource::Derived(inner), _) => from_context(inner, context),
        (KeySource::SecurityContext { identifier }, Some(c)) => *identifier == c.identifier,
        _ => false,
    }
}

/// The key encryption key for an `xenc:EncryptedKey` held in `fragment`.
fn decrypt_fragment(
    fragment: &Fragment,
    own_key: Option<&RsaPrivateKey>,
    symmetric: Option<&SecretBytes>,
    what: &str,
) -> Result<SecretBytes, Error> {
    let (doc, el) = fragment
        .first_element()
        .ok_or_else(|| Error::proof(format!("empty {what}")))?;
    let ek = EncryptedKey::read(doc, el).map_err(|e| Error::proof(format!("{what}: {e}")))?;
    let policy = Policy::default();
    let rsa = own_key.map(|k| decrypt_key(&ek, KeyEncryptionKey::Rsa(k), &policy));
    match rsa {
        Some(Ok(k)) => return Ok(k),
        Some(Err(e)) if symmetric.is_none() => {
            return Err(Error::proof(format!(
                "the {what} is encrypted but our private key does not open it ({e}): was it \
                 encrypted for our certificate?"
            )))
        }
        _ => {}
    }
    if let Some(s) = symmetric {
        return decrypt_key(&ek, KeyEncryptionKey::Symmetric(s.expose()), &policy).map_err(|e| {
            Error::proof(format!("the {what} does not open with the proof key: {e}"))
        });
    }
    Err(Error::proof(format!(
        "the {what} is encrypted for a certificate: authenticate with a certificate and its key \
         to read it"
    )))
}

/// Recovers the proof key of `rstr` (WS-Trust 1.3 §4.4.3, §4.4.4).
///
/// `entropy` is what we sent, `own_key` our private key (for an EncryptedKey), `previous` the
/// proof key of the token being renewed (for a key wrapped with it), `requested_bits` the key
/// size we asked for.
pub(crate) fn proof_key(
    rstr: &RequestSecurityTokenResponse,
    entropy: Option<&SecretBytes>,
    own_key: Option<&RsaPrivateKey>,
    previous: Option<&SecretBytes>,
    requested_bits: Option<u32>,
) -> Result<Option<SecretBytes>, Error> {
    match &rstr.requested_proof_token {
        Some(RequestedProofToken::BinarySecret(b)) => {
            Ok(Some(SecretBytes::from_slice(b.value.expose())))
        }
        Some(RequestedProofToken::EncryptedKey(f)) => {
            decrypt_fragment(f, own_key, previous, "proof key").map(Some)
        }
        Some(RequestedProofToken::ComputedKey(ComputedKeyAlgorithm::PSha1)) => {
            let ours = entropy.ok_or_else(|| {
                Error::proof("the STS sent a computed key, but we sent no entropy")
            })?;
            let theirs = match &rstr.params.entropy {
                Some(Entropy::BinarySecret(b)) => SecretBytes::from_slice(b.value.expose()),
                Some(Entropy::EncryptedKey(f)) => {
                    decrypt_fragment(f, own_key, previous, "server entropy")?
                }
                _ => {
                    return Err(Error::proof(
                        "a computed key without the STS's entropy (wst:Entropy)",
                    ))
                }
            };
            let bits = rstr.params.key_size.or(requested_bits).unwrap_or(256);
            if bits % 8 != 0 || !(128..=512).contains(&bits) {
                return Err(Error::proof(format!("unusable key size {bits} bits")));
            }
            // key = P_SHA1(requester entropy, issuer entropy), KeySize bits.
            let key = crypto::psha1(ours.expose(), theirs.expose(), bits as usize / 8)
                .map_err(|e| Error::proof(format!("key computation: {e}")))?;
            Ok(Some(key))
        }
        Some(RequestedProofToken::ComputedKey(other)) => Err(Error::proof(format!(
            "unsupported computed key algorithm `{}`",
            clean(&other.uri(rstr.version))
        ))),
        Some(RequestedProofToken::Other(_)) => Err(Error::proof(
            "the proof token holds neither a BinarySecret, an EncryptedKey nor a ComputedKey",
        )),
        // No proof token: our entropy is the key when we sent some (§4.4.3), else the
        // token keeps its key (renewal) or has none (bearer, public key).
        None => Ok(entropy.cloned().or_else(|| previous.cloned())),
    }
}
