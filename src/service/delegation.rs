//! Delegation tokens: principal A names a delegate B, the target service T and the rights B
//! may use there, and signs the token with the key A shares with T (the key of A's security
//! context for T). B presents it to the STS as `wst:OnBehalfOf` or `wst14:ActAs`.
//!
//! ```text
//! <wsx:DelegationToken wsu:Id="…">
//!   <wsx:Delegator>A</wsx:Delegator>
//!   <wsx:Delegate>B</wsx:Delegate>
//!   <wsx:Target>T's AppliesTo address</wsx:Target>
//!   <wsx:Right>right URI</wsx:Right>                  zero or more
//!   <wsx:Delegatable>false</wsx:Delegatable>          may B delegate further
//!   <wsx:Expires>xsd:dateTime</wsx:Expires>
//!   <wsc:SecurityContextToken>                        A's context for T (whose key signs)
//!     <wsc:Identifier>…</wsc:Identifier><wsc:Instance>…</wsc:Instance>?
//!   </wsc:SecurityContextToken>
//!   <ds:Signature>enveloped, HMAC-SHA256 with the context key</ds:Signature>
//! </wsx:DelegationToken>
//! ```

use crate::crypto::{DigestAlgorithm, HmacAlgorithm};
use crate::trust::ScVersion;
use crate::wss;
use crate::xml::{ns, CaptureKind, Document, NodeId, Writer};
use crate::xmlsec::{self, SignatureMethod, SignatureSpec, SigningKey};

use super::Error;

/// What a delegation token says.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Delegation {
    /// The delegating principal (A).
    pub delegator: String,
    /// The delegate (B).
    pub delegate: String,
    /// The target service's address (T).
    pub target: String,
    /// The rights delegated.
    pub rights: Vec<String>,
    /// Whether B may delegate further.
    pub delegatable: bool,
    /// Expiry, ms since the epoch.
    pub expires_ms: i64,
    /// A's context whose key signs: identifier and instance.
    pub context: (String, Option<String>),
}

impl Delegation {
    /// The token, signed (enveloped, HMAC-SHA256) with `key`, the key of `self.context`.
    pub fn write_signed(&self, id: &str, sc: ScVersion, key: &[u8]) -> Result<String, Error> {
        let mut w = Writer::new();
        w.capture_next(CaptureKind::Element);
        w.start(ns::WSX, "DelegationToken").attr(ns::WSU, "Id", id);
        w.element_text(ns::WSX, "Delegator", &self.delegator);
        w.element_text(ns::WSX, "Delegate", &self.delegate);
        w.element_text(ns::WSX, "Target", &self.target);
        for r in &self.rights {
            w.element_text(ns::WSX, "Right", r);
        }
        w.element_text(
            ns::WSX,
            "Delegatable",
            if self.delegatable { "true" } else { "false" },
        );
        w.element_text(ns::WSX, "Expires", &wss::time::format(self.expires_ms));
        w.start(sc.namespace(), "SecurityContextToken");
        w.element_text(sc.namespace(), "Identifier", &self.context.0);
        if let Some(i) = &self.context.1 {
            w.element_text(sc.namespace(), "Instance", i);
        }
        w.end();
        w.end();
        let vt = sc.sct_token_type();
        let ki = |w: &mut Writer| wss::write_reference(w, &self.context.0, Some(vt));
        let spec = SignatureSpec {
            method: SignatureMethod::Hmac(HmacAlgorithm::Sha256),
            digest: DigestAlgorithm::Sha256,
            id: None,
        };
        Ok(xmlsec::sign_written_enveloped(
            w,
            &format!("#{id}"),
            None,
            spec,
            SigningKey::Hmac(key),
            Some(&ki),
        )?)
    }

    /// Reads delegation token `el` (not its signature).
    pub fn read(doc: &Document, el: NodeId) -> Result<Self, Error> {
        if !doc.is(el, ns::WSX, "DelegationToken") {
            return Err(Error::Token {
                what: "not a delegation token",
            });
        }
        let one = |local: &'static str| -> Result<String, Error> {
            let mut it = doc.children_named(el, ns::WSX, local);
            let n = it.next().ok_or(Error::Token { what: local })?;
            if it.next().is_some() {
                return Err(Error::Token {
                    what: "duplicate element in delegation token",
                });
            }
            Ok(doc.text(n).trim().to_owned())
        };
        let sct = doc
            .child_elements(el)
            .find(|c| {
                let n = doc.name(*c);
                (n.ns == ns::WSC13 || n.ns == ns::WSC_2005) && n.local == "SecurityContextToken"
            })
            .ok_or(Error::Token {
                what: "delegation token names no context",
            })?;
        let sns = doc.name(sct).ns;
        let identifier = doc
            .child(sct, sns, "Identifier")
            .map(|i| doc.text(i).trim().to_owned())
            .ok_or(Error::Token { what: "Identifier" })?;
        let instance = doc
            .child(sct, sns, "Instance")
            .map(|i| doc.text(i).trim().to_owned());
        let delegatable = match one("Delegatable")?.as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => {
                return Err(Error::Token {
                    what: "Delegatable",
                })
            }
        };
        Ok(Self {
            delegator: one("Delegator")?,
            delegate: one("Delegate")?,
            target: one("Target")?,
            rights: doc
                .children_named(el, ns::WSX, "Right")
                .map(|r| doc.text(r).trim().to_owned())
                .collect(),
            delegatable,
            expires_ms: wss::time::parse(&one("Expires")?)
                .ok_or(Error::Token { what: "Expires" })?,
            context: (identifier, instance),
        })
    }
}
