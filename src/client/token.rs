//! What the client gets back: the issued token with its proof key and references, and the
//! outcome of a validation.

use crate::crypto::SecretBytes;
use crate::trust::{
    Lifetime, RequestSecurityTokenResponse, ScVersion, SecurityContextToken, TokenKind,
};
use crate::xml::{ns, Document};

use super::Error;

/// An issued (or renewed) token and what goes with it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IssuedToken {
    /// The token element as XML text (stand-alone: it declares the namespaces it uses).
    pub token_xml: String,
    /// The token type URI (from the response's `wst:TokenType`, else from the token).
    pub token_type: Option<String>,
    /// The proof key, when the token has a symmetric one.
    pub proof_key: Option<SecretBytes>,
    /// The token's identifier: `wsc:Identifier` of an SCT, the `ID`/`AssertionID` of a SAML
    /// assertion.
    pub identifier: Option<String>,
    /// `wsc:Instance` of a renewed SCT.
    pub instance: Option<String>,
    /// `wst:RequestedAttachedReference`: the SecurityTokenReference to use inside a message
    /// that carries the token (XML text).
    pub attached_reference: Option<String>,
    /// `wst:RequestedUnattachedReference`: the SecurityTokenReference to use where the token
    /// is not in the message (XML text).
    pub unattached_reference: Option<String>,
    /// `wst:Lifetime` granted.
    pub lifetime: Option<Lifetime>,
    /// The RSTR the token came in (XML text; empty for a token read from a file).
    pub rstr_xml: String,
    /// True when the response carried a valid STS signature over its Body and Timestamp,
    /// checked against [`ClientConfig::sts_cert`](super::ClientConfig::sts_cert).
    pub sts_signature_verified: bool,
}

impl IssuedToken {
    /// A token read back from its XML (as saved from [`Self::token_xml`]) and its proof key,
    /// for renew, cancel or validate.
    ///
    /// ```
    /// use wstrust::client::IssuedToken;
    /// use wstrust::crypto::SecretBytes;
    ///
    /// let sct = r#"<wsc:SecurityContextToken
    ///     xmlns:wsc="http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512">
    ///   <wsc:Identifier>urn:uuid:1234</wsc:Identifier></wsc:SecurityContextToken>"#;
    /// let t = IssuedToken::from_token_xml(sct, Some(SecretBytes::from_slice(&[7; 32])))?;
    /// assert_eq!(t.identifier.as_deref(), Some("urn:uuid:1234"));
    /// # Ok::<(), wstrust::client::Error>(())
    /// ```
    pub fn from_token_xml(token_xml: &str, proof_key: Option<SecretBytes>) -> Result<Self, Error> {
        let doc = Document::parse(token_xml.as_bytes())
            .map_err(|e| Error::token(format!("it is not XML: {e}")))?;
        let mut t = Self {
            token_xml: token_xml.trim().to_owned(),
            token_type: None,
            proof_key,
            identifier: None,
            instance: None,
            attached_reference: None,
            unattached_reference: None,
            lifetime: None,
            rstr_xml: String::new(),
            sts_signature_verified: false,
        };
        t.describe(TokenKind::of(&doc, doc.root()));
        if t.token_type.is_none() {
            return Err(Error::token(
                "it is not a security context token or SAML assertion",
            ));
        }
        Ok(t)
    }

    /// Fills identifier, instance and type from the token element's kind.
    fn describe(&mut self, kind: TokenKind) {
        match kind {
            TokenKind::SecurityContextToken(SecurityContextToken {
                version,
                identifier,
                instance,
                ..
            }) => {
                self.identifier = Some(identifier);
                self.instance = instance;
                self.token_type
                    .get_or_insert_with(|| version.sct_token_type().to_owned());
            }
            TokenKind::Saml2 { id } => {
                self.identifier = id;
                self.token_type.get_or_insert_with(|| {
                    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0"
                        .to_owned()
                });
            }
            TokenKind::Saml1 { assertion_id } => {
                self.identifier = assertion_id;
                self.token_type.get_or_insert_with(|| {
                    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1"
                        .to_owned()
                });
            }
            _ => {}
        }
    }

    /// The token of an RSTR, with the proof key recovered by the caller.
    pub(crate) fn from_rstr(
        rstr: &RequestSecurityTokenResponse,
        rstr_xml: String,
        proof_key: Option<SecretBytes>,
        verified: bool,
    ) -> Result<Self, Error> {
        let holder = rstr
            .requested_security_token
            .as_ref()
            .filter(|h| !h.content.is_empty())
            .ok_or_else(|| Error::response("no wst:RequestedSecurityToken"))?;
        let mut t = Self {
            token_xml: holder.content.as_str().to_owned(),
            token_type: rstr.params.token_type.as_ref().map(|t| t.uri().to_owned()),
            proof_key,
            identifier: None,
            instance: None,
            attached_reference: rstr
                .requested_attached_reference
                .as_ref()
                .map(|r| r.security_token_reference.as_str().to_owned()),
            unattached_reference: rstr
                .requested_unattached_reference
                .as_ref()
                .map(|r| r.security_token_reference.as_str().to_owned()),
            lifetime: rstr.params.lifetime.clone(),
            rstr_xml,
            sts_signature_verified: verified,
        };
        if let Some(kind) = holder.token_kind() {
            t.describe(kind);
        }
        Ok(t)
    }

    /// The WS-SecureConversation version of the token, when it is an SCT.
    pub fn sc_version(&self) -> Option<ScVersion> {
        let doc = Document::parse(self.token_xml.as_bytes()).ok()?;
        let root = doc.root();
        if doc.is(root, ns::WSC13, "SecurityContextToken") {
            Some(ScVersion::V13)
        } else if doc.is(root, ns::WSC_2005, "SecurityContextToken") {
            Some(ScVersion::Feb2005)
        } else {
            None
        }
    }

    /// True when this is a security context token.
    pub fn is_sct(&self) -> bool {
        self.sc_version().is_some()
    }
}

/// The outcome of a Validate request (`wst:Status`).
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct ValidationStatus {
    /// True for `.../status/valid`.
    pub valid: bool,
    /// The `wst:Code` URI.
    pub code: String,
    /// `wst:Reason`, if given.
    pub reason: Option<String>,
}
