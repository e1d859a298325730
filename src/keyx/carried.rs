//! The `wsx` elements as WS-Trust messages carry them (in an RST's extensions, its
//! `wst:RenewTarget`, an RSTR): which element a node is, the session `wsx:Mac`, and the key
//! exchange answer of an RSTR, so that the engine gets typed values and walks no XML.

use crate::xml::ns::WSX;
use crate::xml::{Document, NodeId};

use super::error::{ErrorCode, KeyxError};
use super::model::{KeyResponse, RenewOutcome};

/// Whether `node` is the element `wsx:{local}`.
pub fn is_wsx(doc: &Document, node: NodeId, local: &str) -> bool {
    doc.is(node, WSX, local)
}

/// The text of a `wsx:Mac` element with XML white space removed (still base64), or `None`
/// when the element has element children.
pub fn mac_text(doc: &Document, node: NodeId) -> Option<String> {
    if doc.child_elements(node).next().is_some() {
        return None;
    }
    Some(
        doc.text(node)
            .chars()
            .filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'))
            .collect(),
    )
}

/// Reads the key exchange answer out of an RSTR element (`wst:RequestSecurityTokenResponse`
/// of any WS-Trust version), for requesters: the `wsx:MasterToken` in
/// `wst:RequestedSecurityToken` and, unless the renewal returned the token unchanged, the
/// `wsx:KeyResponseData` child.
pub fn read_rstr_outcome(doc: &Document, rstr: NodeId) -> Result<RenewOutcome, KeyxError> {
    let malformed = |detail| KeyxError::new(ErrorCode::MalformedResponse, detail);
    let holder = doc
        .child_elements(rstr)
        .find(|c| doc.name(*c).local == "RequestedSecurityToken")
        .ok_or_else(|| malformed("no RequestedSecurityToken"))?;
    let mut tokens = doc.children_named(holder, WSX, "MasterToken");
    let (Some(node), None) = (tokens.next(), tokens.next()) else {
        return Err(malformed(
            "RequestedSecurityToken holds no single wsx:MasterToken",
        ));
    };
    let master_token = super::xml::read_master_token(doc, node)?;
    let mut data = doc.children_named(rstr, WSX, "KeyResponseData");
    match (data.next(), data.next()) {
        (None, _) => Ok(RenewOutcome::Unchanged(master_token)),
        (Some(d), None) => Ok(RenewOutcome::Renewed(KeyResponse {
            master_token,
            data: super::xml::read_key_response_data(doc, d)?,
        })),
        _ => Err(malformed("more than one wsx:KeyResponseData")),
    }
}
