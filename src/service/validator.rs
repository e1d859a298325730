//! The service's validator: SCTs issued by a trusted STS, messages signed with their keys,
//! and keys propagated directly by an initiator.

use std::sync::Arc;

use crate::crypto::{self, BlockCipher, RsaPrivateKey, SecretBytes};
use crate::pki::{Certificate, TrustError, TrustStore};
use crate::soap::{Envelope, SoapVersion};
use crate::store::{Space, TokenStore};
use crate::trust::{
    FromElement, RequestSecurityTokenResponse, RequestedProofToken, TokenKind, TrustMessage,
};
use crate::wss::{
    self, CertificateRef, Clock, Environment, InboundConfig, KeyResolver, KeySource, ReplayGuard,
    Requirements, SecuredMessage, SigningToken,
};
use crate::xml::{ns, Document, Limits, NodeId};
use crate::xmlsec::{self, decrypt_key, EncryptedKey, KeyEncryptionKey};

use super::sct::{self, SctContent};
use super::Error;

/// A validator for a token type other than the SCT (e.g. SAML assertions): the extension
/// point through which other token families join [`Validator`].
pub trait IssuedTokenValidator: Send + Sync {
    /// True when this validator is responsible for element `el` (e.g. by its name).
    fn accepts(&self, doc: &Document, el: NodeId) -> bool;
    /// Validates the token (issuer signature, audience, lifetime) at `now_ms` and returns what
    /// it says, with its proof key if it has one.
    fn validate(&self, doc: &Document, el: NodeId, now_ms: i64) -> Result<ValidatedToken, Error>;
}

/// What a valid token says.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ValidatedToken {
    /// The token type URI.
    pub token_type: String,
    /// The token's identifier (`wsc:Identifier`, an assertion ID).
    pub identifier: String,
    /// `wsc:Instance`, when present.
    pub instance: Option<String>,
    /// Who vouches for it: the STS issuer URI, or the initiator's certificate subject.
    pub issuer: String,
    /// The requester the token was issued to (the proof-key holder).
    pub principal: String,
    /// For delegated tokens: the principal the holder acts for.
    pub act_as: Option<String>,
    /// Claims (rights), as (name, value).
    pub claims: Vec<(String, String)>,
    /// Expiry, ms since the epoch.
    pub expires_ms: i64,
    /// The token's key, decrypted with the service's private key (`None` for bearer tokens).
    pub key: Option<SecretBytes>,
    /// How the presenter proves it holds the token.
    pub confirmation: TokenConfirmation,
}

/// How the presenter of a validated token proves it is the one the token was issued to.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TokenConfirmation {
    /// Bearer: whoever presents the token.
    Bearer,
    /// Holder of key, symmetric: the presenter signs with [`ValidatedToken::key`] (SCTs, SAML
    /// holder-of-key with an encrypted key).
    SymmetricKey,
    /// Holder of key, public: the presenter signs with the private half of this key.
    PublicKey(crate::saml::PublicKeyInfo),
}

/// A message verified by [`Validator::verify_message`].
#[derive(Debug)]
pub struct VerifiedMessage {
    /// The token whose key (or a key derived from it) signed the Body.
    pub token: ValidatedToken,
    /// The security record of the message.
    pub message: SecuredMessage,
}

/// What the service is configured with.
#[non_exhaustive]
pub struct ValidatorConfig {
    /// The audience tokens must name (the STS realm's name for this service).
    pub audience: String,
    /// The service's private key (tokens carry their key encrypted for it).
    pub service_key: RsaPrivateKey,
    /// The service's certificate.
    pub service_cert: Certificate,
    /// STS certificates whose signature on a token is trusted.
    pub sts_certs: Vec<Certificate>,
    /// Who may propagate keys directly (pattern 1 initiators). Default: nobody.
    pub initiators: TrustStore,
    /// Certificates messages may refer to without carrying them. Default: none.
    pub known_certs: Vec<Certificate>,
    /// WS-Security inbound policy. Default: [`InboundConfig::default`] (a fresh Timestamp
    /// required, the `compatible` algorithm suite).
    pub inbound: InboundConfig,
    /// Parser limits. Default: [`Limits::default`].
    pub limits: Limits,
    /// Lifetime of a propagated context whose RSTR names none, in seconds. Default: 3600.
    pub propagated_lifetime_secs: i64,
    /// Validators of other token types, asked first. Default: none.
    pub token_validators: Vec<Box<dyn IssuedTokenValidator>>,
}

