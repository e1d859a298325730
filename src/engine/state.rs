//! The engine's state and the types its modules share: the [`Engine`] (configuration, store,
//! issuer keys, counters, audit sink), who asked ([`Requester`]), what a binding answers
//! ([`Outcome`]) and how the reply is protected ([`ReplyKey`], [`Reply`]).
//!
//! The request pipeline (`sts`) and every binding (`issue`, `renew`, ...) add `impl Engine`
//! blocks of their own; this module names none of them, so they all sit above it.

use crate::crypto::{self, SecretBytes};
use crate::pki::Certificate;
use crate::saml::{AuthnMethod, Claim};
use crate::store::TokenStore;
use crate::trust::{RequestSecurityTokenResponse, ScVersion};
use crate::wss;
use std::sync::atomic::{AtomicU64, Ordering};

use super::audit::AuditSink;
use super::config::EngineConfig;
use super::issuer_key::IssuerKeys;
use super::sealed::ContextState;
use super::summary::Summary;
use super::users::Principal;

/// Properties of the transport the request came over.
#[derive(Clone, Copy, Debug, Default)]
pub struct Transport {
    /// The channel keeps the body confidential (TLS, or loopback in development): only then
    /// may a proof key travel as a plain BinarySecret, or a password as text.
    pub confidential: bool,
    /// The client's address, when known (the server passes the TCP peer): what password
    /// lockout calls a source (see [`super::lockout`]). Default: none (an unfamiliar source).
    pub peer: Option<std::net::IpAddr>,
}

/// The HTTP response to send.
#[derive(Clone, Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The envelope.
    pub body: String,
    /// For the log: why a fault was sent (never sent to the caller).
    pub log: Option<String>,
    /// The request's correlation id (see [`audit`](super::audit)): for the log and the
    /// `X-Correlation-Id` response header.
    pub correlation_id: String,
    /// What the request was and how it ended, for metrics and traces.
    pub summary: Summary,
}

/// Who asked, as established from the security record: the engine's proof of
/// authentication. Its fields are private to this module and each constructor takes what a
/// verifier produced (a [`wss::SignatureRecord`] only `wss` makes, a [`Principal`] only the
/// user store makes, a [`UsedContext`] only the context resolver makes), so a `Requester`
/// cannot be made up from request text elsewhere in the engine.
#[derive(Clone, Debug)]
pub(crate) struct Requester {
    /// The authenticated principal.
    principal: String,
    /// The certificate that signed the Body, if one did.
    cert: Option<Certificate>,
    /// The security context whose key (or a key derived from it) signed the Body.
    context: Option<UsedContext>,
    /// The random key (an EncryptedKey for us) that signed the Body, when the identity came
    /// from a UsernameToken under that signature (the symmetric binding).
    random_key: Option<RandomKey>,
    /// The issued token (another STS's assertion) that authenticated the requester.
    issued: Option<IssuedIdentity>,
}

impl Requester {
    fn named(principal: String) -> Self {
        Self {
            principal,
            cert: None,
            context: None,
            random_key: None,
            issued: None,
        }
    }

    /// The signer of `sig`, when it is an X.509 signature (the certificate as `wss` validated
    /// it against the trust anchors).
    pub(crate) fn by_certificate(sig: &wss::SignatureRecord) -> Option<Self> {
        match sig.token() {
            wss::SigningToken::X509(cert) => Some(Self {
                cert: Some(cert.clone()),
                ..Self::named(cert.subject().to_owned())
            }),
            _ => None,
        }
    }

    /// A user whose password the user store checked.
    pub(crate) fn by_password(user: Principal) -> Self {
        Self::named(user.into_name())
    }

    /// A user whose password the user store checked, in a UsernameToken signed by the
    /// request's random key `key`.
    pub(crate) fn by_random_key(user: Principal, key: RandomKey) -> Self {
        Self {
            random_key: Some(key),
            ..Self::named(user.into_name())
        }
    }

