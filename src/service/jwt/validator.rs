//! [`JwtTokenValidator`]: the [`IssuedTokenValidator`] that lets a service accept JWTs.

use super::validation::{validate, JwtError, JwtPolicy, JwtProof, ValidatedJwt};
use super::{compact_of_element, is_jwt_element};
use crate::crypto::RsaPrivateKey;
use crate::pki::Certificate;
use crate::saml::PublicKeyInfo;
use crate::service::validator::{
    IssuedTokenValidator, TokenConfirmation, ValidatedToken, ValidatorConfig,
};
use crate::service::Error;
use crate::trust::JWT_TOKEN_TYPE;
use crate::xml::{Document, NodeId};

/// Validates JWTs (carried in a `wsse:BinarySecurityToken`, or given compact) issued by
/// trusted STS certificates for one service: the [`IssuedTokenValidator`] that lets
/// [`Validator::validate_token`](crate::service::Validator::validate_token) accept them.
#[derive(Clone, Debug)]
pub struct JwtTokenValidator {
    issuers: Vec<Certificate>,
    audiences: Vec<String>,
    service_key: RsaPrivateKey,
    /// The `iss` required. Default: none (any issuer name, still required).
    pub issuer_name: Option<String>,
    /// Allowed clock skew, milliseconds. Default: 300 000.
    pub skew_ms: i64,
}

impl JwtTokenValidator {
    /// Trusts JWTs signed by one of `sts_certs` naming one of `audiences`; `cnf.jwe` keys are
    /// opened with `service_key`.
    pub fn new<A: Into<String>>(
        sts_certs: &[Certificate],
        audiences: impl IntoIterator<Item = A>,
        service_key: RsaPrivateKey,
    ) -> Self {
        Self {
            issuers: sts_certs.to_vec(),
            audiences: audiences.into_iter().map(Into::into).collect(),
            service_key,
            issuer_name: None,
            skew_ms: 300_000,
        }
    }

    /// The validator matching a service's configuration (STS certificates, audience, key,
    /// clock skew).
    pub fn from_config(cfg: &ValidatorConfig) -> Self {
        let mut v = Self::new(
            &cfg.sts_certs,
            [cfg.audience.clone()],
            cfg.service_key.clone(),
        );
        v.skew_ms = cfg.inbound.clock_skew_secs.saturating_mul(1000);
        v
    }

    /// Validates compact JWT `token` at `now_ms`.
    pub fn validate_compact(&self, token: &str, now_ms: i64) -> Result<ValidatedJwt, JwtError> {
        let mut policy = JwtPolicy::new(&self.issuers, &self.audiences, now_ms);
        policy.issuer_name = self.issuer_name.as_deref();
        policy.skew_ms = self.skew_ms;
        policy.service_key = Some(&self.service_key);
        validate(token, &policy)
    }

    /// Validates compact JWT `token` at `now_ms` into the service's common view.
    pub fn validate_token(&self, token: &str, now_ms: i64) -> Result<ValidatedToken, Error> {
        let j = self.validate_compact(token, now_ms)?;
        let (key, confirmation) = match j.proof {
            JwtProof::Bearer => (None, TokenConfirmation::Bearer),
            JwtProof::PublicKey(k) => (
                None,
                TokenConfirmation::PublicKey(PublicKeyInfo::RsaKeyValue(k)),
            ),
            JwtProof::Symmetric { key, .. } => (key, TokenConfirmation::SymmetricKey),
        };
        Ok(ValidatedToken {
            token_type: JWT_TOKEN_TYPE.to_owned(),
            identifier: j.id,
            instance: None,
            issuer: j.issuer,
            principal: j.subject,
            act_as: j.act_as,
            claims: j
                .claims
                .iter()
                .flat_map(|c| c.values.iter().map(|v| (c.uri.clone(), v.clone())))
                .collect(),
            expires_ms: j.expires_ms,
            key,
            confirmation,
        })
    }
}

impl IssuedTokenValidator for JwtTokenValidator {
    fn accepts(&self, doc: &Document, el: NodeId) -> bool {
        is_jwt_element(doc, el)
    }

    fn validate(&self, doc: &Document, el: NodeId, now_ms: i64) -> Result<ValidatedToken, Error> {
        let compact = compact_of_element(doc, el)?;
        self.validate_token(&compact, now_ms)
    }
}

impl ValidatorConfig {
    /// Adds a [`JwtTokenValidator`] built from this configuration, so that
    /// [`Validator::validate_token`](crate::service::Validator::validate_token) accepts JWTs from the
    /// same STS for the same audience.
    pub fn with_jwt(mut self) -> Self {
        let v = JwtTokenValidator::from_config(&self);
        self.token_validators.push(Box::new(v));
        self
    }
}
