//! The parameters an RST carries (and an RSTR echoes), shared by `RequestSecurityToken`,
//! `RequestSecurityTokenResponse` and `SecondaryParameters`.

use super::codec::{bool_text, parse_bool, parse_u32, set_once, trimmed_text};
use super::elements::{
    AppliesTo, Claims, EndpointReference, Entropy, Lifetime, Renewing, TokenHolder, UseKey,
};
use super::uris::{ComputedKeyAlgorithm, KeyType, RequestType, TokenType};
use super::version::{AddressingVersion, PolicyVersion, TrustVersion};
use super::{Error, Fragment};
use crate::xml::{ns, Document, NodeId, Writer};

/// The request parameters of WS-Trust (sections 4-9): every child of an RST other than the
/// RSTR-only ones. All are optional here; which are required depends on the request type and
/// is checked by the engine.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Parameters {
    /// `wst:TokenType`.
    pub token_type: Option<TokenType>,
    /// `wst:RequestType`.
    pub request_type: Option<RequestType>,
    /// `wst:RenewTarget`: the token to renew.
    pub renew_target: Option<TokenHolder>,
    /// `wst:CancelTarget`: the token to cancel.
    pub cancel_target: Option<TokenHolder>,
    /// `wst:ValidateTarget`: the token to validate.
    pub validate_target: Option<TokenHolder>,
    /// `wsp:AppliesTo`: the relying party.
    pub applies_to: Option<AppliesTo>,
    /// `wst:Claims`.
    pub claims: Option<Claims>,
    /// `wst:Entropy`: the requestor's (RST) or issuer's (RSTR) key material.
    pub entropy: Option<Entropy>,
    /// `wst:Lifetime`.
    pub lifetime: Option<Lifetime>,
    /// `wst:AllowPostdating`.
    pub allow_postdating: bool,
    /// `wst:Renewing`.
    pub renewing: Option<Renewing>,
    /// `wst:OnBehalfOf`: the identity the token is requested for.
    pub on_behalf_of: Option<TokenHolder>,
    /// `wst14:ActAs` (WS-Trust 1.4): the identity acting.
    pub act_as: Option<TokenHolder>,
    /// `wst:Issuer`: the issuer of the `OnBehalfOf` token.
    pub issuer: Option<EndpointReference>,
    /// `wst:AuthenticationType`, trimmed.
    pub authentication_type: Option<String>,
    /// `wst:KeyType`.
    pub key_type: Option<KeyType>,
    /// `wst:KeySize` in bits.
    pub key_size: Option<u32>,
    /// `wst:SignatureAlgorithm`, trimmed.
    pub signature_algorithm: Option<String>,
    /// `wst:Encryption`: a token to encrypt the issued token for.
    pub encryption: Option<TokenHolder>,
    /// `wst:EncryptionAlgorithm`, trimmed.
    pub encryption_algorithm: Option<String>,
    /// `wst:CanonicalizationAlgorithm`, trimmed.
    pub canonicalization_algorithm: Option<String>,
    /// `wst:ComputedKeyAlgorithm`.
    pub computed_key_algorithm: Option<ComputedKeyAlgorithm>,
    /// `wst:ProofEncryption`: a token to encrypt the proof key for.
    pub proof_encryption: Option<TokenHolder>,
    /// `wst:KeyWrapAlgorithm`, trimmed.
    pub key_wrap_algorithm: Option<String>,
    /// `wst:UseKey`.
    pub use_key: Option<UseKey>,
    /// `wst:SignWith` (a signature algorithm URI), trimmed.
    pub sign_with: Option<String>,
    /// `wst:EncryptWith` (an encryption algorithm URI), trimmed.
    pub encrypt_with: Option<String>,
    /// `wst:DelegateTo`.
    pub delegate_to: Option<TokenHolder>,
    /// `wst:Forwardable`.
    pub forwardable: Option<bool>,
    /// `wst:Delegatable`.
    pub delegatable: Option<bool>,
    /// `wst:SecondaryParameters`: parameters the requestor passes on from the relying party's
    /// policy.
    pub secondary_parameters: Option<Box<Self>>,
    /// Children not modelled (`wsp:Policy`, `wsp:PolicyReference`, `wst:Participants`,
    /// extension elements such as `wsx:KeyRequestData`), kept as they are, in order.
    pub extensions: Vec<Fragment>,
}