    /// The principal of the security context whose key signed the Body.
    pub(crate) fn by_context(used: UsedContext) -> Self {
        Self {
            principal: used.state.principal.clone(),
            context: Some(used),
            ..Self::named(String::new())
        }
    }

    /// The subject of an assertion validated against a trusted issuer (`identity`).
    pub(crate) fn by_issued_token(subject: String, identity: IssuedIdentity) -> Self {
        Self {
            issued: Some(identity),
            ..Self::named(subject)
        }
    }

    /// This requester renewing a token of `subject` (of the domain in `issued`): the same
    /// credentials, named as the token's subject.
    pub(crate) fn renewing_as(&self, subject: String, issued: Option<IssuedIdentity>) -> Self {
        Self {
            principal: subject,
            issued,
            ..self.clone()
        }
    }

    /// The authenticated principal.
    pub(crate) fn principal(&self) -> &str {
        &self.principal
    }

    /// The certificate that signed the Body, if one did.
    pub(crate) fn cert(&self) -> Option<&Certificate> {
        self.cert.as_ref()
    }

    /// The security context whose key (or a key derived from it) signed the Body.
    pub(crate) fn context(&self) -> Option<&UsedContext> {
        self.context.as_ref()
    }

    /// The random key that signed the Body (the symmetric binding).
    pub(crate) fn random_key(&self) -> Option<&RandomKey> {
        self.random_key.as_ref()
    }

    /// The issued token that authenticated the requester.
    pub(crate) fn issued(&self) -> Option<&IssuedIdentity> {
        self.issued.as_ref()
    }

    /// The domain the principal's name is from: `None` for our own users and certificates,
    /// the trusted issuer's name for a subject another STS authenticated.
    pub(crate) fn authority(&self) -> Option<&str> {
        self.issued.as_ref().map(|i| i.authority.as_str())
    }

    /// True when `principal` of `authority` names this requester (constant time on the
    /// principal): the same name from the same domain.
    pub(crate) fn is(&self, principal: &str, authority: Option<&str>) -> bool {
        let same_name = crypto::ct_eq(self.principal.as_bytes(), principal.as_bytes());
        same_name & (self.authority() == authority)
    }
}

/// A request's random key: sent as an `xenc:EncryptedKey` for our certificate, it signed the
/// Body (itself, or through a DerivedKeyToken); the reply is signed (and encrypted) with it.
#[derive(Clone, Debug)]
pub(crate) struct RandomKey {
    pub(crate) key: SecretBytes,
    /// base64 SHA-1 of the wrapped key (the reply names the key by it).
    pub(crate) sha1: String,
    /// The request signed with a key derived from it: so does the reply.
    pub(crate) derived: bool,
}

/// A key the reply Body is encrypted with, and how the reply names it.
pub(crate) enum ReplyKey {
    /// The key of the request's EncryptedKey, named by EncryptedKeySHA1.
    RequestKey {
        /// The key.
        key: SecretBytes,
        /// base64 SHA-1 of the wrapped key.
        sha1: String,
    },
    /// A security context's key, named by a reference to its identifier.
    Context {
        /// The key.
        key: SecretBytes,
        /// `wsc:Identifier`.
        identifier: String,
        /// Its SecureConversation version.
        sc: ScVersion,
    },
}

/// How to answer: one RSTR or a collection, encrypted with which key, signed under which
/// security context (none: by the STS's RSA key).
pub(crate) struct Reply<'a> {
    pub(crate) single: bool,
    pub(crate) key: Option<ReplyKey>,
    pub(crate) context: Option<&'a UsedContext>,
    /// The request's random key, when it signed the request: the reply is signed with it.
    pub(crate) random: Option<&'a RandomKey>,
}

