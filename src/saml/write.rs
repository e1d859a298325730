//! Writing and signing assertions, and encrypting them for a service.
//!
//! The assertion is written with every namespace it uses declared on the assertion element
//! itself (clients cut the token out of the RSTR as raw text), then signed by the STS with an
//! enveloped signature (exclusive c14n, RSA-SHA256, SHA-256, one reference to `#ID` with the
//! enveloped-signature and exclusive c14n transforms, the STS certificate in `ds:KeyInfo`),
//! which goes where the schema wants it: after `saml:Issuer` in SAML 2.0, last in SAML 1.1.

use std::cell::Cell;

use crate::crypto::{self, BlockCipher, OaepParams};
use crate::pki::Certificate;
use crate::xml::{datetime, ns, CaptureKind, Writer};
use crate::xmlsec::{self, EncryptedType, SignatureSpec, SigningKey};

use super::model::{split_claim_uri, ConfirmationSpec, PublicKeyInfo};
use super::reference::write_certificate_key_identifier;
use super::{
    uri, AssertionSpec, Claim, Error, NameId, RecipientReference, SamlVersion, SigningCredentials,
};

/// A signed assertion.
#[derive(Clone, Debug)]
pub struct IssuedAssertion {
    /// SAML 1.1 or 2.0.
    pub version: SamlVersion,
    /// Its Id (`ID` / `AssertionID`).
    pub id: String,
    /// The assertion element as text (no XML declaration), every namespace declared on it.
    pub xml: String,
    /// `NotBefore`, milliseconds since the Unix epoch.
    pub not_before_ms: i64,
    /// `NotOnOrAfter`, milliseconds since the Unix epoch.
    pub not_on_or_after_ms: i64,
}

impl IssuedAssertion {
    /// Writes the `wsse:SecurityTokenReference` naming this assertion
    /// (see [`super::write_key_identifier`]).
    pub fn write_key_identifier(&self, w: &mut Writer) {
        super::write_key_identifier(w, self.version, &self.id);
    }
}

/// True for the ASCII subset of an XML `NCName` (what an `xs:ID` value must be).
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn random_id() -> Result<String, Error> {
    let bytes = crypto::random_bytes(16)?;
    let mut s = String::with_capacity(33);
    s.push('_');
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    Ok(s)
}

fn check(spec: &AssertionSpec) -> Result<(), Error> {
    if spec.issuer.trim().is_empty() {
        return Err(Error::spec("empty issuer"));
    }
    if spec.subject.value.trim().is_empty() {
        return Err(Error::spec("empty subject name"));
    }
    if spec.not_on_or_after_ms <= spec.not_before_ms {
        return Err(Error::spec("NotOnOrAfter is not after NotBefore"));
    }
    if spec.audiences.is_empty() || spec.audiences.iter().any(|a| a.trim().is_empty()) {
        return Err(Error::spec(
            "an assertion needs at least one non-empty audience",
        ));
    }
    for c in &spec.claims {
        if c.uri == uri::ACTOR_CLAIM {
            return Err(Error::spec(
                "the actor claim is written from the actor field only",
            ));
        }
        if c.uri.trim().is_empty() || c.values.is_empty() {
            return Err(Error::spec("a claim needs a type and at least one value"));
        }
        if spec.version == SamlVersion::V11 && split_claim_uri(&c.uri).is_none() {
            return Err(Error::spec(
                "claim type cannot be split into a SAML 1.1 namespace and name",
            ));
        }
    }
    if spec.actor.as_deref().is_some_and(|a| a.trim().is_empty()) {
        return Err(Error::spec("empty actor"));
    }
    if spec.version == SamlVersion::V11
        && spec.authn.is_none()
        && spec.claims.is_empty()
        && spec.actor.is_none()
    {
        return Err(Error::spec(
            "a SAML 1.1 assertion needs at least one statement",
        ));
    }
    if let ConfirmationSpec::HolderOfKeySymmetric { key, .. } = &spec.confirmation {
        if key.len() < 16 {
            return Err(Error::spec("holder-of-key proof key shorter than 128 bits"));
        }
    }
    Ok(())
}