impl ValidatorConfig {
    /// A configuration with defaults around the mandatory parts.
    pub fn new(
        audience: impl Into<String>,
        service_key: RsaPrivateKey,
        service_cert: Certificate,
        sts_certs: Vec<Certificate>,
    ) -> Self {
        Self {
            audience: audience.into(),
            service_key,
            service_cert,
            sts_certs,
            initiators: TrustStore::new(),
            known_certs: Vec::new(),
            inbound: InboundConfig::default(),
            limits: Limits::default(),
            propagated_lifetime_secs: 3600,
            token_validators: Vec::new(),
        }
    }
}

/// The service-side validator.
pub struct Validator {
    cfg: ValidatorConfig,
    store: Arc<dyn TokenStore>,
    /// Seals the propagated contexts this service registers in the store.
    seal_key: SecretBytes,
    /// Issuer keys verified so far (SCTs under issuer-key protection).
    issuer_keys: sct::IssuerKeyCache,
}

/// A key propagated by an unsolicited RSTR (direct key transfer).
#[derive(Debug)]
pub struct Propagated {
    /// `wsc:Identifier` of the propagated SCT.
    pub identifier: String,
    /// `wsc:Instance`, when present.
    pub instance: Option<String>,
    /// The key, decrypted.
    pub key: SecretBytes,
    /// Lifetime `Expires` of the RSTR (ms), when given.
    pub expires_ms: Option<i64>,
}

/// Reads the SCT and proof key of an unsolicited RSTR whose RequestedProofToken holds the key
/// encrypted for `recipient` (WS-Trust 1.4 Appendix, direct key transfer).
pub fn read_propagation(
    rstr: &RequestSecurityTokenResponse,
    recipient: &RsaPrivateKey,
    policy: &xmlsec::Policy,
) -> Result<Propagated, Error> {
    let token = rstr.requested_security_token.as_ref().ok_or(Error::Token {
        what: "propagation without a token",
    })?;
    let Some(TokenKind::SecurityContextToken(sct)) = token.token_kind() else {
        return Err(Error::Token {
            what: "propagated token is not a security context token",
        });
    };
    if sct.identifier.is_empty() {
        return Err(Error::Token {
            what: "empty identifier",
        });
    }
    let Some(RequestedProofToken::EncryptedKey(f)) = &rstr.requested_proof_token else {
        return Err(Error::Token {
            what: "propagation without an encrypted proof key",
        });
    };
    let (doc, el) = f.first_element().ok_or(Error::Token {
        what: "empty proof token",
    })?;
    let ek = EncryptedKey::read(doc, el)?;
    let key = decrypt_key(&ek, KeyEncryptionKey::Rsa(recipient), policy)?;
    if key.len() < 16 {
        return Err(Error::Token {
            what: "propagated key shorter than 128 bits",
        });
    }
    let expires_ms = rstr
        .params
        .lifetime
        .as_ref()
        .and_then(|l| l.expires_seconds())
        .map(|s| s.saturating_mul(1000));
    Ok(Propagated {
        identifier: sct.identifier,
        instance: sct.instance,
        key,
        expires_ms,
    })
}

