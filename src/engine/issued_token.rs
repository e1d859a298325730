//! Issued-token authentication: a SAML 1.1 or 2.0 assertion in the `wsse:Security` header,
//! issued by another STS we trust ([`TrustedIssuer`], known by its signing certificate),
//! authenticates the requester as the assertion's subject. This is what a chained or
//! federated STS needs, and what AD FS's `issuedtokenmixed*` endpoints accept.
//!
//! The assertion is validated by [`crate::saml::validate`] (one enveloped signature over
//! exactly the assertion element, by a trusted certificate; every value read from that signed
//! node; no duplicate Ids; lifetime with the inbound clock skew; every audience restriction
//! naming our issuer URI or the issuer's configured audience; the issuer name when
//! configured), then, by its subject confirmation:
//!
//! * **holder of key** (public key or certificate, or a symmetric key in an
//!   `xenc:EncryptedKey` for our certificate): a message signature whose `ds:KeyInfo` names
//!   the assertion (a `wsse:SecurityTokenReference` with a `SAMLAssertionID` / `SAMLID` key
//!   identifier, or a local reference to its Id) is verified by the WS-Security layer with
//!   the confirmation key ([`wss::SigningToken::IssuedToken`]), the assertion validated
//!   through [`crate::wss::KeyResolver::issued_token`] (this module's
//!   [`validate_assertion`]). That signature must cover the Body, or, over a confidential
//!   channel, the Timestamp (WS-SecurityPolicy's endorsing supporting token in a transport
//!   binding: what WCF and AD FS's `issuedtokenmixed*` endpoints use, TLS protecting the
//!   Body);
//! * **bearer**: the channel must be confidential, and the assertion is used once: its Id
//!   (with its issuer's certificate) is recorded in the replay memory until it expires, so a
//!   replayed bearer assertion is refused. The entry is taken back when the request is
//!   refused later on.
//!
//! Exactly one assertion may be in the header. The requester's principal is the subject's
//! `NameID` value; the tokens issued on it say the assertion's authentication method (else
//! unspecified) and, when the issuer has `pass_claims`, carry its attributes.
//!
//! Every refusal is [`Error::Authentication`] or [`Error::IssuedToken`] (the generic
//! `wst:FailedAuthentication` fault) with the precise reason in the log.
//!
//! Adding a JWT authenticator: the WS-Security layer records a `wsse:BinarySecurityToken`
//! of the JWT value type like an assertion (and a signature naming it as
//! `SigningToken::IssuedToken`); a `validate_jwt` beside [`validate_assertion`] checks it
//! against the same [`TrustedIssuer`]s (their certificates verify RS256/ES256) and returns
//! the same [`IssuedIdentity`], so [`Engine::authenticate_issued`] and everything downstream
//! stay as they are.

use crate::crypto::{self, DigestAlgorithm};
use crate::saml::{self, Confirmation, SamlVersion, ServiceKey, ValidatedAssertion};
use crate::wss::{ReplayGuard, SigningToken};
use crate::xml::{Document, NodeId};

use super::config::{EngineConfig, TrustedIssuer};
use super::request::ParsedRequest;
use super::state::{Engine, IssuedIdentity, Requester, Transport};
use super::tokens::IssuedTokenProof;
use super::Error;

/// How the presenter of an issued token proved it is its subject.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum IssuedProof {
    /// A bearer token, used once over a confidential channel.
    Bearer,
    /// A signature by the holder-of-key's public key.
    HolderOfKeyPublic,
    /// A signature by the holder-of-key's symmetric key.
    HolderOfKeySymmetric,
}

fn refuse(what: &'static str) -> Error {
    Error::Authentication { what }
}

/// Validates the assertion `node` of `doc` against the configured trusted issuers, at
/// `now_ms`: the checks of [`saml::validate`] with our issuer URI and the issuers' audiences,
/// our key for holder-of-key symmetric keys, then the audience of the very issuer that
/// signed. Returns the assertion and that issuer.
pub(crate) fn validate_assertion<'c>(
    cfg: &'c EngineConfig,
    doc: &Document,
    node: NodeId,
    now_ms: i64,
) -> Result<(ValidatedAssertion, &'c TrustedIssuer), saml::Error> {
    if cfg.trusted_issuers.is_empty() {
        return Err(saml::Error::UntrustedIssuer {
            what: "no trusted issuers are configured",
        });
    }
    if !saml::is_assertion(doc, node) {
        return Err(saml::Error::Malformed {
            what: "issued token is not a SAML assertion",
        });
    }
    let trusted: Vec<saml::TrustedIssuer> = cfg
        .trusted_issuers
        .iter()
        .map(|t| match &t.issuer {
            Some(name) => saml::TrustedIssuer::named(t.certificate.clone(), name.clone()),
            None => saml::TrustedIssuer::new(t.certificate.clone()),
        })
        .collect();
    let audiences = std::iter::once(cfg.issuer.clone()).chain(
        cfg.trusted_issuers
            .iter()
            .filter_map(|t| t.audience.clone()),
    );
    let mut policy = saml::ValidationPolicy::new(&trusted, audiences, now_ms);
    policy.skew_ms = cfg.inbound.clock_skew_secs.saturating_mul(1000);
    policy.service = Some(ServiceKey {
        certificate: &cfg.signing_cert,
        key: &cfg.signing_key,
    });
    policy.xmlsec = cfg.inbound.xmlsec.clone();
    policy.limits = cfg.limits.clone();
    let v = saml::validate(doc, node, &policy)?;
    let issuer = cfg
        .trusted_issuers
        .iter()
        .find(|t| t.certificate.der() == v.signer.der())
        .ok_or(saml::Error::UntrustedIssuer {
            what: "signer is no configured issuer",
        })?;
    // The audience must be ours or this issuer's own (another issuer's will not do).
    let ours = |a: &String| *a == cfg.issuer || issuer.audience.as_ref() == Some(a);
    if !v.audiences.iter().any(ours) {
        return Err(saml::Error::Audience);
    }
    Ok((v, issuer))
}

