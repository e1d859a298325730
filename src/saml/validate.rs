//! Validating an incoming assertion (the service side, and the STS for `ActAs`/`OnBehalfOf`
//! and the Validate binding).
//!
//! The order of checks, and why:
//!
//! 1. The assertion's own Id must name it and only it (the parser's Id index refuses
//!    duplicates), and no Id inside it may be ambiguous.
//! 2. Exactly one `ds:Signature` child, where the schema puts it (after `saml:Issuer` in 2.0,
//!    last in 1.1), with exactly one reference, to `#` + the assertion's own Id, with only the
//!    enveloped-signature transform and optionally exclusive c14n.
//! 3. The signing certificate (from `ds:KeyInfo`, else each trusted issuer in turn) must be a
//!    [`TrustedIssuer`]'s, inside its validity period; the verifier's [`VerifiedSignature`]
//!    must reference exactly the assertion element, and every value is then read from that
//!    node only (no signature wrapping: what we read is what was signed).
//! 4. Issuer name (when the trusted issuer is bound to one), audience, time (with skew),
//!    subject confirmation (allowed method; holder-of-key keys decrypted or read), statements.
//!
//! Anything we do not understand in a place that changes the meaning (unknown conditions,
//! encrypted identifiers or attributes, other statements, several subject confirmations) is
//! refused rather than ignored; `Advice` is ignored.
//!
//! [`VerifiedSignature`]: crate::xmlsec::VerifiedSignature

use crate::crypto::{self, DigestAlgorithm, RsaPrivateKey, SecretBytes};
use crate::pki::Certificate;
use crate::xml::{ns, Document, Limits, NodeId};
use crate::xmlsec::{
    self, C14nAlgorithm, EncryptedData, EncryptedKey, KeyEncryptionKey, NoResolver, Policy,
    Signature, Transform, VerificationKey,
};

use super::read::{check_recipient, element_children, read_v11, read_v20, service_key, Parts};
use super::{AuthnStatement, Claim, Error, NameId, PublicKeyInfo, SamlVersion};

/// An issuer whose assertions we accept: its signing certificate, optionally bound to the
/// issuer name its assertions must carry.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TrustedIssuer {
    /// The certificate the issuer signs with (compared by exact DER).
    pub certificate: Certificate,
    /// The `Issuer` value its assertions must carry; `None` accepts any. Default: `None`.
    pub name: Option<String>,
}

impl TrustedIssuer {
    /// Trusts `certificate` whatever issuer name its assertions carry.
    pub fn new(certificate: Certificate) -> Self {
        Self {
            certificate,
            name: None,
        }
    }

    /// Trusts `certificate` only for assertions whose issuer is `name`.
    pub fn named(certificate: Certificate, name: impl Into<String>) -> Self {
        Self {
            certificate,
            name: Some(name.into()),
        }
    }
}

/// Which subject confirmation methods are accepted.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct ConfirmationMethods {
    /// Bearer. Default: true.
    pub bearer: bool,
    /// Holder of key with a public key or certificate. Default: true.
    pub holder_of_key_public: bool,
    /// Holder of key with a symmetric key encrypted for us. Default: true.
    pub holder_of_key_symmetric: bool,
}

impl ConfirmationMethods {
    /// Every method.
    pub fn all() -> Self {
        Self {
            bearer: true,
            holder_of_key_public: true,
            holder_of_key_symmetric: true,
        }
    }

    /// Holder of key only (public or symmetric): the presenter must prove a key.
    pub fn holder_of_key() -> Self {
        Self {
            bearer: false,
            ..Self::all()
        }
    }
}

impl Default for ConfirmationMethods {
    fn default() -> Self {
        Self::all()
    }
}

/// The service's own certificate and key: decrypts holder-of-key symmetric keys and
/// `EncryptedAssertion`s.
#[derive(Clone, Copy, Debug)]
pub struct ServiceKey<'a> {
    /// Our certificate (to check that a key was encrypted for it).
    pub certificate: &'a Certificate,
    /// Our private key.
    pub key: &'a RsaPrivateKey,
}

