//! The claims a request asks for (`wst:Claims`), as required and optional claim types.
//!
//! Two dialects are read:
//!
//! * `http://schemas.xmlsoap.org/ws/2005/05/identity` (Information Card, what WCF and AD FS
//!   send): one `ic:ClaimType` per claim, required unless `Optional="true"`.
//!
//!   ```text
//!   Identity Selector Interoperability Profile V1.5, §4.3.3:
//!   <wst:Claims Dialect="http://schemas.xmlsoap.org/ws/2005/05/identity">
//!     <ic:ClaimType Uri="xs:anyURI" Optional="xs:boolean"? /> *
//!   </wst:Claims>
//!   ```
//!
//! * `urn:wstrust:claims:simple` ([`uri::CLAIMS_DIALECT_SIMPLE`], ours, for hand-written
//!   requests): the content is text, claim type URIs separated by white space; a URI written
//!   with a leading `?` is optional, any other is required. No elements are allowed.
//!
//!   ```text
//!   <wst:Claims Dialect="urn:wstrust:claims:simple">
//!     http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress
//!     ?http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname
//!   </wst:Claims>
//!   ```
//!
//! A claim type asked for twice is asked for once, required if either asks for it so. Any
//! other dialect, a missing dialect, or unexpected content is an error; so is a required
//! claim that [`ClaimRequest::select`] cannot supply (the engine maps both to a fault).

use crate::xml::{ns, Document, NodeId, NodeKind};

use super::error::truncated;
use super::{uri, Claim, Error};

/// One claim type asked for.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct RequestedClaim {
    /// The claim type URI.
    pub uri: String,
    /// True when the claim may be left out.
    pub optional: bool,
}

/// The claim types a request asks for, in request order.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct ClaimRequest {
    /// The claims, each URI once.
    pub claims: Vec<RequestedClaim>,
}

impl ClaimRequest {
    fn add(&mut self, uri: &str, optional: bool) {
        match self.claims.iter_mut().find(|c| c.uri == uri) {
            Some(c) => c.optional = c.optional && optional,
            None => self.claims.push(RequestedClaim {
                uri: uri.to_owned(),
                optional,
            }),
        }
    }

    /// The required claim types.
    pub fn required(&self) -> impl Iterator<Item = &str> {
        self.claims
            .iter()
            .filter(|c| !c.optional)
            .map(|c| c.uri.as_str())
    }

    /// The optional claim types.
    pub fn optional(&self) -> impl Iterator<Item = &str> {
        self.claims
            .iter()
            .filter(|c| c.optional)
            .map(|c| c.uri.as_str())
    }

    /// The claims from `available` that were asked for, in request order: every required one
    /// (else [`Error::RequiredClaimUnavailable`]) and the optional ones that are available.
    /// A claim without values counts as unavailable.
    pub fn select(&self, available: &[Claim]) -> Result<Vec<Claim>, Error> {
        let mut out = Vec::with_capacity(self.claims.len());
        for want in &self.claims {
            let mut found = false;
            for c in available
                .iter()
                .filter(|c| c.uri == want.uri && !c.values.is_empty())
            {
                out.push(c.clone());
                found = true;
            }
            if !found && !want.optional {
                return Err(Error::RequiredClaimUnavailable {
                    uri: truncated(&want.uri),
                });
            }
        }
        Ok(out)
    }
}

/// Reads the claims asked for by the content of `container` (the `wst:Claims` element, or
/// any element whose children are its content) in `dialect`.
pub fn read(
    dialect: Option<&str>,
    doc: &Document,
    container: NodeId,
) -> Result<ClaimRequest, Error> {
    match dialect.map(str::trim) {
        Some(ns::IDENTITY) => read_identity(doc, container),
        Some(uri::CLAIMS_DIALECT_SIMPLE) => read_simple(doc, container),
        other => Err(Error::ClaimsDialect {
            dialect: truncated(other.unwrap_or("")),
        }),
    }
}

/// Reads a `wst:Claims` element (of any WS-Trust version): its `Dialect` and its content.
pub fn read_element(doc: &Document, claims: NodeId) -> Result<ClaimRequest, Error> {
    if doc.name(claims).local != "Claims" {
        return Err(Error::malformed("claims: not a Claims element"));
    }
    read(doc.attribute(claims, "", "Dialect"), doc, claims)
}