/// The replay-memory key of a bearer assertion: its issuer's certificate and its Id.
fn bearer_key(issuer: &TrustedIssuer, id: &str) -> Vec<u8> {
    let mut input = crypto::digest(DigestAlgorithm::Sha256, issuer.certificate.der());
    input.extend_from_slice(id.as_bytes());
    let mut k = b"issued-bearer:".to_vec();
    k.extend_from_slice(&crypto::digest(DigestAlgorithm::Sha256, &input));
    k
}

fn requester(v: &ValidatedAssertion, issuer: &TrustedIssuer, proof: IssuedProof) -> Requester {
    let version = match v.version {
        SamlVersion::V11 => "saml11",
        SamlVersion::V20 => "saml20",
    };
    // The names are ours (configuration) or debug-escaped: no attacker text goes in raw.
    tracing::info!(
        issuer = %issuer.name,
        token = version,
        id = ?v.id,
        proof = ?proof,
        "issued-token authentication"
    );
    let identity = IssuedIdentity {
        claims: if issuer.pass_claims {
            v.claims.clone()
        } else {
            Vec::new()
        },
        authn: v.authn.as_ref().map(|a| a.method.clone()),
        authority: issuer.name.clone(),
    };
    Requester::by_issued_token(v.subject.value.clone(), identity)
}

impl Engine {
    /// The requester an issued token in the security header authenticates; `None` when the
    /// header holds no assertion (see the module documentation for the checks). `required`:
    /// an issued-token-only endpoint's proof key (then a bearer assertion, or a holder of
    /// the other kind of key, is refused).
    pub(super) fn authenticate_issued(
        &self,
        req: &ParsedRequest,
        transport: Transport,
        replay: &dyn ReplayGuard,
        now: i64,
        required: Option<IssuedTokenProof>,
    ) -> Result<Option<Requester>, Error> {
        let sec = &req.secured;
        let doc = sec.document();
        let node = match sec.header_assertions().as_slice() {
            [] => return Ok(None),
            [one] => *one,
            _ => return Err(refuse("more than one assertion in the security header")),
        };
        let id =
            saml::assertion_id(doc, node).ok_or_else(|| refuse("issued token without its Id"))?;
        let body = sec.envelope()?.body();
        let timestamp = sec.timestamp_node();
        let keyed: Vec<_> = sec
            .signatures()
            .iter()
            .filter(|s| matches!(s.token(), SigningToken::IssuedToken { id: i } if i == id))
            .collect();
        let proves = keyed.iter().any(|s| {
            sec.signed_by(s, body)
                || (transport.confidential && timestamp.is_some_and(|t| sec.signed_by(s, t)))
        });
        if proves {
            // Validated by the WS-Security layer through our resolver (validate_assertion),
            // which also verified the signature with the confirmation key.
            let v = sec
                .issued_token(id)
                .ok_or_else(|| refuse("holder-of-key assertion not validated"))?;
            let issuer = self
                .cfg
                .trusted_issuers
                .iter()
                .find(|t| t.certificate.der() == v.signer.der())
                .ok_or_else(|| refuse("holder-of-key assertion from no configured issuer"))?;
            let proof = match v.confirmation {
                Confirmation::HolderOfKeyPublic(_) => IssuedProof::HolderOfKeyPublic,
                Confirmation::HolderOfKeySymmetric { .. } => IssuedProof::HolderOfKeySymmetric,
                _ => return Err(refuse("a signature by an assertion that confirms no key")),
            };
            let wanted = match required {
                None => proof,
                Some(IssuedTokenProof::Symmetric) => IssuedProof::HolderOfKeySymmetric,
                Some(IssuedTokenProof::Public) => IssuedProof::HolderOfKeyPublic,
            };
            if proof != wanted {
                return Err(refuse(
                    "the assertion's proof key is not the kind this endpoint takes",
                ));
            }
            return Ok(Some(requester(v, issuer, proof)));
        }
        if !keyed.is_empty() {
            return Err(refuse(
                "the holder-of-key signature covers neither the Body nor (over a confidential \
                 channel) the Timestamp",
            ));
        }
        let (v, issuer) =
            validate_assertion(&self.cfg, doc, node, now).map_err(Error::IssuedToken)?;
        if !matches!(v.confirmation, Confirmation::Bearer) {
            return Err(refuse(
                "holder-of-key assertion without a signature by its confirmation key",
            ));
        }
        if required.is_some() {
            return Err(refuse(
                "bearer assertion where the endpoint requires a holder-of-key proof",
            ));
        }
        if !transport.confidential {
            return Err(refuse(
                "bearer assertion over a channel that is not confidential",
            ));
        }
        let horizon = v
            .not_on_or_after_ms
            .saturating_add(self.cfg.inbound.clock_skew_secs.saturating_mul(1000));
        if !replay.check_and_insert(&bearer_key(issuer, &v.id), horizon) {
            return Err(refuse(super::summary::BEARER_REPLAY));
        }
        Ok(Some(requester(&v, issuer, IssuedProof::Bearer)))
    }
}
