//! The token a `RenewTarget`, `CancelTarget` or `ValidateTarget` names: an SCT element, or a
//! `wsse:SecurityTokenReference` to one (by identifier, or by `#Id` to an SCT in the security
//! header).

use crate::trust::{RequestSecurityToken, SecurityContextToken, TokenHolder, TokenKind};

use crate::keyx::carried::is_wsx;

use super::request::ParsedRequest;
use super::Error;

/// `(wsc:Identifier, wsc:Instance)` of the context `holder` names.
pub(crate) fn target_of(
    req: &ParsedRequest,
    holder: &TokenHolder,
) -> Result<(String, Option<String>), Error> {
    let bad = Error::InvalidRequest {
        what: "target is not a security context token or a reference to one",
    };
    match holder.token_kind() {
        Some(TokenKind::SecurityContextToken(sct)) => Ok((sct.identifier, sct.instance)),
        Some(TokenKind::SecurityTokenReference(info)) => {
            let uri = info.reference.and_then(|r| r.uri).ok_or(bad)?;
            match uri.strip_prefix('#') {
                None => Ok((uri, None)),
                Some(id) => {
                    let sct = SecurityContextToken::read_by_id(req.secured.document(), id)?.ok_or(
                        Error::InvalidRequest {
                            what: "target reference names no element",
                        },
                    )?;
                    Ok((sct.identifier, sct.instance))
                }
            }
        }
        _ => Err(bad),
    }
}

/// The WS-Trust `TokenType` of a master token.
pub const MASTER_TOKEN_TYPE: &str = "urn:wstrust:ext:2026:MasterToken";

/// Whether `rst` is a key exchange request: it carries `wsx:KeyRequestData` or `wsx:Mac`,
/// asks for [`MASTER_TOKEN_TYPE`], or renews a `wsx:MasterToken`.
pub(crate) fn is_keyx_request(rst: &RequestSecurityToken) -> bool {
    let p = &rst.params;
    p.token_type
        .as_ref()
        .is_some_and(|t| t.uri() == MASTER_TOKEN_TYPE)
        || p.extensions.iter().any(|f| {
            f.first_element()
                .is_some_and(|(d, e)| is_wsx(d, e, "KeyRequestData") || is_wsx(d, e, "Mac"))
        })
        || p.renew_target.as_ref().is_some_and(|t| {
            t.content
                .first_element()
                .is_some_and(|(d, e)| is_wsx(d, e, "MasterToken"))
        })
}
