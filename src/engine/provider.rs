//! Token providers: the extension point for token types. SAML 1.1, SAML 2.0 and JWT are
//! providers ([`super::registry`] lists them); a configuration may add more
//! ([`EngineConfig::providers`](super::config::EngineConfig::providers)). The security context
//! token is the engine's own kind (its token is engine state: sealed or stored, renewed and
//! cancelled by the engine), listed in the same registry under the name `sct`.
//!
//! The engine keeps every decision that does not depend on the token format: it
//! authenticates the requester, picks the realm and the token type ([`super::tokens::choose`]),
//! checks delegation, selects the principal's claims ([`super::claims`]), decides the key
//! binding and makes the proof key, and writes the RSTR around the token (lifetime, AppliesTo,
//! token type, request and key type, key size, the proof token). A provider only writes the
//! token (and how to refer to it) for what was decided.
//!
//! Key bindings: [`KeyBinding::Symmetric`] (the engine made the key; the token carries it for
//! the relying party, encrypted for [`Realm::encryption_cert`]; the requester gets it as a
//! proof token), [`KeyBinding::PublicKey`] (the key of `wst:UseKey`, else the requester's
//! certificate from its X.509 signature, is bound into the token; no proof token) and
//! [`KeyBinding::Bearer`] (no key). A provider lists the key types it supports
//! ([`TokenProvider::supports`]).
//!
//! Adding a token type: one file with a type implementing [`TokenProvider`], and one line in
//! [`super::registry::BUILT_IN`]; a realm then names it in `token_types`.

use crate::crypto::{RsaPrivateKey, SecretBytes};
use crate::pki::Certificate;
use crate::saml::{AuthnMethod, Claim, PublicKeyInfo};
use crate::trust::{Fragment, KeyType, RequestSecurityToken, RequestedReference, TokenType};

use super::realm::Realm;
use super::Error;

/// The key a token binds, as the engine decided it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum KeyBinding<'a> {
    /// No key: whoever presents the token.
    Bearer,
    /// The requester's public key.
    PublicKey(&'a PublicKeyInfo),
    /// The proof key (the token carries it for the relying party).
    Symmetric(&'a SecretBytes),
}

/// What was decided for one token.
#[non_exhaustive]
pub struct IssueContext<'a> {
    /// The request.
    pub rst: &'a RequestSecurityToken,
    /// The realm (relying party).
    pub realm: &'a Realm,
    /// Our issuer URI.
    pub issuer: &'a str,
    /// The token type answered.
    pub token_type: &'a TokenType,
    /// The audience: the AppliesTo address, else the realm's URI.
    pub audience: &'a str,
    /// The authenticated requester (a certificate's subject for an X.509 requester).
    pub principal: &'a str,
    /// The domain the principal's name is from: `None` for this STS's own users, the
    /// trusted issuer's name for a federated subject. A provider must carry it in the token
    /// (SAML `NameQualifier`, JWT `idp`) so that renewal tells the two apart.
    pub authority: Option<&'a str>,
    /// The requester's certificate, when its X.509 signature authenticated it.
    pub requester_cert: Option<&'a Certificate>,
    /// How the requester authenticated.
    pub authn: &'a AuthnMethod,
    /// The principal the requester acts for (delegation), if any.
    pub act_as: Option<&'a str>,
    /// The principal's claims, as `wst:Claims` selected them.
    pub claims: &'a [Claim],
    /// The key type decided.
    pub key_type: KeyType,
    /// The key the token binds.
    pub binding: KeyBinding<'a>,
    /// The key tokens are signed with.
    pub signing_key: &'a RsaPrivateKey,
    /// Its certificate.
    pub signing_cert: &'a Certificate,
    /// Validity, ms since the epoch (also the issue instant).
    pub not_before_ms: i64,
    /// Expiry, ms since the epoch.
    pub expires_ms: i64,
}

/// A token a provider made.
#[non_exhaustive]
pub struct IssuedToken {
    /// The token element (`wst:RequestedSecurityToken` content).
    pub token: Fragment,
    /// `wst:RequestedAttachedReference`.
    pub attached_reference: Option<RequestedReference>,
    /// `wst:RequestedUnattachedReference`.
    pub unattached_reference: Option<RequestedReference>,
}

impl IssuedToken {
    /// A token with its references.
    pub fn new(
        token: Fragment,
        attached_reference: Option<RequestedReference>,
        unattached_reference: Option<RequestedReference>,
    ) -> Self {
        Self {
            token,
            attached_reference,
            unattached_reference,
        }
    }
}

/// An issuer of one family of token types.
pub trait TokenProvider: Send + Sync {
    /// The name a realm's `token_types` lists it by (`saml11`, `saml20`, `jwt`).
    fn name(&self) -> &str;
    /// True when this provider issues `token_type`.
    fn handles(&self, token_type: &TokenType) -> bool;
    /// The token type answered when the provider is chosen for a request naming none.
    fn token_type(&self) -> TokenType;
    /// True when it can bind `key_type`. Default: every key type.
    fn supports(&self, key_type: &KeyType) -> bool {
        let _ = key_type;
        true
    }
    /// Refuses a realm this provider cannot serve (checked before anything is made).
    /// Default: every realm.
    fn admits(&self, realm: &Realm) -> Result<(), Error> {
        let _ = realm;
        Ok(())
    }
    /// Makes the token.
    fn issue(&self, ctx: &IssueContext<'_>) -> Result<IssuedToken, Error>;
}

/// The public key of `k`.
pub(super) fn key_of(k: &PublicKeyInfo) -> &crate::crypto::RsaPublicKey {
    match k {
        PublicKeyInfo::Certificate(c) => c.public_key(),
        PublicKeyInfo::RsaKeyValue(k) => k,
    }
}