/// One element position in the schema order of RST/RSTR children.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Slot {
    TokenType,
    RequestType,
    Targets,
    AppliesTo,
    Claims,
    Entropy,
    Lifetime,
    AllowPostdating,
    Renewing,
    OnBehalfOf,
    ActAs,
    Issuer,
    AuthenticationType,
    KeyType,
    KeySize,
    SignatureAlgorithm,
    Encryption,
    EncryptionAlgorithm,
    CanonicalizationAlgorithm,
    ComputedKeyAlgorithm,
    ProofEncryption,
    KeyWrapAlgorithm,
    UseKey,
    SignWith,
    EncryptWith,
    DelegateTo,
    Forwardable,
    Delegatable,
    SecondaryParameters,
    Extensions,
}

/// The order RST children are written in (WS-Trust 1.3 schema's intended content model, with
/// the elements it leaves out placed where the specification's examples put them).
pub(crate) const RST_ORDER: &[Slot] = &[
    Slot::TokenType,
    Slot::RequestType,
    Slot::Targets,
    Slot::AppliesTo,
    Slot::Claims,
    Slot::Entropy,
    Slot::Lifetime,
    Slot::AllowPostdating,
    Slot::Renewing,
    Slot::OnBehalfOf,
    Slot::ActAs,
    Slot::Issuer,
    Slot::AuthenticationType,
    Slot::KeyType,
    Slot::KeySize,
    Slot::SignatureAlgorithm,
    Slot::Encryption,
    Slot::EncryptionAlgorithm,
    Slot::CanonicalizationAlgorithm,
    Slot::ComputedKeyAlgorithm,
    Slot::ProofEncryption,
    Slot::KeyWrapAlgorithm,
    Slot::UseKey,
    Slot::SignWith,
    Slot::EncryptWith,
    Slot::DelegateTo,
    Slot::Forwardable,
    Slot::Delegatable,
    Slot::SecondaryParameters,
    Slot::Extensions,
];

