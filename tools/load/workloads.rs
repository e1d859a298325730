//! The performance workloads (issue #10), shared by the criterion benches (`benches/`) and the
//! load generator (`wstrust-load`): the keys, the in-process engine configured like a
//! deployment, and fresh, distinct requests for each workload made with real keys.
//!
//! Workload names are the ones the benches, `docs/performance.md` and the load tool use:
//! `W-verify`, `W-x509`, `W-sct`, `W-password`, `W-idle`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wstrust::crypto::{
    hex, psha1_at, random_bytes, random_uuid, DigestAlgorithm, HmacAlgorithm, RsaPrivateKey,
    SecretBytes, SignatureAlgorithm,
};
use wstrust::engine::config::{AppliesToMatch, EngineConfig, Realm};
use wstrust::engine::request::Incoming;
use wstrust::engine::sealed::TokenKeys;
use wstrust::engine::users::{hash_password, Argon2Params, PasswordRecord, UserStore};
use wstrust::engine::{Engine, Transport};
use wstrust::pki::{Certificate, TrustStore};
use wstrust::soap::SoapVersion;
use wstrust::store::MemoryStore;
use wstrust::trust::ScVersion;
use wstrust::wss::{self, value_type as vt, Protection, Signer, SignerKeyInfo};
use wstrust::xml::{ns, Document, NodeId, Writer};
use wstrust::xmlsec::{
    base64_decode, base64_encode, decrypt_key, EncryptedKey, KeyEncryptionKey, Policy,
    SignatureMethod, SigningKey,
};

/// The WS-Trust 1.3 Issue action.
pub(crate) const ISSUE_ACTION: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
const ISSUE_REQUEST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue";
const SYMMETRIC_KEY: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey";
/// The recorded zeep request W-verify checks (RSA-SHA256, two SHA-256 references, 4.4 KB).
pub(crate) const VERIFY_FIXTURE: &str =
    "clients/requests/zeep-soap11-x509-sha256-issue-entropy.xml";
/// The same client's RSA-SHA1 / SHA-1 request (4.4 KB), the SHA-1 variant of W-verify.
pub(crate) const VERIFY_FIXTURE_SHA1: &str =
    "clients/requests/zeep-soap11-x509-binary-issue-bearer.xml";
/// The large fixture for canonicalization (111 KB SOAP 1.1 envelope).
pub(crate) const LARGE_C14N_FIXTURE: &str = "c14n/exc-c14n-examples/plain-soap-1.1.xml";

/// One workload.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Workload {
    /// In-process parse + exc-c14n + digest + RSA verify of a recorded signed request.
    Verify,
    /// X.509-signed RSTs, answered with an RSA-signed RSTR carrying an SCT.
    X509,
    /// RSTs signed with an HMAC key derived from a security context token.
    Sct,
    /// RSTs authenticated by a UsernameToken (PasswordText) against an Argon2 hash.
    Password,
    /// Many idle keep-alive connections (server memory).
    Idle,
}

impl Workload {
    /// Every workload, in report order.
    pub(crate) const ALL: [Self; 5] = [
        Self::Verify,
        Self::X509,
        Self::Sct,
        Self::Password,
        Self::Idle,
    ];

    /// The shared name (`W-x509`, …).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Verify => "W-verify",
            Self::X509 => "W-x509",
            Self::Sct => "W-sct",
            Self::Password => "W-password",
            Self::Idle => "W-idle",
        }
    }

    /// Parses a shared name (case-insensitive, `W-` optional).
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let l = s.to_ascii_lowercase();
        let l = l.strip_prefix("w-").unwrap_or(&l);
        Self::ALL
            .into_iter()
            .find(|w| w.name().to_ascii_lowercase().strip_prefix("w-") == Some(l))
    }

    /// Whether the STS may treat the channel as confidential for this workload: a clear-text
    /// password and a proof key without a requester certificate need it (TLS, or loopback).
    pub(crate) fn needs_confidential(self) -> bool {
        matches!(self, Self::Sct | Self::Password)
    }
}