/// Signs and writes an assertion as `spec` says, with the STS's `signer` credentials.
pub fn issue(
    spec: &AssertionSpec,
    signer: SigningCredentials<'_>,
) -> Result<IssuedAssertion, Error> {
    check(spec)?;
    let id = match &spec.id {
        Some(id) if is_ncname(id) => id.clone(),
        Some(_) => return Err(Error::spec("assertion id is not an NCName")),
        None => random_id()?,
    };
    let (unsigned, signature_at) = match spec.version {
        SamlVersion::V20 => write_v20(spec, &id)?,
        SamlVersion::V11 => write_v11(spec, &id)?,
    };
    let cert = xmlsec::base64_encode(signer.certificate.der());
    let key_info = |w: &mut Writer| {
        w.start_prefixed(ns::DS, "X509Data", Some("ds"));
        w.element_text(ns::DS, "X509Certificate", &cert);
        w.end();
    };
    let xml = xmlsec::sign_written_enveloped(
        unsigned,
        &format!("#{id}"),
        Some(signature_at),
        SignatureSpec::default(),
        SigningKey::Rsa(signer.key),
        Some(&key_info),
    )?;
    Ok(IssuedAssertion {
        version: spec.version,
        id,
        xml,
        not_before_ms: spec.not_before_ms,
        not_on_or_after_ms: spec.not_on_or_after_ms,
    })
}

/// Declares on the assertion element every namespace its content will use.
fn declare_namespaces(w: &mut Writer, spec: &AssertionSpec) {
    w.declare("ds", ns::DS);
    match &spec.confirmation {
        ConfirmationSpec::Bearer => {}
        ConfirmationSpec::HolderOfKeyPublic(_) => {
            if spec.version == SamlVersion::V20 {
                w.declare("xsi", ns::XSI);
            }
        }
        ConfirmationSpec::HolderOfKeySymmetric { .. } => {
            if spec.version == SamlVersion::V20 {
                w.declare("xsi", ns::XSI);
            }
            w.declare("xenc", ns::XENC);
            w.declare("wsse", ns::WSSE);
        }
    }
}

fn write_name_id(w: &mut Writer, ns_uri: &str, local: &str, name: &NameId) {
    w.start(ns_uri, local);
    if let Some(q) = &name.qualifier {
        w.attr("", "NameQualifier", q);
    }
    if let Some(f) = &name.format {
        w.attr("", "Format", f);
    }
    w.text(&name.value).end();
}

/// `ds:KeyInfo` of a holder-of-key confirmation.
fn write_key_info(w: &mut Writer, confirmation: &ConfirmationSpec) -> Result<(), Error> {
    w.start_prefixed(ns::DS, "KeyInfo", Some("ds"));
    match confirmation {
        ConfirmationSpec::Bearer => {}
        ConfirmationSpec::HolderOfKeyPublic(PublicKeyInfo::Certificate(c)) => {
            w.start(ns::DS, "X509Data");
            w.element_text(ns::DS, "X509Certificate", &xmlsec::base64_encode(c.der()));
            w.end();
        }
        ConfirmationSpec::HolderOfKeyPublic(PublicKeyInfo::RsaKeyValue(k)) => {
            w.start(ns::DS, "KeyValue").start(ns::DS, "RSAKeyValue");
            w.element_text(ns::DS, "Modulus", &xmlsec::base64_encode(k.modulus_be()));
            w.element_text(ns::DS, "Exponent", &xmlsec::base64_encode(k.exponent_be()));
            w.end().end();
        }
        ConfirmationSpec::HolderOfKeySymmetric {
            key,
            recipient,
            reference,
        } => {
            let (value_type, value) = recipient_identifier(recipient, *reference);
            let ki = |w: &mut Writer| write_certificate_key_identifier(w, value_type, &value);
            xmlsec::write_encrypted_key(
                w,
                None,
                key.expose(),
                recipient.public_key(),
                &OaepParams::sha1(),
                Some(&ki),
                &[],
            )?;
        }
    }
    w.end();
    Ok(())
}