/// What an assertion must satisfy.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ValidationPolicy<'a> {
    /// The issuers we trust. Default: none (nothing validates).
    pub trusted_issuers: &'a [TrustedIssuer],
    /// Our audience URIs; every audience restriction must name one. Default: none.
    pub audiences: Vec<String>,
    /// The current time, milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// Allowed clock skew for every time comparison, milliseconds. Default: 300 000 (5 min).
    pub skew_ms: i64,
    /// Accepted subject confirmation methods. Default: all.
    pub confirmations: ConfirmationMethods,
    /// Our key, for holder-of-key symmetric keys and encrypted assertions. Default: `None`.
    pub service: Option<ServiceKey<'a>>,
    /// Signature and encryption policy. Default: [`Policy::default`].
    pub xmlsec: Policy,
    /// Parser limits for [`validate_xml`] and for the plaintext of an encrypted assertion.
    /// Default: [`Limits::default`].
    pub limits: Limits,
    /// Validate as the issuer, not as a relying party: the STS answering Validate or Renew
    /// for an assertion it issued. The audience is not checked (the issuer issues for every
    /// realm; which realm it was is read from the assertion), and a holder-of-key symmetric
    /// key, encrypted for the service, is not opened
    /// ([`Confirmation::HolderOfKeySymmetricSealed`]). Never set this in a service: an
    /// assertion for another audience would be accepted. Default: false.
    pub issuer_view: bool,
}

impl<'a> ValidationPolicy<'a> {
    /// A policy trusting `trusted_issuers`, for `audiences`, at `now_ms`.
    pub fn new<A: Into<String>>(
        trusted_issuers: &'a [TrustedIssuer],
        audiences: impl IntoIterator<Item = A>,
        now_ms: i64,
    ) -> Self {
        Self {
            trusted_issuers,
            audiences: audiences.into_iter().map(Into::into).collect(),
            now_ms,
            skew_ms: 300_000,
            confirmations: ConfirmationMethods::default(),
            service: None,
            xmlsec: Policy::default(),
            limits: Limits::default(),
            issuer_view: false,
        }
    }
}

/// How the presenter of a validated assertion must prove it is the subject.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Confirmation {
    /// Bearer: nothing to prove.
    Bearer,
    /// Holder of key: possession of this public key (sign with its private key).
    HolderOfKeyPublic(PublicKeyInfo),
    /// Holder of key: possession of this symmetric key (decrypted with our key).
    HolderOfKeySymmetric {
        /// The proof key.
        key: SecretBytes,
    },
    /// Holder of key: a symmetric key encrypted for the service, left unopened (only with
    /// [`ValidationPolicy::issuer_view`]).
    HolderOfKeySymmetricSealed,
}

/// What a valid assertion says, read from the signed assertion element only.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ValidatedAssertion {
    /// SAML 1.1 or 2.0.
    pub version: SamlVersion,
    /// `ID` / `AssertionID`.
    pub id: String,
    /// The issuer.
    pub issuer: String,
    /// `IssueInstant`, milliseconds since the Unix epoch.
    pub issue_instant_ms: i64,
    /// The subject's name identifier (with its `Format`).
    pub subject: NameId,
    /// The attributes, in document order (without the actor).
    pub claims: Vec<Claim>,
    /// The acting party, from the [`uri::ACTOR_CLAIM`] attribute.
    pub actor: Option<String>,
    /// The subject confirmation, satisfied as far as the assertion goes.
    pub confirmation: Confirmation,
    /// `NotBefore`, when given.
    pub not_before_ms: Option<i64>,
    /// `NotOnOrAfter`.
    pub not_on_or_after_ms: i64,
    /// Every audience the assertion names.
    pub audiences: Vec<String>,
    /// The authentication statement, when there is one.
    pub authn: Option<AuthnStatement>,
    /// The trusted certificate the signature verified with.
    pub signer: Certificate,
    /// True when it arrived as a `saml:EncryptedAssertion`.
    pub encrypted: bool,
}

/// Parses `xml` (an `Assertion` or `EncryptedAssertion` element) under the policy's limits and
/// validates it.
pub fn validate_xml(
    xml: &[u8],
    policy: &ValidationPolicy<'_>,
) -> Result<ValidatedAssertion, Error> {
    let doc = Document::parse_with(xml, &policy.limits)?;
    validate(&doc, doc.root(), policy)
}

/// Validates the assertion element `node` of `doc` (a SAML 2.0 or 1.1 `Assertion`, or a SAML
/// 2.0 `EncryptedAssertion` when the policy has our service key).
pub fn validate(
    doc: &Document,
    node: NodeId,
    policy: &ValidationPolicy<'_>,
) -> Result<ValidatedAssertion, Error> {
    if doc.is(node, ns::SAML2, "EncryptedAssertion") {
        let (plain, assertion) = decrypt_assertion(doc, node, policy)?;
        let mut v = validate_plain(&plain, assertion, policy)?;
        v.encrypted = true;
        return Ok(v);
    }
    validate_plain(doc, node, policy)
}