impl Validator {
    /// A validator; propagated contexts and revocations live in `store` (share it with the
    /// STS to see its cancellations).
    pub fn new(cfg: ValidatorConfig, store: Arc<dyn TokenStore>) -> Result<Self, Error> {
        Ok(Self {
            cfg,
            store,
            seal_key: crypto::random_secret(32)?,
            issuer_keys: sct::IssuerKeyCache::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ValidatorConfig {
        &self.cfg
    }

    /// Validates token element `el` of `doc` at `now_ms`: a registered validator's token
    /// type, else an SCT issued by a trusted STS.
    pub fn validate_token(
        &self,
        doc: &Document,
        el: NodeId,
        now_ms: i64,
    ) -> Result<ValidatedToken, Error> {
        if let Some(v) = self
            .cfg
            .token_validators
            .iter()
            .find(|v| v.accepts(doc, el))
        {
            return v.validate(doc, el, now_ms);
        }
        self.validate_sct(doc, el, now_ms)
    }

    /// Validates an SCT: the STS's word for the whole token (its RSA signature, or an HMAC
    /// under an issuer key the STS signed, see [`sct`]), audience, lifetime, revocation;
    /// decrypts its key with the service's private key.
    pub fn validate_sct(
        &self,
        doc: &Document,
        el: NodeId,
        now_ms: i64,
    ) -> Result<ValidatedToken, Error> {
        let keys = sct::ServiceKeys {
            sts_certs: &self.cfg.sts_certs,
            service_key: &self.cfg.service_key,
            policy: &self.cfg.inbound.xmlsec,
            cache: Some(&self.issuer_keys),
        };
        let (c, key): (SctContent, SecretBytes) = sct::open(doc, el, &keys)?;
        if !crypto::ct_eq(c.audience.as_bytes(), self.cfg.audience.as_bytes()) {
            return Err(Error::Token {
                what: "sct for another audience",
            });
        }
        let skew = self.cfg.inbound.clock_skew_secs.saturating_mul(1000);
        if now_ms >= c.expires_ms {
            return Err(Error::Token {
                what: "sct expired",
            });
        }
        if c.created_ms > now_ms.saturating_add(skew) {
            return Err(Error::Token {
                what: "sct created in the future",
            });
        }
        self.check_not_revoked(&c.identifier, c.instance.as_deref())?;
        Ok(ValidatedToken {
            token_type: crate::trust::ScVersion::from_namespace(doc.name(el).ns)
                .map(|v| v.sct_token_type().to_owned())
                .unwrap_or_default(),
            identifier: c.identifier,
            instance: c.instance,
            issuer: c.issuer,
            principal: c.principal,
            act_as: c.act_as,
            claims: c.claims,
            expires_ms: c.expires_ms,
            key: Some(key),
            confirmation: TokenConfirmation::SymmetricKey,
        })
    }

    fn check_not_revoked(&self, identifier: &str, instance: Option<&str>) -> Result<(), Error> {
        for k in [
            sct::cancelled_key(identifier),
            sct::superseded_key(identifier, instance),
        ] {
            match self.store.get(Space::Revoked, &k) {
                Ok(None) => {}
                Ok(Some(_)) => {
                    return Err(Error::Token {
                        what: "token cancelled or superseded",
                    })
                }
                Err(_) => return Err(Error::Store),
            }
        }
        Ok(())
    }

    /// Verifies a SOAP message whose Body (and Timestamp) is signed with the key of a token:
    /// an STS-issued SCT carried in the security header, or a context registered by a direct
    /// propagation, either used directly or through a DerivedKeyToken.
    pub fn verify_message(&self, body: &[u8], clock: &dyn Clock) -> Result<VerifiedMessage, Error> {
        let now = clock.now_ms();
        let doc = Document::parse_with(body, &self.cfg.limits)?;
        let version = Envelope::read(&doc, None)?.version();
        let tokens = self.header_tokens(&doc, now)?;
        let msg = self.process_signed(doc, version, clock, &tokens, now)?;
        let body = msg.envelope()?.body();
        let sig = msg.signature_over(body).ok_or(Error::Message {
            what: "body not signed",
        })?;
        let SigningToken::Symmetric { source } = sig.token() else {
            return Err(Error::Message {
                what: "body not signed with a token key",
            });
        };
        let identifier = context_of(source).ok_or(Error::Message {
            what: "body signed with a key of no security context",
        })?;
        let token = match tokens.iter().find(|t| t.identifier == identifier) {
            Some(t) => t.clone(),
            None => self.registered(identifier, now)?.ok_or(Error::Message {
                what: "unknown security context",
            })?,
        };
        Ok(VerifiedMessage {
            token,
            message: msg,
        })
    }

    /// Validates the STS-signed tokens in the security header of `doc`.
    /// Processes the security header of `doc` with the service's keys (and the `tokens` its
    /// header carried) and requires a signed Body and Timestamp.
    fn process_signed(
        &self,
        doc: Document,
        version: SoapVersion,
        clock: &dyn Clock,
        tokens: &[ValidatedToken],
        now: i64,
    ) -> Result<SecuredMessage, Error> {
        let keys = ServiceKeys {
            v: self,
            tokens,
            now,
        };
        let replay = StoreReplay(&*self.store);
        let env = Environment {
            clock,
            replay: &replay,
            keys: &keys,
        };
        let msg = wss::process(doc, version, &self.cfg.inbound, env)?;
        Requirements {
            body_signed: true,
            timestamp_signed: true,
            ..Requirements::default()
        }
        .check(&msg)?;
        Ok(msg)
    }

    fn header_tokens(&self, doc: &Document, now: i64) -> Result<Vec<ValidatedToken>, Error> {
        let env = Envelope::read(doc, None)?;
        let mut out = Vec::new();
        for h in env.headers_named(ns::WSSE, "Security") {
            for t in doc.child_elements(h.node) {
                let n = doc.name(t);
                let is_sct = (n.ns == ns::WSC13 || n.ns == ns::WSC_2005)
                    && n.local == "SecurityContextToken";
                let issued = is_sct && doc.child(t, ns::DS, "Signature").is_some();
                if issued || self.cfg.token_validators.iter().any(|v| v.accepts(doc, t)) {
                    out.push(self.validate_token(doc, t, now)?);
                }
            }
        }
        Ok(out)
    }

    /// Accepts a direct key transfer: an unsolicited RSTR, signed (Body and Timestamp) by an
    /// initiator whose certificate [`ValidatorConfig::initiators`] trusts, carrying an SCT and
    /// the key encrypted for this service. Registers the context in the store (a context
    /// already registered is refused: replayed propagation) and returns it.
    pub fn accept_propagation(
        &self,
        body: &[u8],
        clock: &dyn Clock,
    ) -> Result<ValidatedToken, Error> {
        let now = clock.now_ms();
        let doc = Document::parse_with(body, &self.cfg.limits)?;
        let version = Envelope::read(&doc, None)?.version();
        let msg = self.process_signed(doc, version, clock, &[], now)?;
        let envelope = msg.envelope()?;
        let body = envelope.body();
        let Some(SigningToken::X509(initiator)) = msg.signature_over(body).map(|s| s.token())
        else {
            return Err(Error::Message {
                what: "propagation not signed by an initiator certificate",
            });
        };
        let el = envelope
            .body_element()
            .ok_or(Error::Message { what: "empty body" })?;
        let rstr = match TrustMessage::read(msg.document(), el)? {
            TrustMessage::Rstr(r) => r,
            TrustMessage::Rstrc(mut c) if c.responses.len() == 1 => c.responses.remove(0),
            _ => {
                return Err(Error::Message {
                    what: "body is not one unsolicited rstr",
                })
            }
        };
        let p = read_propagation(&rstr, &self.cfg.service_key, &self.cfg.inbound.xmlsec)?;
        let expires_ms = p.expires_ms.unwrap_or_else(|| {
            now.saturating_add(self.cfg.propagated_lifetime_secs.saturating_mul(1000))
        });
        if expires_ms <= now {
            return Err(Error::Token {
                what: "propagated context already expired",
            });
        }
        let token = ValidatedToken {
            token_type: rstr
                .params
                .token_type
                .as_ref()
                .map(|t| t.uri().to_owned())
                .unwrap_or_default(),
            identifier: p.identifier,
            instance: p.instance,
            issuer: initiator.subject().to_owned(),
            principal: initiator.subject().to_owned(),
            act_as: None,
            claims: Vec::new(),
            expires_ms,
            key: Some(p.key),
            confirmation: TokenConfirmation::SymmetricKey,
        };
        self.register(&token)?;
        Ok(token)
    }

    fn store_key(&self, identifier: &str) -> Vec<u8> {
        format!("service:{}:{identifier}", self.cfg.audience).into_bytes()
    }

    fn register(&self, t: &ValidatedToken) -> Result<(), Error> {
        let key = t.key.as_ref().ok_or(Error::Token {
            what: "propagated context without key",
        })?;
        let mut plain = Vec::new();
        for f in [t.principal.as_bytes(), key.expose()] {
            let len = u16::try_from(f.len()).map_err(|_| Error::Token {
                what: "field too long",
            })?;
            plain.extend_from_slice(&len.to_be_bytes());
            plain.extend_from_slice(f);
        }
        plain.extend_from_slice(&t.expires_ms.to_be_bytes());
        let sealed = crypto::encrypt(BlockCipher::Aes256Gcm, self.seal_key.expose(), &plain);
        zeroize::Zeroize::zeroize(&mut plain);
        let sealed = sealed?;
        match self.store.insert_if_absent(
            Space::Context,
            &self.store_key(&t.identifier),
            &sealed,
            t.expires_ms,
        ) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::Token {
                what: "context already registered (replayed propagation)",
            }),
            Err(_) => Err(Error::Store),
        }
    }

    /// A context registered by a direct propagation.
    fn registered(&self, identifier: &str, now: i64) -> Result<Option<ValidatedToken>, Error> {
        let v = self
            .store
            .get(Space::Context, &self.store_key(identifier))
            .map_err(|_| Error::Store)?;
        let Some(v) = v else { return Ok(None) };
        self.check_not_revoked(identifier, None)?;
        let plain = crypto::decrypt(BlockCipher::Aes256Gcm, self.seal_key.expose(), &v)
            .map_err(|_| Error::Store)?;
        let mut r = plain.expose();
        let mut field = || -> Option<Vec<u8>> {
            let (l, rest) = r.split_first_chunk::<2>()?;
            let len = usize::from(u16::from_be_bytes(*l));
            let (f, rest) = rest.split_at_checked(len)?;
            r = rest;
            Some(f.to_vec())
        };
        let principal = field().ok_or(Error::Store)?;
        let key = field().ok_or(Error::Store)?;
        let expires = r
            .first_chunk::<8>()
            .map(|b| i64::from_be_bytes(*b))
            .ok_or(Error::Store)?;
        if expires <= now {
            return Ok(None);
        }
        let principal = String::from_utf8(principal).map_err(|_| Error::Store)?;
        Ok(Some(ValidatedToken {
            token_type: String::new(),
            identifier: identifier.to_owned(),
            instance: None,
            issuer: principal.clone(),
            principal,
            act_as: None,
            claims: Vec::new(),
            expires_ms: expires,
            key: Some(SecretBytes::new(key)),
            confirmation: TokenConfirmation::SymmetricKey,
        }))
    }
}

/// The identifier of the security context a key comes from (directly or derived).
pub(crate) fn context_of(source: &KeySource) -> Option<&str> {
    match source {
        KeySource::SecurityContext { identifier } => Some(identifier),
        KeySource::Derived(inner) => context_of(inner),
        _ => None,
    }
}

struct ServiceKeys<'a> {
    v: &'a Validator,
    tokens: &'a [ValidatedToken],
    now: i64,
}