fn recipient_identifier(
    cert: &Certificate,
    reference: RecipientReference,
) -> (&'static str, String) {
    match reference {
        RecipientReference::SubjectKeyIdentifier => (
            uri::VALUE_TYPE_X509_SKI,
            xmlsec::base64_encode(&cert.subject_key_id()),
        ),
        RecipientReference::ThumbprintSha1 => (
            uri::VALUE_TYPE_THUMBPRINT_SHA1,
            xmlsec::base64_encode(cert.thumbprint_sha1()),
        ),
    }
}

/// The claims to write, with the actor last.
fn attributes(spec: &AssertionSpec) -> Vec<Claim> {
    let mut out = spec.claims.clone();
    if let Some(a) = &spec.actor {
        out.push(Claim::new(uri::ACTOR_CLAIM, [a.as_str()]));
    }
    out
}

fn write_conditions(w: &mut Writer, spec: &AssertionSpec) {
    let s = spec.version.namespace();
    w.start(s, "Conditions")
        .attr("", "NotBefore", &datetime::format(spec.not_before_ms))
        .attr(
            "",
            "NotOnOrAfter",
            &datetime::format(spec.not_on_or_after_ms),
        );
    let restriction = match spec.version {
        SamlVersion::V11 => "AudienceRestrictionCondition",
        SamlVersion::V20 => "AudienceRestriction",
    };
    w.start(s, restriction);
    for a in &spec.audiences {
        w.element_text(s, "Audience", a);
    }
    w.end();
    w.end();
}

/// The SAML 2.0 assertion without its signature (its writer, which captured it), and the byte offset the signature goes to
/// (right after `saml:Issuer`).
fn write_v20(spec: &AssertionSpec, id: &str) -> Result<(Writer, usize), Error> {
    let s = ns::SAML2;
    let mut w = Writer::with_capacity(4096);
    w.capture_next(CaptureKind::Element);
    w.start_prefixed(s, "Assertion", Some("saml"));
    declare_namespaces(&mut w, spec);
    w.attr("", "ID", id).attr("", "Version", "2.0").attr(
        "",
        "IssueInstant",
        &datetime::format(spec.issue_instant_ms),
    );
    w.element_text(s, "Issuer", &spec.issuer);
    let signature_at = w.as_str().len();

    w.start(s, "Subject");
    write_name_id(&mut w, s, "NameID", &spec.subject);
    w.start(s, "SubjectConfirmation");
    match &spec.confirmation {
        ConfirmationSpec::Bearer => {
            w.attr("", "Method", uri::CM_BEARER_2);
        }
        hok => {
            w.attr("", "Method", uri::CM_HOLDER_OF_KEY_2);
            // SAML Profiles 2.0 §3.1: the data is of KeyInfoConfirmationDataType.
            w.start(s, "SubjectConfirmationData").attr(
                ns::XSI,
                "type",
                "saml:KeyInfoConfirmationDataType",
            );
            write_key_info(&mut w, hok)?;
            w.end();
        }
    }
    w.end();
    w.end();

    write_conditions(&mut w, spec);

    if let Some(a) = &spec.authn {
        w.start(s, "AuthnStatement")
            .attr("", "AuthnInstant", &datetime::format(a.instant_ms));
        w.start(s, "AuthnContext");
        w.element_text(s, "AuthnContextClassRef", a.method.uri(SamlVersion::V20));
        w.end();
        w.end();
    }
    let attrs = attributes(spec);
    if !attrs.is_empty() {
        w.start(s, "AttributeStatement");
        for c in &attrs {
            w.start(s, "Attribute").attr("", "Name", &c.uri).attr(
                "",
                "NameFormat",
                uri::ATTRNAME_FORMAT_URI,
            );
            for v in &c.values {
                w.element_text(s, "AttributeValue", v);
            }
            w.end();
        }
        w.end();
    }
    w.end();
    Ok((w, signature_at))
}

/// A SAML 1.1 `saml:Subject` (the same in every subject statement).
fn write_subject_v11(w: &mut Writer, spec: &AssertionSpec) -> Result<(), Error> {
    let s = ns::SAML1;
    w.start(s, "Subject");
    write_name_id(w, s, "NameIdentifier", &spec.subject);
    w.start(s, "SubjectConfirmation");
    match &spec.confirmation {
        ConfirmationSpec::Bearer => {
            w.element_text(s, "ConfirmationMethod", uri::CM_BEARER_1);
        }
        hok => {
            w.element_text(s, "ConfirmationMethod", uri::CM_HOLDER_OF_KEY_1);
            write_key_info(w, hok)?;
        }
    }
    w.end();
    w.end();
    Ok(())
}