impl Parameters {
    /// Reads child `el` of an RST/RSTR/SecondaryParameters of `version` into `self`. Returns
    /// false when `el` is not a parameter element (the caller decides what it is).
    pub(crate) fn read_child(
        &mut self,
        doc: &Document,
        el: NodeId,
        version: TrustVersion,
    ) -> Result<bool, Error> {
        let name = doc.name(el);
        if name.ns == ns::WST14 {
            if name.local == "ActAs" {
                set_once(&mut self.act_as, TokenHolder::read(doc, el)?, "ActAs")?;
                return Ok(true);
            }
            return Ok(false);
        }
        if PolicyVersion::from_namespace(name.ns).is_some() {
            if name.local == "AppliesTo" {
                set_once(&mut self.applies_to, AppliesTo::read(doc, el)?, "AppliesTo")?;
                return Ok(true);
            }
            return Ok(false);
        }
        if name.ns != version.namespace() {
            return Ok(false);
        }
        let uri = || trimmed_text(doc, el);
        match name.local {
            "TokenType" => set_once(
                &mut self.token_type,
                TokenType::from_uri(&uri()),
                "TokenType",
            )?,
            "RequestType" => set_once(
                &mut self.request_type,
                RequestType::from_uri(&uri()),
                "RequestType",
            )?,
            "RenewTarget" => set_once(
                &mut self.renew_target,
                TokenHolder::read(doc, el)?,
                "RenewTarget",
            )?,
            "CancelTarget" => set_once(
                &mut self.cancel_target,
                TokenHolder::read(doc, el)?,
                "CancelTarget",
            )?,
            "ValidateTarget" => set_once(
                &mut self.validate_target,
                TokenHolder::read(doc, el)?,
                "ValidateTarget",
            )?,
            "Claims" => set_once(&mut self.claims, Claims::read(doc, el)?, "Claims")?,
            "Entropy" => set_once(
                &mut self.entropy,
                Entropy::read(doc, el, version)?,
                "Entropy",
            )?,
            "Lifetime" => set_once(&mut self.lifetime, Lifetime::read(doc, el)?, "Lifetime")?,
            "AllowPostdating" => {
                if self.allow_postdating {
                    return Err(Error::Duplicate {
                        element: "AllowPostdating",
                    });
                }
                self.allow_postdating = true;
            }
            "Renewing" => set_once(&mut self.renewing, Renewing::read(doc, el)?, "Renewing")?,
            "OnBehalfOf" => set_once(
                &mut self.on_behalf_of,
                TokenHolder::read(doc, el)?,
                "OnBehalfOf",
            )?,
            "Issuer" => {
                let epr = [AddressingVersion::V10, AddressingVersion::Aug2004]
                    .into_iter()
                    .find_map(|v| EndpointReference::read_content(doc, el, v).transpose())
                    .transpose()?
                    .ok_or(Error::Missing { element: "Address" })?;
                set_once(&mut self.issuer, epr, "Issuer")?;
            }
            "AuthenticationType" => {
                set_once(&mut self.authentication_type, uri(), "AuthenticationType")?;
            }
            "KeyType" => set_once(&mut self.key_type, KeyType::from_uri(&uri()), "KeyType")?,
            "KeySize" => set_once(
                &mut self.key_size,
                parse_u32(&doc.text(el), "KeySize")?,
                "KeySize",
            )?,
            "SignatureAlgorithm" => {
                set_once(&mut self.signature_algorithm, uri(), "SignatureAlgorithm")?;
            }
            "Encryption" => set_once(
                &mut self.encryption,
                TokenHolder::read(doc, el)?,
                "Encryption",
            )?,
            "EncryptionAlgorithm" => {
                set_once(&mut self.encryption_algorithm, uri(), "EncryptionAlgorithm")?;
            }
            "CanonicalizationAlgorithm" => set_once(
                &mut self.canonicalization_algorithm,
                uri(),
                "CanonicalizationAlgorithm",
            )?,
            "ComputedKeyAlgorithm" => set_once(
                &mut self.computed_key_algorithm,
                ComputedKeyAlgorithm::from_uri(&uri()),
                "ComputedKeyAlgorithm",
            )?,
            "ProofEncryption" => set_once(
                &mut self.proof_encryption,
                TokenHolder::read(doc, el)?,
                "ProofEncryption",
            )?,
            "KeyWrapAlgorithm" => {
                set_once(&mut self.key_wrap_algorithm, uri(), "KeyWrapAlgorithm")?;
            }
            "UseKey" => set_once(&mut self.use_key, UseKey::read(doc, el)?, "UseKey")?,
            "SignWith" => set_once(&mut self.sign_with, uri(), "SignWith")?,
            "EncryptWith" => set_once(&mut self.encrypt_with, uri(), "EncryptWith")?,
            "DelegateTo" => set_once(
                &mut self.delegate_to,
                TokenHolder::read(doc, el)?,
                "DelegateTo",
            )?,
            "Forwardable" => set_once(
                &mut self.forwardable,
                parse_bool(&doc.text(el), "Forwardable")?,
                "Forwardable",
            )?,
            "Delegatable" => set_once(
                &mut self.delegatable,
                parse_bool(&doc.text(el), "Delegatable")?,
                "Delegatable",
            )?,
            "SecondaryParameters" => {
                let p = Self::read(doc, el, version)?;
                set_once(
                    &mut self.secondary_parameters,
                    Box::new(p),
                    "SecondaryParameters",
                )?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Reads the children of a `SecondaryParameters` (or any parameter container) element;
    /// children that are not parameters are kept as extensions.
    pub fn read(doc: &Document, el: NodeId, version: TrustVersion) -> Result<Self, Error> {
        let mut p = Self::default();
        for c in doc.child_elements(el) {
            if !p.read_child(doc, c, version)? {
                p.extensions.push(Fragment::from_element(doc, c)?);
            }
        }
        Ok(p)
    }

    /// Writes the children in schema order, for an RST or `SecondaryParameters`.
    pub fn write_children(&self, w: &mut Writer, version: TrustVersion) {
        for slot in RST_ORDER {
            self.write_slot(*slot, w, version);
        }
    }

    /// Writes the element(s) of one slot.
    pub(crate) fn write_slot(&self, slot: Slot, w: &mut Writer, version: TrustVersion) {
        let tns = version.namespace();
        let uri = |w: &mut Writer, local: &str, value: &Option<String>| {
            if let Some(v) = value {
                w.element_text(tns, local, v);
            }
        };
        let holder = |w: &mut Writer, local: &str, value: &Option<TokenHolder>| {
            if let Some(h) = value {
                h.write(w, tns, local);
            }
        };
        match slot {
            Slot::TokenType => {
                if let Some(t) = &self.token_type {
                    w.element_text(tns, "TokenType", t.uri());
                }
            }
            Slot::RequestType => {
                if let Some(r) = &self.request_type {
                    w.element_text(tns, "RequestType", &r.uri(version));
                }
            }
            Slot::Targets => {
                holder(w, "RenewTarget", &self.renew_target);
                holder(w, "CancelTarget", &self.cancel_target);
                holder(w, "ValidateTarget", &self.validate_target);
            }
            Slot::AppliesTo => {
                if let Some(a) = &self.applies_to {
                    a.write(w);
                }
            }
            Slot::Claims => {
                if let Some(c) = &self.claims {
                    c.write(w, version);
                }
            }
            Slot::Entropy => {
                if let Some(e) = &self.entropy {
                    e.write(w, version);
                }
            }
            Slot::Lifetime => {
                if let Some(l) = &self.lifetime {
                    l.write(w, version);
                }
            }
            Slot::AllowPostdating => {
                if self.allow_postdating {
                    w.start(tns, "AllowPostdating").end();
                }
            }
            Slot::Renewing => {
                if let Some(r) = &self.renewing {
                    r.write(w, version);
                }
            }
            Slot::OnBehalfOf => holder(w, "OnBehalfOf", &self.on_behalf_of),
            Slot::ActAs => {
                if let Some(h) = &self.act_as {
                    h.write(w, ns::WST14, "ActAs");
                }
            }
            Slot::Issuer => {
                if let Some(i) = &self.issuer {
                    w.start(tns, "Issuer");
                    i.write_content(w);
                    w.end();
                }
            }
            Slot::AuthenticationType => {
                uri(w, "AuthenticationType", &self.authentication_type);
            }
            Slot::KeyType => {
                if let Some(k) = &self.key_type {
                    w.element_text(tns, "KeyType", &k.uri(version));
                }
            }
            Slot::KeySize => {
                if let Some(k) = self.key_size {
                    w.element_text(tns, "KeySize", &k.to_string());
                }
            }
            Slot::SignatureAlgorithm => {
                uri(w, "SignatureAlgorithm", &self.signature_algorithm);
            }
            Slot::Encryption => holder(w, "Encryption", &self.encryption),
            Slot::EncryptionAlgorithm => {
                uri(w, "EncryptionAlgorithm", &self.encryption_algorithm);
            }
            Slot::CanonicalizationAlgorithm => {
                uri(
                    w,
                    "CanonicalizationAlgorithm",
                    &self.canonicalization_algorithm,
                );
            }
            Slot::ComputedKeyAlgorithm => {
                if let Some(c) = &self.computed_key_algorithm {
                    w.element_text(tns, "ComputedKeyAlgorithm", &c.uri(version));
                }
            }
            Slot::ProofEncryption => holder(w, "ProofEncryption", &self.proof_encryption),
            Slot::KeyWrapAlgorithm => uri(w, "KeyWrapAlgorithm", &self.key_wrap_algorithm),
            Slot::UseKey => {
                if let Some(u) = &self.use_key {
                    u.write(w, version);
                }
            }
            Slot::SignWith => uri(w, "SignWith", &self.sign_with),
            Slot::EncryptWith => uri(w, "EncryptWith", &self.encrypt_with),
            Slot::DelegateTo => holder(w, "DelegateTo", &self.delegate_to),
            Slot::Forwardable => {
                if let Some(f) = self.forwardable {
                    w.element_text(tns, "Forwardable", bool_text(f));
                }
            }
            Slot::Delegatable => {
                if let Some(d) = self.delegatable {
                    w.element_text(tns, "Delegatable", bool_text(d));
                }
            }
            Slot::SecondaryParameters => {
                if let Some(p) = &self.secondary_parameters {
                    w.start(tns, "SecondaryParameters");
                    p.write_children(w, version);
                    w.end();
                }
            }
            Slot::Extensions => {
                for e in &self.extensions {
                    e.write(w);
                }
            }
        }
    }
}