/// Where the shared (read-only) fixtures are: `$WSTRUST_SHARED/fixtures`, else
/// `../shared/fixtures` beside the crate.
pub(crate) fn shared_fixtures() -> PathBuf {
    if let Ok(dir) = std::env::var("WSTRUST_SHARED") {
        return PathBuf::from(dir).join("fixtures");
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if beside.is_dir() {
        return beside;
    }
    PathBuf::from("/work/shared/fixtures")
}

/// Reads a shared fixture.
pub(crate) fn fixture(rel: &str) -> Result<Vec<u8>, String> {
    let p = shared_fixtures().join(rel);
    std::fs::read(&p).map_err(|e| format!("fixture {}: {e}", p.display()))
}

fn read_text(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// The parties' keys and certificates.
#[derive(Clone)]
pub(crate) struct Pki {
    /// The CA that issued the client certificate.
    pub(crate) ca: Certificate,
    /// The STS signing key.
    pub(crate) sts_key: RsaPrivateKey,
    /// The STS certificate.
    pub(crate) sts_cert: Certificate,
    /// The relying party (service) certificate: token keys are encrypted for it.
    pub(crate) service_cert: Certificate,
    /// The requester's key.
    pub(crate) client_key: RsaPrivateKey,
    /// The requester's certificate.
    pub(crate) client_cert: Certificate,
}

impl Pki {
    /// The recorded interop PKI in the shared fixtures (`clients/pki`; `rp` is the service).
    pub(crate) fn recorded() -> Result<Self, String> {
        let dir = shared_fixtures().join("clients/pki");
        Self::load(&dir, "rp")
    }

    /// A server data directory's PKI: `DIR/pki/{ca,sts,service,client}.pem` and `.key`.
    pub(crate) fn from_data_dir(dir: &Path) -> Result<Self, String> {
        Self::load(&dir.join("pki"), "service")
    }

    fn load(dir: &Path, service: &str) -> Result<Self, String> {
        let cert = |n: &str| -> Result<Certificate, String> {
            Certificate::from_pem(&read_text(&dir.join(format!("{n}.pem")))?)
                .map_err(|e| format!("{n}.pem: {e}"))
        };
        let key = |n: &str| -> Result<RsaPrivateKey, String> {
            RsaPrivateKey::from_pem(&read_text(&dir.join(format!("{n}.key")))?)
                .map_err(|e| format!("{n}.key: {e}"))
        };
        Ok(Self {
            ca: cert("ca")?,
            sts_key: key("sts")?,
            sts_cert: cert("sts")?,
            service_cert: cert(service)?,
            client_key: key("client")?,
            client_cert: cert("client")?,
        })
    }
}

/// The demo user and the service address requests name in AppliesTo.
#[derive(Clone, Debug)]
pub(crate) struct Credentials {
    /// User name.
    pub(crate) username: String,
    /// Its password.
    pub(crate) password: String,
    /// The relying party address.
    pub(crate) applies_to: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            username: "alice".into(),
            password: "secret".into(),
            applies_to: "https://rp.example.com/service".into(),
        }
    }
}

impl Credentials {
    /// Reads `DIR/demo-credentials.txt` (`username=`, `password=`, `applies_to=` lines);
    /// missing lines keep the defaults.
    pub(crate) fn from_data_dir(dir: &Path) -> Result<Self, String> {
        let text = read_text(&dir.join("demo-credentials.txt"))?;
        let mut c = Self::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().to_owned();
            match k.trim() {
                "username" => c.username = v,
                "password" => c.password = v,
                "applies_to" => c.applies_to = v,
                _ => {}
            }
        }
        Ok(c)
    }
}

/// An STS engine configured as a deployment would be: the STS key, one realm for the
/// credentials' AppliesTo, the demo user (Argon2id with `argon2`), client certificates from
/// the CA (and the client certificate pinned, as the recorded one is X.509 v1).
pub(crate) fn engine(
    pki: &Pki,
    creds: &Credentials,
    argon2: &Argon2Params,
) -> Result<Engine, String> {
    let realm = Realm::new(
        "service",
        AppliesToMatch::Exact(creds.applies_to.clone()),
        pki.service_cert.clone(),
    );
    let hash = hash_password(creds.password.as_bytes(), argon2).map_err(|e| e.to_string())?;
    let users = UserStore::new(
        [(creds.username.clone(), PasswordRecord::Argon2(hash))],
        argon2,
    )
    .map_err(|e| e.to_string())?;
    let token_keys = TokenKeys::generate().map_err(|e| e.to_string())?;
    let mut cfg = EngineConfig::new(
        "https://sts.example.com/sts",
        pki.sts_key.clone(),
        pki.sts_cert.clone(),
        token_keys,
        vec![realm],
        users,
    );
    cfg.default_realm = Some("service".into());
    let mut trust = TrustStore::new();
    trust.add_anchor(&pki.ca);
    trust.pin(&pki.client_cert);
    cfg.client_trust = trust;
    cfg.known_certs = vec![pki.client_cert.clone()];
    Ok(Engine::new(cfg, Arc::new(MemoryStore::new())))
}