/// Decrypts an `EncryptedAssertion` in place; returns the new document and its assertion.
fn decrypt_assertion(
    doc: &Document,
    node: NodeId,
    policy: &ValidationPolicy<'_>,
) -> Result<(Document, NodeId), Error> {
    let service = service_key(policy)?;
    let kids = element_children(doc, node)?;
    let ed_node = match kids.as_slice() {
        [first, rest @ ..] if doc.is(*first, ns::XENC, "EncryptedData") => {
            if rest.iter().any(|r| !doc.is(*r, ns::XENC, "EncryptedKey")) {
                return Err(Error::malformed("EncryptedAssertion content"));
            }
            *first
        }
        _ => return Err(Error::malformed("EncryptedAssertion without EncryptedData")),
    };
    let ed = EncryptedData::read(doc, ed_node)?;
    // The content key: an EncryptedKey in the EncryptedData's KeyInfo, else a sibling one.
    let ek_node = ed
        .key_info
        .and_then(|ki| doc.child(ki, ns::XENC, "EncryptedKey"))
        .or_else(|| kids.get(1).copied())
        .ok_or(Error::malformed("EncryptedAssertion without EncryptedKey"))?;
    let ek = EncryptedKey::read(doc, ek_node)?;
    check_recipient(doc, &ek, service)?;
    let key = xmlsec::decrypt_key(&ek, KeyEncryptionKey::Rsa(service.key), &policy.xmlsec)?;
    let plaintext = xmlsec::decrypt_data(&ed, key.expose(), &policy.xmlsec)?;
    let replaced = xmlsec::replace_encrypted_data(doc, &ed, plaintext.expose(), &policy.limits)?;
    let new = replaced.document;
    // The assertion is the element that starts where the plaintext was put.
    let start = replaced.region.start;
    let assertion = new
        .descendants_or_self(new.root())
        .find(|n| new.is_element(*n) && new.span(*n).start >= start)
        .filter(|n| new.is(*n, ns::SAML2, "Assertion"))
        .ok_or(Error::malformed(
            "EncryptedAssertion does not hold an Assertion",
        ))?;
    Ok((new, assertion))
}

fn validate_plain(
    doc: &Document,
    a: NodeId,
    policy: &ValidationPolicy<'_>,
) -> Result<ValidatedAssertion, Error> {
    let version = if doc.is(a, ns::SAML2, "Assertion") {
        SamlVersion::V20
    } else if doc.is(a, ns::SAML1, "Assertion") {
        SamlVersion::V11
    } else {
        return Err(Error::malformed("not a SAML assertion"));
    };

    // 1. Ids.
    let id = doc
        .attribute(a, "", version.id_attribute())
        .ok_or(Error::malformed("assertion without its Id"))?;
    match doc.element_by_id(id) {
        Ok(Some(n)) if n == a => {}
        Ok(_) => return Err(Error::malformed("assertion Id not indexed")),
        Err(_) => return Err(Error::DuplicateId),
    }
    for n in doc.descendants_or_self(a) {
        for at in doc.attributes(n) {
            if crate::xml::is_id_attribute(at.name) && doc.element_by_id(at.value).is_err() {
                return Err(Error::DuplicateId);
            }
        }
    }
    let version_ok = match version {
        SamlVersion::V20 => doc.attribute(a, "", "Version") == Some("2.0"),
        SamlVersion::V11 => {
            doc.attribute(a, "", "MajorVersion").map(str::trim) == Some("1")
                && doc.attribute(a, "", "MinorVersion").map(str::trim) == Some("1")
        }
    };
    if !version_ok {
        return Err(Error::unsupported("assertion version"));
    }

    // 2. The one signature, in its place.
    let children = element_children(doc, a)?;
    let signatures: Vec<(usize, NodeId)> = children
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, c)| doc.is(*c, ns::DS, "Signature"))
        .collect();
    let (position, sig_node) = match signatures.as_slice() {
        [] => return Err(Error::signature("assertion is not signed")),
        [one] => *one,
        _ => return Err(Error::signature("more than one signature")),
    };
    let expected_position = match version {
        SamlVersion::V20 => 1,
        SamlVersion::V11 => children.len().saturating_sub(1),
    };
    if position != expected_position {
        return Err(Error::signature(
            "signature is not where the schema puts it",
        ));
    }
    let sig = Signature::read(doc, sig_node, &policy.xmlsec)?;
    let [reference] = sig.references.as_slice() else {
        return Err(Error::signature("not exactly one reference"));
    };
    if reference.uri.as_deref().and_then(|u| u.strip_prefix('#')) != Some(id) {
        return Err(Error::signature(
            "reference is not to the assertion's own Id",
        ));
    }
    let transforms_ok = match reference.transforms.as_slice() {
        [Transform::Enveloped] => true,
        [Transform::Enveloped, Transform::C14n { algorithm, .. }] => matches!(
            algorithm,
            C14nAlgorithm::Exclusive | C14nAlgorithm::ExclusiveWithComments
        ),
        _ => false,
    };
    if !transforms_ok {
        return Err(Error::signature(
            "transforms other than enveloped and exclusive c14n",
        ));
    }

    // 3. A trusted key, a verified signature over exactly this element.
    let (verified, signer) = verify_with_trusted(doc, &sig, policy)?;
    let signed = match verified.signed_nodes() {
        [one] if one.node() == a && one.signature() == sig_node && !one.is_whole_document() => {
            one.node()
        }
        _ => {
            return Err(Error::signature(
                "signature does not cover exactly the assertion",
            ))
        }
    };

    // 4. Values, from the signed node only.
    let parts = match version {
        SamlVersion::V20 => read_v20(doc, signed, &children, policy)?,
        SamlVersion::V11 => read_v11(doc, signed, &children, policy)?,
    };
    if let Some(name) = &signer.name {
        if *name != parts.issuer {
            return Err(Error::UntrustedIssuer {
                what: "issuer name does not match the signing certificate",
            });
        }
    }
    check_time(&parts, policy)?;
    if !policy.issuer_view {
        check_audience(&parts.restrictions, policy)?;
    }
    let allowed = match &parts.confirmation {
        Confirmation::Bearer => policy.confirmations.bearer,
        Confirmation::HolderOfKeyPublic(_) => policy.confirmations.holder_of_key_public,
        Confirmation::HolderOfKeySymmetric { .. } | Confirmation::HolderOfKeySymmetricSealed => {
            policy.confirmations.holder_of_key_symmetric
        }
    };
    if !allowed {
        return Err(Error::Confirmation {
            what: "confirmation method not allowed",
        });
    }
    Ok(ValidatedAssertion {
        version,
        id: id.to_owned(),
        issuer: parts.issuer,
        issue_instant_ms: parts.issue_instant_ms,
        subject: parts.subject,
        claims: parts.claims,
        actor: parts.actor,
        confirmation: parts.confirmation,
        not_before_ms: parts.not_before_ms,
        not_on_or_after_ms: parts.not_on_or_after_ms,
        audiences: parts.restrictions.into_iter().flatten().collect(),
        authn: parts.authn,
        signer: signer.certificate.clone(),
        encrypted: false,
    })
}

