//! SAML assertions as issued tokens: the [`IssuedTokenValidator`] that lets
//! [`Validator::validate_token`](super::Validator::validate_token) accept SAML 1.1 and 2.0
//! assertions (and SAML 2.0 `EncryptedAssertion`s) besides SCTs. A thin adapter over
//! [`saml::validate`]: the STS certificates are the trusted issuers, the service's audience
//! must be named, and the service key decrypts holder-of-key keys and encrypted assertions.

use crate::crypto::RsaPrivateKey;
use crate::pki::Certificate;
use crate::saml::{
    self, Confirmation, ConfirmationMethods, ServiceKey, TrustedIssuer, ValidationPolicy,
};
use crate::xml::{ns, Document, Limits, NodeId};
use crate::xmlsec::Policy;

use super::validator::{IssuedTokenValidator, TokenConfirmation, ValidatedToken, ValidatorConfig};
use super::Error;

/// Validates SAML assertions issued by trusted STS certificates for one service.
#[derive(Clone, Debug)]
pub struct SamlTokenValidator {
    issuers: Vec<TrustedIssuer>,
    audiences: Vec<String>,
    service_key: RsaPrivateKey,
    service_cert: Certificate,
    /// Allowed clock skew, milliseconds. Default: 300 000.
    pub skew_ms: i64,
    /// Accepted subject confirmation methods. Default: all.
    pub confirmations: ConfirmationMethods,
    /// Signature and encryption policy. Default: [`Policy::default`].
    pub xmlsec: Policy,
    /// Parser limits for the plaintext of an encrypted assertion. Default:
    /// [`Limits::default`].
    pub limits: Limits,
}

impl SamlTokenValidator {
    /// Trusts assertions signed by one of `sts_certs` and naming one of `audiences`; holder-of-key
    /// keys and encrypted assertions are decrypted with `service_key` (of `service_cert`).
    pub fn new<A: Into<String>>(
        sts_certs: &[Certificate],
        audiences: impl IntoIterator<Item = A>,
        service_key: RsaPrivateKey,
        service_cert: Certificate,
    ) -> Self {
        Self {
            issuers: sts_certs.iter().cloned().map(TrustedIssuer::new).collect(),
            audiences: audiences.into_iter().map(Into::into).collect(),
            service_key,
            service_cert,
            skew_ms: 300_000,
            confirmations: ConfirmationMethods::default(),
            xmlsec: Policy::default(),
            limits: Limits::default(),
        }
    }

    /// The validator matching a service's configuration: its STS certificates, audience,
    /// key, clock skew, signature policy and parser limits.
    pub fn from_config(cfg: &ValidatorConfig) -> Self {
        let mut v = Self::new(
            &cfg.sts_certs,
            [cfg.audience.clone()],
            cfg.service_key.clone(),
            cfg.service_cert.clone(),
        );
        v.skew_ms = cfg.inbound.clock_skew_secs.saturating_mul(1000);
        v.xmlsec = cfg.inbound.xmlsec.clone();
        v.limits = cfg.limits.clone();
        v
    }

    /// Validates assertion `el` at `now_ms` and returns what the SAML layer read.
    pub fn validate_assertion(
        &self,
        doc: &Document,
        el: NodeId,
        now_ms: i64,
    ) -> Result<saml::ValidatedAssertion, Error> {
        let mut policy = ValidationPolicy::new(&self.issuers, self.audiences.clone(), now_ms);
        policy.skew_ms = self.skew_ms;
        policy.confirmations = self.confirmations;
        policy.service = Some(ServiceKey {
            certificate: &self.service_cert,
            key: &self.service_key,
        });
        policy.xmlsec = self.xmlsec.clone();
        policy.limits = self.limits.clone();
        Ok(saml::validate(doc, el, &policy)?)
    }
}

impl IssuedTokenValidator for SamlTokenValidator {
    fn accepts(&self, doc: &Document, el: NodeId) -> bool {
        doc.is(el, ns::SAML2, "Assertion")
            || doc.is(el, ns::SAML1, "Assertion")
            || doc.is(el, ns::SAML2, "EncryptedAssertion")
    }

    fn validate(&self, doc: &Document, el: NodeId, now_ms: i64) -> Result<ValidatedToken, Error> {
        let a = self.validate_assertion(doc, el, now_ms)?;
        let (key, confirmation) = match a.confirmation {
            Confirmation::Bearer => (None, TokenConfirmation::Bearer),
            Confirmation::HolderOfKeySymmetric { key } => {
                (Some(key), TokenConfirmation::SymmetricKey)
            }
            Confirmation::HolderOfKeyPublic(k) => (None, TokenConfirmation::PublicKey(k)),
            _ => {
                return Err(Error::Token {
                    what: "a holder-of-key assertion whose key was not opened",
                })
            }
        };
        let claims = a
            .claims
            .iter()
            .flat_map(|c| c.values.iter().map(|v| (c.uri.clone(), v.clone())))
            .collect();
        Ok(ValidatedToken {
            token_type: a.version.token_type().to_owned(),
            identifier: a.id,
            instance: None,
            issuer: a.issuer,
            principal: a.subject.value,
            act_as: a.actor,
            claims,
            expires_ms: a.not_on_or_after_ms,
            key,
            confirmation,
        })
    }
}

impl ValidatorConfig {
    /// Adds a [`SamlTokenValidator`] built from this configuration, so that
    /// [`Validator::validate_token`](super::Validator::validate_token) accepts SAML 1.1 and
    /// 2.0 assertions from the same STS for the same audience.
    pub fn with_saml(mut self) -> Self {
        let v = SamlTokenValidator::from_config(&self);
        self.token_validators.push(Box::new(v));
        self
    }
}
