//! Token providers: the extension point for token types other than the security context
//! token (a SAML issuer plugs in here).
//!
//! The engine keeps every decision that does not depend on the token format: it
//! authenticates the requester, picks the realm, checks delegation and claims, decides the key
//! type and makes the proof key. A provider only writes the token for what was decided.
//!
//! Key types: `SymmetricKey` (the engine makes the key, encrypts it for the service through
//! the provider's token, and delivers the proof token itself), `PublicKey` (the requester's
//! certificate, from the Body signature, is bound into the token; no proof token) and
//! `Bearer` (no key). A provider lists the key types it supports; the SCT supports only
//! `SymmetricKey`, so Bearer and PublicKey requests for an SCT are refused with
//! `wst:InvalidRequest`.

use crate::crypto::SecretBytes;
use crate::pki::Certificate;
use crate::trust::{Fragment, KeyType, RequestSecurityToken, RequestedReference, TokenType};

use super::config::Realm;
use super::Error;

/// What was decided for one token.
#[non_exhaustive]
pub struct IssueContext<'a> {
    /// The request.
    pub rst: &'a RequestSecurityToken,
    /// The realm (relying party).
    pub realm: &'a Realm,
    /// Our issuer URI.
    pub issuer: &'a str,
    /// The authenticated requester.
    pub principal: &'a str,
    /// The principal the requester acts for (delegation), if any.
    pub act_as: Option<&'a str>,
    /// Granted claims.
    pub claims: &'a [(String, String)],
    /// The key type decided.
    pub key_type: KeyType,
    /// For `SymmetricKey`: the proof key (the token carries it for the service).
    pub symmetric_key: Option<&'a SecretBytes>,
    /// For `PublicKey`: the requester's certificate to bind.
    pub requester_cert: Option<&'a Certificate>,
    /// Validity, ms since the epoch.
    pub not_before_ms: i64,
    /// Expiry, ms since the epoch.
    pub expires_ms: i64,
}

/// A token a provider made.
#[non_exhaustive]
pub struct IssuedToken {
    /// The token element.
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
    /// True when this provider issues `token_type`.
    fn handles(&self, token_type: &TokenType) -> bool;
    /// True when it can bind `key_type`.
    fn supports(&self, key_type: &KeyType) -> bool;
    /// Makes the token.
    fn issue(&self, ctx: &IssueContext<'_>) -> Result<IssuedToken, Error>;
}