fn verify_with_trusted<'p>(
    doc: &Document,
    sig: &Signature,
    policy: &ValidationPolicy<'p>,
) -> Result<(xmlsec::VerifiedSignature, &'p TrustedIssuer), Error> {
    let presented = match sig.key_info {
        Some(ki) => xmlsec::x509_certificates(doc, ki)?,
        None => Vec::new(),
    };
    let presented: Vec<Vec<u8>> = presented
        .iter()
        .map(|der| crypto::digest(DigestAlgorithm::Sha256, der))
        .collect();
    let now_s = policy.now_ms.div_euclid(1000);
    let mut last = Error::UntrustedIssuer {
        what: "signing certificate is not trusted",
    };
    for t in policy.trusted_issuers {
        if !presented.is_empty() {
            let mine = crypto::digest(DigestAlgorithm::Sha256, t.certificate.der());
            if !presented.iter().any(|p| crypto::ct_eq(p, &mine)) {
                continue;
            }
        }
        if now_s < t.certificate.not_before() || now_s > t.certificate.not_after() {
            last = Error::UntrustedIssuer {
                what: "signing certificate outside its validity period",
            };
            continue;
        }
        match xmlsec::verify(
            doc,
            sig,
            VerificationKey::Rsa(t.certificate.public_key()),
            &policy.xmlsec,
            &NoResolver,
        ) {
            Ok(v) => return Ok((v, t)),
            Err(e) => last = e.into(),
        }
    }
    Err(last)
}

fn check_time(p: &Parts, policy: &ValidationPolicy<'_>) -> Result<(), Error> {
    let now = policy.now_ms;
    let skew = policy.skew_ms.max(0);
    if now.saturating_sub(skew) >= p.not_on_or_after_ms {
        return Err(Error::Expired);
    }
    if let Some(nb) = p.not_before_ms {
        if now.saturating_add(skew) < nb {
            return Err(Error::NotYetValid);
        }
    }
    if now.saturating_add(skew) < p.issue_instant_ms {
        return Err(Error::NotYetValid);
    }
    Ok(())
}

fn check_audience(
    restrictions: &[Vec<String>],
    policy: &ValidationPolicy<'_>,
) -> Result<(), Error> {
    if restrictions.is_empty() {
        return Err(Error::Audience);
    }
    for r in restrictions {
        if !r
            .iter()
            .any(|a| policy.audiences.iter().any(|ours| ours == a))
        {
            return Err(Error::Audience);
        }
    }
    Ok(())
}