fn read_identity(doc: &Document, container: NodeId) -> Result<ClaimRequest, Error> {
    let mut out = ClaimRequest::default();
    for c in doc.children(container) {
        match doc.kind(c) {
            NodeKind::Element if doc.is(c, ns::IDENTITY, "ClaimType") => {
                let u = doc
                    .attribute(c, "", "Uri")
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .ok_or(Error::malformed("claims: ClaimType without Uri"))?;
                let optional = match doc.attribute(c, "", "Optional").map(str::trim) {
                    None | Some("false") | Some("0") => false,
                    Some("true") | Some("1") => true,
                    Some(_) => return Err(Error::malformed("claims: Optional is not a boolean")),
                };
                out.add(u, optional);
            }
            NodeKind::Element => return Err(Error::malformed("claims: unexpected element")),
            NodeKind::Text(t) if !t.trim().is_empty() => {
                return Err(Error::malformed("claims: unexpected text"))
            }
            _ => {}
        }
    }
    Ok(out)
}

fn read_simple(doc: &Document, container: NodeId) -> Result<ClaimRequest, Error> {
    let mut out = ClaimRequest::default();
    for c in doc.children(container) {
        match doc.kind(c) {
            NodeKind::Text(t) => {
                for token in t.split_whitespace() {
                    let (u, optional) = match token.strip_prefix('?') {
                        Some(u) => (u, true),
                        None => (token, false),
                    };
                    if u.is_empty() {
                        return Err(Error::malformed("claims: `?` without a claim type"));
                    }
                    out.add(u, optional);
                }
            }
            NodeKind::Element => return Err(Error::malformed("claims: unexpected element")),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    const GIVEN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";

    fn parse(xml: &str) -> Result<ClaimRequest, Error> {
        let doc = Document::parse(xml.as_bytes()).unwrap();
        read_element(&doc, doc.root())
    }

    #[test]
    fn identity_dialect() {
        let r = parse(&format!(
            r#"<wst:Claims xmlns:wst="{}" xmlns:ic="{}" Dialect="{}">
                 <ic:ClaimType Uri="{EMAIL}"/><ic:ClaimType Uri=" {GIVEN} " Optional="true"/>
                 <ic:ClaimType Uri="{EMAIL}" Optional="true"/>
               </wst:Claims>"#,
            ns::WST13,
            ns::IDENTITY,
            ns::IDENTITY
        ))
        .unwrap();
        assert_eq!(r.required().collect::<Vec<_>>(), [EMAIL]);
        assert_eq!(r.optional().collect::<Vec<_>>(), [GIVEN]);
    }

    #[test]
    fn simple_dialect() {
        let r = parse(&format!(
            "<Claims Dialect=\"{}\">\n {EMAIL}\n ?{GIVEN} ?{EMAIL}</Claims>",
            uri::CLAIMS_DIALECT_SIMPLE
        ))
        .unwrap();
        assert_eq!(r.required().collect::<Vec<_>>(), [EMAIL]);
        assert_eq!(r.optional().collect::<Vec<_>>(), [GIVEN]);
        assert!(parse(&format!(
            "<Claims Dialect=\"{}\">? x</Claims>",
            uri::CLAIMS_DIALECT_SIMPLE
        ))
        .is_err());
        assert!(parse(&format!(
            "<Claims Dialect=\"{}\"><x/></Claims>",
            uri::CLAIMS_DIALECT_SIMPLE
        ))
        .is_err());
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            parse("<Claims>x</Claims>"),
            Err(Error::ClaimsDialect { .. })
        ));
        assert!(matches!(
            parse("<Claims Dialect=\"urn:other\">x</Claims>"),
            Err(Error::ClaimsDialect { .. })
        ));
        let bad_bool = format!(
            r#"<Claims xmlns:ic="{}" Dialect="{}"><ic:ClaimType Uri="a:b" Optional="yes"/></Claims>"#,
            ns::IDENTITY,
            ns::IDENTITY
        );
        assert!(parse(&bad_bool).is_err());
        let stray = format!(
            r#"<Claims xmlns:ic="{}" Dialect="{}"><ic:Other/></Claims>"#,
            ns::IDENTITY,
            ns::IDENTITY
        );
        assert!(parse(&stray).is_err());
    }

    #[test]
    fn select_required_and_optional() {
        let mut r = ClaimRequest::default();
        r.add(EMAIL, false);
        r.add(GIVEN, true);
        let have = [
            Claim::new(EMAIL, ["a@example.org"]),
            Claim::new("urn:x", ["1"]),
        ];
        assert_eq!(r.select(&have).unwrap(), vec![have[0].clone()]);
        let have = [Claim::new(GIVEN, ["Alice"])];
        assert!(matches!(
            r.select(&have),
            Err(Error::RequiredClaimUnavailable { .. })
        ));
        let empty: [Claim; 1] = [Claim::new(EMAIL, Vec::<String>::new())];
        assert!(r.select(&empty).is_err());
    }
}