impl KeyResolver for ServiceKeys<'_> {
    fn certificate(&self, r: &CertificateRef) -> Option<Certificate> {
        let c = &self.v.cfg;
        std::iter::once(&c.service_cert)
            .chain(c.sts_certs.iter())
            .chain(c.known_certs.iter())
            .find(|cert| match r {
                CertificateRef::ThumbprintSha1(t) => cert.thumbprint_sha1() == t.as_slice(),
                CertificateRef::SubjectKeyId(s) => cert.subject_key_id() == *s,
                CertificateRef::IssuerSerial { issuer, serial } => {
                    cert.serial() == serial && cert.issuer_matches(issuer)
                }
            })
            .cloned()
    }

    fn validate(&self, cert: &Certificate, now: i64) -> Result<(), TrustError> {
        self.v.cfg.initiators.validate(cert, &[], now)
    }

    fn private_key(&self, cert: &Certificate) -> Option<RsaPrivateKey> {
        let k = &self.v.cfg.service_key;
        (k.public_key() == *cert.public_key()).then(|| k.clone())
    }

    fn security_context(&self, identifier: &str, instance: Option<&str>) -> Option<SecretBytes> {
        if let Some(t) = self.tokens.iter().find(|t| {
            t.identifier == identifier && (instance.is_none() || t.instance.as_deref() == instance)
        }) {
            return t.key.clone();
        }
        self.v
            .registered(identifier, self.now)
            .ok()
            .flatten()
            .and_then(|t| t.key)
    }
}

/// Replay memory in the shared store; a store failure refuses the message.
struct StoreReplay<'a>(&'a dyn TokenStore);

impl ReplayGuard for StoreReplay<'_> {
    fn check_and_insert(&self, key: &[u8], expires_ms: i64) -> bool {
        self.0
            .insert_if_absent(Space::Replay, key, b"", expires_ms)
            .unwrap_or(false)
    }

    fn forget(&self, key: &[u8]) {
        let _ = self.0.remove(Space::Replay, key);
    }
}