/// The SAML 1.1 assertion without its signature (its writer, which captured it), and the byte offset the signature goes to
/// (last child).
fn write_v11(spec: &AssertionSpec, id: &str) -> Result<(Writer, usize), Error> {
    let s = ns::SAML1;
    let mut w = Writer::with_capacity(4096);
    w.capture_next(CaptureKind::Element);
    w.start_prefixed(s, "Assertion", Some("saml"));
    declare_namespaces(&mut w, spec);
    w.attr("", "MajorVersion", "1")
        .attr("", "MinorVersion", "1")
        .attr("", "AssertionID", id)
        .attr("", "Issuer", &spec.issuer)
        .attr("", "IssueInstant", &datetime::format(spec.issue_instant_ms));

    write_conditions(&mut w, spec);

    let attrs = attributes(spec);
    if !attrs.is_empty() {
        w.start(s, "AttributeStatement");
        write_subject_v11(&mut w, spec)?;
        for c in &attrs {
            let (namespace, name) =
                split_claim_uri(&c.uri).ok_or(Error::spec("claim type for SAML 1.1"))?;
            w.start(s, "Attribute")
                .attr("", "AttributeName", name)
                .attr("", "AttributeNamespace", namespace);
            for v in &c.values {
                w.element_text(s, "AttributeValue", v);
            }
            w.end();
        }
        w.end();
    }
    if let Some(a) = &spec.authn {
        w.start(s, "AuthenticationStatement")
            .attr("", "AuthenticationMethod", a.method.uri(SamlVersion::V11))
            .attr("", "AuthenticationInstant", &datetime::format(a.instant_ms));
        write_subject_v11(&mut w, spec)?;
        w.end();
    }
    let signature_at = w.as_str().len();
    w.end();
    Ok((w, signature_at))
}

/// Encrypts a SAML 2.0 assertion for a service as `saml:EncryptedAssertion`: the assertion text
/// under a fresh AES-256-GCM key, that key under the service certificate's RSA key (RSA-OAEP,
/// `rsa-oaep-mgf1p`) in an `xenc:EncryptedKey` inside the `EncryptedData`'s `ds:KeyInfo`,
/// naming the certificate by `reference`.
pub fn encrypt(
    assertion: &IssuedAssertion,
    recipient: &Certificate,
    reference: RecipientReference,
) -> Result<String, Error> {
    if assertion.version != SamlVersion::V20 {
        return Err(Error::spec("EncryptedAssertion exists in SAML 2.0 only"));
    }
    let key = crypto::random_secret(BlockCipher::Aes256Gcm.key_len())?;
    let (value_type, value) = recipient_identifier(recipient, reference);
    let failed = Cell::new(None);
    let key_info = |w: &mut Writer| {
        let reference = |w: &mut Writer| write_certificate_key_identifier(w, value_type, &value);
        if let Err(e) = xmlsec::write_encrypted_key(
            w,
            None,
            key.expose(),
            recipient.public_key(),
            &OaepParams::sha1(),
            Some(&reference),
            &[],
        ) {
            failed.set(Some(e));
        }
    };
    let mut w = Writer::with_capacity(assertion.xml.len() * 2 + 2048);
    w.start_prefixed(ns::SAML2, "EncryptedAssertion", Some("saml"));
    w.declare("xenc", ns::XENC)
        .declare("ds", ns::DS)
        .declare("wsse", ns::WSSE);
    // The assertion text declares every namespace it uses, so it parses back on its own.
    xmlsec::write_encrypted_data(
        &mut w,
        None,
        EncryptedType::Element,
        BlockCipher::Aes256Gcm,
        key.expose(),
        assertion.xml.as_bytes(),
        Some(&key_info),
    )?;
    if let Some(e) = failed.take() {
        return Err(e.into());
    }
    w.end();
    Ok(w.finish()?)
}
