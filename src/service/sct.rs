//! The security context tokens our STS issues, as written by the STS and read by a service.
//!
//! ```text
//! <wsc:SecurityContextToken wsu:Id="sct-…">
//!   <wsc:Identifier>…</wsc:Identifier>
//!   <wsc:Instance>…</wsc:Instance>                 only after a renewal
//!   <wsx:Issuer>STS issuer URI</wsx:Issuer>
//!   <wsx:Audience>realm name</wsx:Audience>
//!   <wsx:Created>xsd:dateTime</wsx:Created>
//!   <wsx:Expires>xsd:dateTime</wsx:Expires>
//!   <wsx:Principal>authenticated requester</wsx:Principal>
//!   <wsx:ActAs>delegating principal</wsx:ActAs>     only for delegated tokens
//!   <wsx:Claim Name="right URI">value</wsx:Claim>   zero or more
//!   <xenc:EncryptedKey>the context key, for the service's certificate</xenc:EncryptedKey>
//!   <ds:Signature>enveloped, RSA-SHA256, by the STS</ds:Signature>
//! </wsc:SecurityContextToken>
//! ```
//!
//! The `wsx` elements sit in the SCT's schema wildcard (`xs:any namespace="##any"`). The STS
//! signature covers the whole token, so everything a service reads from it is the STS's word.
//!
//! The store keys of revocation ([`cancelled_key`], [`superseded_key`]) are defined here too:
//! the STS writes them and a service sharing the store reads them.

use crate::crypto::OaepParams;
use crate::pki::Certificate;
use crate::trust::ScVersion;
use crate::wss;
use crate::xml::{ns, Document, NodeId, Writer};
use crate::xmlsec;

use super::Error;

/// What an SCT says besides its key.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct SctContent {
    /// `wsc:Identifier`.
    pub identifier: String,
    /// `wsc:Instance` (present after a renewal).
    pub instance: Option<String>,
    /// The issuing STS.
    pub issuer: String,
    /// The service the token is for (the realm's name).
    pub audience: String,
    /// Issue time of this instance, ms since the epoch.
    pub created_ms: i64,
    /// Expiry of this instance, ms since the epoch.
    pub expires_ms: i64,
    /// The authenticated requester (the proof-key holder).
    pub principal: String,
    /// For delegated tokens: the principal the holder acts for.
    pub act_as: Option<String>,
    /// Granted claims (rights), as (name, value).
    pub claims: Vec<(String, String)>,
}

/// Writes the SCT (without its signature: the caller signs the element enveloped) with `key`
/// encrypted for `service` (RSA-OAEP, referenced by subject key identifier).
pub fn write_unsigned(
    w: &mut Writer,
    sc: ScVersion,
    id: &str,
    c: &SctContent,
    key: &[u8],
    service: &Certificate,
) -> Result<(), xmlsec::Error> {
    w.start(sc.namespace(), "SecurityContextToken")
        .attr(ns::WSU, "Id", id);
    w.element_text(sc.namespace(), "Identifier", &c.identifier);
    if let Some(i) = &c.instance {
        w.element_text(sc.namespace(), "Instance", i);
    }
    w.element_text(ns::WSX, "Issuer", &c.issuer);
    w.element_text(ns::WSX, "Audience", &c.audience);
    w.element_text(ns::WSX, "Created", &wss::time::format(c.created_ms));
    w.element_text(ns::WSX, "Expires", &wss::time::format(c.expires_ms));
    w.element_text(ns::WSX, "Principal", &c.principal);
    if let Some(a) = &c.act_as {
        w.element_text(ns::WSX, "ActAs", a);
    }
    for (name, value) in &c.claims {
        w.start(ns::WSX, "Claim")
            .attr("", "Name", name)
            .text(value)
            .end();
    }
    let ski = xmlsec::base64_encode(&service.subject_key_id());
    let ki = |w: &mut Writer| wss::write_key_identifier(w, wss::value_type::X509_SKI, &ski);
    xmlsec::write_encrypted_key(
        w,
        None,
        key,
        service.public_key(),
        &OaepParams::sha1(),
        Some(&ki),
        &[],
    )?;
    w.end();
    Ok(())
}

fn one(doc: &Document, el: NodeId, ns_: &str, local: &'static str) -> Result<String, Error> {
    let mut it = doc.children_named(el, ns_, local);
    let first = it.next().ok_or(Error::Token { what: local })?;
    if it.next().is_some() {
        return Err(Error::Token {
            what: "duplicate element in sct",
        });
    }
    Ok(doc.text(first).trim().to_owned())
}

fn opt(
    doc: &Document,
    el: NodeId,
    ns_: &str,
    local: &'static str,
) -> Result<Option<String>, Error> {
    if doc.children_named(el, ns_, local).next().is_none() {
        return Ok(None);
    }
    one(doc, el, ns_, local).map(Some)
}

/// Reads what SCT element `el` says (not its key, not its signature).
pub fn read(doc: &Document, el: NodeId) -> Result<SctContent, Error> {
    let sc = ScVersion::from_namespace(doc.name(el).ns)
        .filter(|_| doc.name(el).local == "SecurityContextToken")
        .ok_or(Error::Token {
            what: "not a security context token",
        })?;
    let sns = sc.namespace();
    let time = |local: &'static str| -> Result<i64, Error> {
        wss::time::parse(&one(doc, el, ns::WSX, local)?).ok_or(Error::Token { what: local })
    };
    let claims = doc
        .children_named(el, ns::WSX, "Claim")
        .map(|c| {
            (
                doc.attribute(c, "", "Name").unwrap_or("").trim().to_owned(),
                doc.text(c).trim().to_owned(),
            )
        })
        .collect();
    Ok(SctContent {
        identifier: one(doc, el, sns, "Identifier")?,
        instance: opt(doc, el, sns, "Instance")?,
        issuer: one(doc, el, ns::WSX, "Issuer")?,
        audience: one(doc, el, ns::WSX, "Audience")?,
        created_ms: time("Created")?,
        expires_ms: time("Expires")?,
        principal: one(doc, el, ns::WSX, "Principal")?,
        act_as: opt(doc, el, ns::WSX, "ActAs")?,
        claims,
    })
}

/// The store key (space `Revoked`) marking context `identifier` cancelled: every instance of
/// it is refused.
pub fn cancelled_key(identifier: &str) -> Vec<u8> {
    identifier.as_bytes().to_vec()
}

/// The store key (space `Revoked`) marking one instance of a context superseded by a renewal
/// (`None`: the instance issued first).
pub fn superseded_key(identifier: &str, instance: Option<&str>) -> Vec<u8> {
    format!("{identifier}|{}", instance.unwrap_or("")).into_bytes()
}