/// One HTTP request body with its SOAP 1.1 headers.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    /// The envelope.
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// `Content-Type` (SOAP 1.1).
    pub(crate) const CONTENT_TYPE: &'static str = "text/xml; charset=utf-8";

    /// The engine's view of it.
    pub(crate) fn incoming(&self) -> Incoming<'_> {
        Incoming {
            body: &self.body,
            content_type: Some(Self::CONTENT_TYPE),
            soap_action: Some(ISSUE_ACTION),
        }
    }
}

fn random_hex(n: usize) -> Result<String, String> {
    Ok(hex(&random_bytes(n).map_err(|e| e.to_string())?))
}

fn uuid() -> Result<String, String> {
    Ok(format!(
        "urn:uuid:{}",
        random_uuid().map_err(|e| e.to_string())?
    ))
}

/// WS-Addressing request headers.
fn addressing(w: &mut Writer, message_id: &str, to: &str) {
    w.start(ns::WSA, "Action").text(ISSUE_ACTION).end();
    w.start(ns::WSA, "MessageID").text(message_id).end();
    w.start(ns::WSA, "To").text(to).end();
}

/// The namespace of the padding extension element (`--body-kib`): the STS keeps unknown RST
/// children as extensions and ignores them.
const PAD_NS: &str = "urn:wstrust:bench:padding";
/// One padding item's text (the items make parse, c14n and digest cost grow with the Body).
const PAD_TEXT: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore";

/// The RST: Issue an SCT for `applies_to` with a 256-bit symmetric key.
fn rst_body(w: &mut Writer, context: &str, applies_to: &str) {
    rst_body_padded(w, context, applies_to, 0);
}

/// The RST, with an extension element of padding items after its parameters so that the RST
/// takes about `target_bytes` as written (nothing is added when it is already that long).
fn rst_body_padded(w: &mut Writer, context: &str, applies_to: &str, target_bytes: usize) {
    let start = w.as_str().len();
    w.start(ns::WST13, "RequestSecurityToken")
        .attr("", "Context", context);
    w.element_text(ns::WST13, "TokenType", ScVersion::V13.sct_token_type());
    w.element_text(ns::WST13, "RequestType", ISSUE_REQUEST);
    w.start(ns::WSP, "AppliesTo");
    w.start(ns::WSA, "EndpointReference");
    w.element_text(ns::WSA, "Address", applies_to);
    w.end();
    w.end();
    w.element_text(ns::WST13, "KeyType", SYMMETRIC_KEY);
    w.element_text(ns::WST13, "KeySize", "256");
    // The closing tags of the padding and of the RST, and the padding's start tag.
    const CLOSING: usize = 120;
    let used = w.as_str().len() - start + CLOSING;
    if target_bytes > used {
        w.start(PAD_NS, "Padding");
        let mut n = 0usize;
        while w.as_str().len() - start + CLOSING < target_bytes {
            w.start(PAD_NS, "Item")
                .attr("", "n", &n.to_string())
                .text(PAD_TEXT)
                .end();
            n += 1;
        }
        w.end();
    }
    w.end();
}

const STS_ADDRESS: &str = "https://sts.example.com/sts";

/// W-x509: an RST signed (RSA-SHA256 over Body and Timestamp) with the client key, its
/// certificate in a BinarySecurityToken, fresh at `now_ms`.
pub(crate) fn x509_request(pki: &Pki, creds: &Credentials, now_ms: i64) -> Result<Request, String> {
    let mid = uuid()?;
    let ctx = uuid()?;
    let headers = |w: &mut Writer| addressing(w, &mid, STS_ADDRESS);
    let body = |w: &mut Writer| rst_body(w, &ctx, &creds.applies_to);
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Rsa(&pki.client_key),
            method: SignatureMethod::Rsa(SignatureAlgorithm::RsaSha256),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::BinarySecurityToken(&pki.client_cert),
        }),
        ..Protection::default()
    };
    let s = wss::secure_envelope(SoapVersion::V11, now_ms, &headers, &body, &p)
        .map_err(|e| e.to_string())?;
    Ok(Request {
        body: s.xml.into_bytes(),
    })
}