/// What one binding answers.
pub(crate) struct Outcome {
    pub(crate) rstr: RequestSecurityTokenResponse,
    /// Encrypt the reply with this key (the binding needs confidentiality it cannot otherwise
    /// have).
    pub(crate) reply_key: Option<ReplyKey>,
}

/// The security token service.
pub struct Engine {
    pub(crate) cfg: EngineConfig,
    pub(crate) store: std::sync::Arc<dyn TokenStore>,
    pub(crate) issuer_keys: IssuerKeys,
    pub(crate) auth_counters: std::sync::Arc<AuthCounters>,
    /// Where audit events go (none: not recorded).
    pub(crate) audit: Option<std::sync::Arc<dyn AuditSink>>,
}

impl Engine {
    /// An engine with `cfg`, keeping replay memory, contexts and revocations in `store`.
    pub fn new(mut cfg: EngineConfig, store: std::sync::Arc<dyn TokenStore>) -> Self {
        cfg.add_sts_realm();
        // The security header is verified before the realm is known: with every suite a
        // realm keeps to; each request is then held to its realm's (`algorithms`).
        let default = cfg.algorithms;
        cfg.inbound.xmlsec.suites = crate::xmlsec::Suite::ALL
            .into_iter()
            .filter(|s| {
                cfg.realms
                    .iter()
                    .any(|r| r.algorithms.unwrap_or(default) == *s)
            })
            .collect();
        let issuer_keys = IssuerKeys::new(&cfg.realms, cfg.issuer_key_period_secs);
        Self {
            cfg,
            store,
            issuer_keys,
            auth_counters: std::sync::Arc::default(),
            audit: None,
        }
    }

    /// An engine with the new configuration `cfg` that takes over from `previous` (a
    /// configuration reload): the same store (replay memory, contexts, lockout counters),
    /// the same authentication counters and the same audit sink; issuer keys are made afresh
    /// (tokens already issued carry theirs).
    pub fn succeeding(cfg: EngineConfig, previous: &Self) -> Self {
        let mut next = Self::new(cfg, std::sync::Arc::clone(&previous.store));
        next.auth_counters = std::sync::Arc::clone(&previous.auth_counters);
        next.audit.clone_from(&previous.audit);
        next
    }

    /// This engine recording an audit event for every request it answers into `sink` (see
    /// [`audit`](super::audit)).
    pub fn with_audit(mut self, sink: std::sync::Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// The token store.
    pub fn store(&self) -> &dyn TokenStore {
        &*self.store
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }
}

/// What an issued token adds to the requester it authenticated (who it is is the
/// requester's principal; the issuer, token and proof are in the log line).
#[derive(Clone, Debug)]
pub(crate) struct IssuedIdentity {
    /// The token's attributes, when its issuer passes claims on (else empty).
    pub(crate) claims: Vec<Claim>,
    /// How the subject authenticated to the issuer, when the token says.
    pub(crate) authn: Option<AuthnMethod>,
    /// The configured name of the trusted issuer: the domain the subject's name is from.
    /// Tokens and contexts issued on it carry it (SAML `NameQualifier`, JWT `idp`, the
    /// sealed context state), so that a local user and a federated subject of the same name
    /// are never taken for one another (owner renewal and cancellation compare both).
    pub(crate) authority: String,
}

/// A context the message used.
#[derive(Clone, Debug)]
pub(crate) struct UsedContext {
    pub(crate) identifier: String,
    pub(crate) instance: Option<String>,
    pub(crate) state: ContextState,
}

/// Counts of password checks, for the server's metrics.
#[derive(Debug, Default)]
pub struct AuthCounters {
    pub(super) failures: AtomicU64,
    pub(super) lockouts: AtomicU64,
}

impl AuthCounters {
    /// Failed password checks (wrong password, unknown user, or refused while locked out).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Times a user's failure counter reached its lockout threshold.
    pub fn lockouts(&self) -> u64 {
        self.lockouts.load(Ordering::Relaxed)
    }
}
