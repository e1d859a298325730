//! The claims an issued assertion carries: the principal's configured claims
//! ([`EngineConfig::user_claims`]), or for a requester authenticated by another STS's token
//! the claims that token brought, narrowed to what the request's `wst:Claims` asks for.
//!
//! Without `wst:Claims` every configured claim goes in. With it, only the claim types asked
//! for, in request order: a required one we cannot supply refuses the request, an optional one
//! we do not have is left out (see [`crate::saml::claims`] for the dialects read).

use crate::saml::{self, Claim};
use crate::trust::Claims;

use super::config::EngineConfig;
use super::Error;

/// The claims that `requested` asks for, of those the requester has: for a local
/// `principal` its configured claims; for one another STS's token authenticated (`issued`:
/// the attributes of that token its issuer passes on, else none) only those — a federated
/// subject named like a local user gets none of that user's claims.
pub(super) fn select(
    cfg: &EngineConfig,
    principal: &str,
    issued: Option<&[Claim]>,
    requested: Option<&Claims>,
) -> Result<Vec<Claim>, Error> {
    let available = match issued {
        Some(brought) => brought,
        None => cfg
            .user_claims
            .get(principal)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
    };
    let Some(requested) = requested else {
        return Ok(available.to_vec());
    };
    let request = match requested.content.document() {
        Some((doc, container)) => saml::claims::read(requested.dialect.as_deref(), doc, container)?,
        // Empty content asks for nothing, in a dialect we must still know.
        None => match requested.dialect.as_deref().map(str::trim) {
            Some(crate::xml::ns::IDENTITY | saml::uri::CLAIMS_DIALECT_SIMPLE) => {
                saml::ClaimRequest::default()
            }
            other => {
                return Err(saml::Error::ClaimsDialect {
                    dialect: other.unwrap_or("").chars().take(100).collect(),
                }
                .into())
            }
        },
    };
    Ok(request.select(available)?)
}