/// W-password: an RST with a Timestamp and a UsernameToken (PasswordText, Nonce, Created).
pub(crate) fn password_request(creds: &Credentials, now_ms: i64) -> Result<Request, String> {
    let v = SoapVersion::V11;
    let env = v.namespace();
    let created = wss::time::format(now_ms);
    let nonce = base64_encode(&random_bytes(16).map_err(|e| e.to_string())?);
    let mut w = Writer::with_capacity(2048);
    w.start_prefixed(env, "Envelope", Some("s"));
    w.start_prefixed(env, "Header", Some("s"));
    addressing(&mut w, &uuid()?, STS_ADDRESS);
    w.start(ns::WSSE, "Security")
        .attr(env, "mustUnderstand", v.must_understand_true());
    w.start(ns::WSU, "Timestamp")
        .attr(ns::WSU, "Id", &format!("TS-{}", random_hex(8)?));
    w.element_text(ns::WSU, "Created", &created);
    w.element_text(ns::WSU, "Expires", &wss::time::format(now_ms + 300_000));
    w.end();
    w.start(ns::WSSE, "UsernameToken");
    w.element_text(ns::WSSE, "Username", &creds.username);
    w.start(ns::WSSE, "Password")
        .attr("", "Type", vt::PASSWORD_TEXT)
        .text(&creds.password)
        .end();
    w.start(ns::WSSE, "Nonce")
        .attr("", "EncodingType", vt::BASE64)
        .text(&nonce)
        .end();
    w.element_text(ns::WSU, "Created", &created);
    w.end();
    w.end();
    w.end();
    w.start_prefixed(env, "Body", Some("s"));
    rst_body(&mut w, &uuid()?, &creds.applies_to);
    w.end();
    w.end();
    Ok(Request {
        body: w.finish().map_err(|e| e.to_string())?.into_bytes(),
    })
}

/// A requester's established security context: what W-sct requests are signed with.
#[derive(Clone, Debug)]
pub(crate) struct SctSession {
    /// The context identifier (the STS's sealed state).
    pub(crate) identifier: String,
    /// The proof key.
    pub(crate) key: SecretBytes,
}

fn find(doc: &Document, ns_: &str, local: &str) -> Option<NodeId> {
    doc.descendants_or_self(doc.root())
        .find(|n| doc.is(*n, ns_, local))
}

/// Reads the context a W-x509 response established: the SCT identifier and the proof key
/// encrypted for the client certificate.
pub(crate) fn sct_session(pki: &Pki, response: &[u8]) -> Result<SctSession, String> {
    let doc = Document::parse(response).map_err(|e| e.to_string())?;
    let sct = find(&doc, ns::WSC13, "SecurityContextToken").ok_or("response carries no SCT")?;
    let identifier = doc
        .child(sct, ns::WSC13, "Identifier")
        .map(|i| doc.text(i).trim().to_owned())
        .ok_or("SCT without Identifier")?;
    let proof = find(&doc, ns::WST13, "RequestedProofToken").ok_or("no proof token")?;
    let key = if let Some(ek) = doc.child(proof, ns::XENC, "EncryptedKey") {
        let ek = EncryptedKey::read(&doc, ek).map_err(|e| e.to_string())?;
        decrypt_key(
            &ek,
            KeyEncryptionKey::Rsa(&pki.client_key),
            &Policy::default(),
        )
        .map_err(|e| e.to_string())?
    } else if let Some(bs) = doc.child(proof, ns::WST13, "BinarySecret") {
        SecretBytes::new(base64_decode(&doc.text(bs)).ok_or("proof BinarySecret")?)
    } else {
        return Err("proof token is neither EncryptedKey nor BinarySecret".into());
    };
    Ok(SctSession { identifier, key })
}

const DK_LABEL: &[u8] = b"WS-SecureConversationWS-SecureConversation";

/// W-sct: an RST signed with HMAC-SHA256 under a key derived (DerivedKeyToken, P_SHA-1 with a
/// fresh nonce) from the security context, which the DKT references by identifier.
///
/// `wss::secure_envelope` writes no DerivedKeyToken, so the DKT is written here and placed in
/// the security header before the signature (it is not signed, so no digest changes).
pub(crate) fn sct_request(
    session: &SctSession,
    creds: &Credentials,
    now_ms: i64,
) -> Result<Request, String> {
    sct_request_padded(session, creds, now_ms, 0)
}

