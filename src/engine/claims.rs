//! The claims an issued assertion carries: the principal's configured claims
//! ([`EngineConfig::user_claims`]), narrowed to what the request's `wst:Claims` asks for.
//!
//! Without `wst:Claims` every configured claim goes in. With it, only the claim types asked
//! for, in request order: a required one we cannot supply refuses the request, an optional one
//! we do not have is left out (see [`crate::saml::claims`] for the dialects read).

use crate::saml::{self, Claim};
use crate::trust::Claims;

use super::config::EngineConfig;
use super::Error;

/// The claims for `principal` that `requested` asks for.
#[allow(dead_code)] // the providers of other token types (JWT) select without extras
pub(super) fn select(
    cfg: &EngineConfig,
    principal: &str,
    requested: Option<&Claims>,
) -> Result<Vec<Claim>, Error> {
    select_with(cfg, principal, &[], requested)
}

/// The claims for `principal`, and the `extra` claims it brought (the attributes of the
/// issued token that authenticated it, when its issuer passes claims on), that `requested`
/// asks for.
pub(super) fn select_with(
    cfg: &EngineConfig,
    principal: &str,
    extra: &[Claim],
    requested: Option<&Claims>,
) -> Result<Vec<Claim>, Error> {
    let configured = cfg
        .user_claims
        .get(principal)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let joined: Vec<Claim>;
    let available = if extra.is_empty() {
        configured
    } else {
        joined = configured.iter().chain(extra).cloned().collect();
        &joined
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