/// A W-sct request whose signed RST is padded to about `body_bytes` (`--body-kib`): an
/// extension element the STS ignores, inside the signed Body, so parse, exclusive c14n and
/// the Body digest grow with it.
pub(crate) fn sct_request_padded(
    session: &SctSession,
    creds: &Credentials,
    now_ms: i64,
    body_bytes: usize,
) -> Result<Request, String> {
    let nonce = random_bytes(16).map_err(|e| e.to_string())?;
    let dk_id = format!("DK-{}", random_hex(8)?);
    let mut seed = DK_LABEL.to_vec();
    seed.extend_from_slice(&nonce);
    let dk = psha1_at(session.key.expose(), &seed, 0, 32).map_err(|e| e.to_string())?;
    let mut w = Writer::new();
    w.start(ns::WSC13, "DerivedKeyToken")
        .attr(ns::WSU, "Id", &dk_id);
    wss::write_reference(&mut w, &session.identifier, Some(vt::SCT_13));
    w.element_text(ns::WSC13, "Offset", "0");
    w.element_text(ns::WSC13, "Length", "32");
    w.element_text(ns::WSC13, "Nonce", &base64_encode(&nonce));
    w.end();
    let dkt = w.finish().map_err(|e| e.to_string())?;

    let mid = uuid()?;
    let ctx = uuid()?;
    let headers = |w: &mut Writer| addressing(w, &mid, STS_ADDRESS);
    let body = |w: &mut Writer| rst_body_padded(w, &ctx, &creds.applies_to, body_bytes);
    let dk_ref = format!("#{dk_id}");
    let ki = |w: &mut Writer| wss::write_reference(w, &dk_ref, Some(vt::DK_13));
    let p = Protection {
        signer: Some(Signer {
            key: SigningKey::Hmac(dk.expose()),
            method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
            digest: DigestAlgorithm::Sha256,
            key_info: SignerKeyInfo::Custom(&ki),
        }),
        ..Protection::default()
    };
    let mut xml = wss::secure_envelope(SoapVersion::V11, now_ms, &headers, &body, &p)
        .map_err(|e| e.to_string())?
        .xml;
    let at = xml
        .find("<ds:Signature")
        .ok_or("no ds:Signature in the secured envelope")?;
    xml.insert_str(at, &dkt);
    Ok(Request {
        body: xml.into_bytes(),
    })
}

/// Makes `n` distinct requests of `workload` (fresh at `now_ms`), in parallel on `threads`.
pub(crate) fn pool(
    n: usize,
    threads: usize,
    make: &(dyn Fn(i64) -> Result<Request, String> + Sync),
    now_ms: i64,
) -> Result<Vec<Request>, String> {
    let threads = threads.clamp(1, 64);
    let per = n.div_ceil(threads);
    let parts: Vec<Result<Vec<Request>, String>> = std::thread::scope(|s| {
        // Collected so that every generator is started before the first is joined.
        #[allow(clippy::needless_collect)]
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                let count = per.min(n.saturating_sub(t * per));
                s.spawn(move || (0..count).map(|_| make(now_ms)).collect())
            })
            .collect();
        hs.into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("generator panicked".into()))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(n);
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// Whether a response is a success (HTTP 200 and no SOAP Fault element).
pub(crate) fn is_success(status: u16, body: &[u8]) -> bool {
    status == 200 && !has_fault_element(body)
}

/// True when some start tag is a `Fault` (any prefix): one pass over the tags, so checking a
/// response costs the load tool little next to what the server spent on it.
fn has_fault_element(body: &[u8]) -> bool {
    body.split(|&b| b == b'<').skip(1).any(|tag| {
        let name_end = tag
            .iter()
            .position(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
        local == b"Fault"
    })
}

/// In-process handling of one request by `engine` at the system clock.
pub(crate) fn handle(engine: &Engine, req: &Request, workload: Workload) -> (u16, String) {
    let r = engine.handle(
        req.incoming(),
        Transport {
            confidential: workload.needs_confidential(),
            peer: None,
        },
        &wss::SystemClock,
    );
    (r.status, r.body)
}

/// Establishes a W-sct session in process: one W-x509 exchange.
pub(crate) fn sct_session_in_process(
    engine: &Engine,
    pki: &Pki,
    creds: &Credentials,
    now_ms: i64,
) -> Result<SctSession, String> {
    let req = x509_request(pki, creds, now_ms)?;
    let (status, body) = handle(engine, &req, Workload::X509);
    if !is_success(status, body.as_bytes()) {
        return Err(format!("W-x509 setup exchange failed with status {status}"));
    }
    sct_session(pki, body.as_bytes())
}
