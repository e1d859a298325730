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
use crate::xml::{datetime, ns, Document, Limits, NodeId, NodeKind};
use crate::xmlsec::{
    self, C14nAlgorithm, EncryptedData, EncryptedKey, KeyEncryptionKey, NoResolver, Policy,
    Signature, Transform, VerificationKey,
};

use super::model::join_claim_uri;
use super::{uri, AuthnMethod, AuthnStatement, Claim, Error, NameId, PublicKeyInfo, SamlVersion};

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

fn service_key<'a>(policy: &ValidationPolicy<'a>) -> Result<ServiceKey<'a>, Error> {
    policy.service.ok_or(Error::Confirmation {
        what: "no service key to decrypt with",
    })
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

/// Element children of `node`, refusing non-white-space text (comments are allowed).
fn element_children(doc: &Document, node: NodeId) -> Result<Vec<NodeId>, Error> {
    let mut out = Vec::new();
    for c in doc.children(node) {
        match doc.kind(c) {
            NodeKind::Element => out.push(c),
            NodeKind::Text(t) if t.trim().is_empty() => {}
            NodeKind::Comment(_) => {}
            _ => return Err(Error::malformed("unexpected content between elements")),
        }
    }
    Ok(out)
}

/// The trimmed text of a simple element, refusing element content.
fn simple_text(doc: &Document, node: NodeId, what: &'static str) -> Result<String, Error> {
    if doc.child_elements(node).next().is_some() {
        return Err(Error::Unsupported { what });
    }
    Ok(doc.text(node).trim().to_owned())
}

fn time_attr(doc: &Document, node: NodeId, name: &str) -> Result<Option<i64>, Error> {
    match doc.attribute(node, "", name) {
        None => Ok(None),
        Some(v) => datetime::parse(v)
            .map(Some)
            .ok_or(Error::malformed("dateTime value")),
    }
}

fn required_time(
    doc: &Document,
    node: NodeId,
    name: &str,
    what: &'static str,
) -> Result<i64, Error> {
    time_attr(doc, node, name)?.ok_or_else(|| Error::malformed(what))
}

/// The parts every version has, read into one shape.
struct Parts {
    issuer: String,
    issue_instant_ms: i64,
    subject: NameId,
    confirmation: Confirmation,
    not_before_ms: Option<i64>,
    not_on_or_after_ms: i64,
    restrictions: Vec<Vec<String>>,
    authn: Option<AuthnStatement>,
    claims: Vec<Claim>,
    actor: Option<String>,
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
    check_audience(&parts.restrictions, policy)?;
    let allowed = match &parts.confirmation {
        Confirmation::Bearer => policy.confirmations.bearer,
        Confirmation::HolderOfKeyPublic(_) => policy.confirmations.holder_of_key_public,
        Confirmation::HolderOfKeySymmetric { .. } => policy.confirmations.holder_of_key_symmetric,
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

/// What `Conditions` say: the time window and the audience restrictions.
struct Conditions {
    not_before_ms: Option<i64>,
    not_on_or_after_ms: i64,
    restrictions: Vec<Vec<String>>,
}

/// Reads `Conditions`.
fn read_conditions(doc: &Document, c: NodeId, version: SamlVersion) -> Result<Conditions, Error> {
    let not_before = time_attr(doc, c, "NotBefore")?;
    let not_on_or_after = required_time(doc, c, "NotOnOrAfter", "Conditions without NotOnOrAfter")?;
    let s = version.namespace();
    let restriction = match version {
        SamlVersion::V11 => "AudienceRestrictionCondition",
        SamlVersion::V20 => "AudienceRestriction",
    };
    let mut restrictions = Vec::new();
    for k in element_children(doc, c)? {
        let name = doc.name(k);
        if name.ns != s {
            return Err(Error::unsupported("condition"));
        }
        match (version, name.local) {
            (_, l) if l == restriction => {
                let mut audiences = Vec::new();
                for au in element_children(doc, k)? {
                    if !doc.is(au, s, "Audience") {
                        return Err(Error::malformed("audience restriction content"));
                    }
                    audiences.push(simple_text(doc, au, "Audience content")?);
                }
                if audiences.is_empty() {
                    return Err(Error::malformed("empty audience restriction"));
                }
                restrictions.push(audiences);
            }
            // We neither proxy nor cache: these restrict nothing we do.
            (SamlVersion::V20, "ProxyRestriction") | (SamlVersion::V11, "DoNotCacheCondition") => {}
            (SamlVersion::V20, "OneTimeUse") => {
                return Err(Error::unsupported("OneTimeUse condition"))
            }
            _ => return Err(Error::unsupported("condition")),
        }
    }
    Ok(Conditions {
        not_before_ms: not_before,
        not_on_or_after_ms: not_on_or_after,
        restrictions,
    })
}

/// The key in a holder-of-key `ds:KeyInfo`.
fn read_key_info(
    doc: &Document,
    ki: NodeId,
    policy: &ValidationPolicy<'_>,
) -> Result<Confirmation, Error> {
    let kids = element_children(doc, ki)?;
    let [one] = kids.as_slice() else {
        return Err(Error::unsupported(
            "holder-of-key KeyInfo with other than one key",
        ));
    };
    let one = *one;
    if doc.is(one, ns::XENC, "EncryptedKey") {
        let service = service_key(policy)?;
        let ek = EncryptedKey::read(doc, one)?;
        check_recipient(doc, &ek, service)?;
        let key = xmlsec::decrypt_key(&ek, KeyEncryptionKey::Rsa(service.key), &policy.xmlsec)?;
        if key.len() < 16 {
            return Err(Error::Confirmation {
                what: "proof key shorter than 128 bits",
            });
        }
        return Ok(Confirmation::HolderOfKeySymmetric { key });
    }
    if doc.is(one, ns::DS, "X509Data") {
        let certs = xmlsec::x509_certificates(doc, ki)?;
        let [der] = certs.as_slice() else {
            return Err(Error::unsupported(
                "holder-of-key X509Data without exactly one certificate",
            ));
        };
        let cert = Certificate::from_der(der).map_err(|_| Error::Confirmation {
            what: "holder-of-key certificate does not parse",
        })?;
        return Ok(Confirmation::HolderOfKeyPublic(PublicKeyInfo::Certificate(
            cert,
        )));
    }
    if doc.is(one, ns::DS, "KeyValue") {
        let key =
            xmlsec::rsa_key_value(doc, ki)?.ok_or(Error::unsupported("KeyValue other than RSA"))?;
        return Ok(Confirmation::HolderOfKeyPublic(PublicKeyInfo::RsaKeyValue(
            key,
        )));
    }
    Err(Error::unsupported("holder-of-key KeyInfo kind"))
}

/// When an EncryptedKey names its recipient in a form we know, it must name us.
fn check_recipient(
    doc: &Document,
    ek: &EncryptedKey,
    service: ServiceKey<'_>,
) -> Result<(), Error> {
    let Some(ki) = ek.key_info else {
        return Ok(());
    };
    let other = Error::Confirmation {
        what: "key encrypted for another recipient",
    };
    for c in doc.child_elements(ki) {
        if doc.is(c, ns::WSSE, "SecurityTokenReference") {
            for k in doc.children_named(c, ns::WSSE, "KeyIdentifier") {
                let value = xmlsec::base64_decode(doc.text(k).trim());
                let ours = match doc.attribute(k, "", "ValueType").map(str::trim) {
                    Some(uri::VALUE_TYPE_THUMBPRINT_SHA1) => {
                        service.certificate.thumbprint_sha1().to_vec()
                    }
                    Some(uri::VALUE_TYPE_X509_SKI) => service.certificate.subject_key_id(),
                    _ => continue,
                };
                if !value.is_some_and(|v| crypto::ct_eq(&v, &ours)) {
                    return Err(other);
                }
            }
        } else if doc.is(c, ns::DS, "X509Data") {
            for der in xmlsec::x509_certificates(doc, ki)? {
                if der != service.certificate.der() {
                    return Err(other);
                }
            }
        }
    }
    Ok(())
}

fn same_key(a: &Confirmation, b: &Confirmation) -> bool {
    match (a, b) {
        (Confirmation::Bearer, Confirmation::Bearer) => true,
        (
            Confirmation::HolderOfKeySymmetric { key: x },
            Confirmation::HolderOfKeySymmetric { key: y },
        ) => crypto::ct_eq(x.expose(), y.expose()),
        (Confirmation::HolderOfKeyPublic(x), Confirmation::HolderOfKeyPublic(y)) => {
            let spki = |k: &PublicKeyInfo| match k {
                PublicKeyInfo::Certificate(c) => c.public_key().spki_der(),
                PublicKeyInfo::RsaKeyValue(k) => k.spki_der(),
            };
            spki(x) == spki(y)
        }
        _ => false,
    }
}

fn read_name_id(doc: &Document, n: NodeId) -> Result<NameId, Error> {
    let value = simple_text(doc, n, "name identifier content")?;
    if value.is_empty() {
        return Err(Error::malformed("empty name identifier"));
    }
    Ok(NameId {
        value,
        format: doc.attribute(n, "", "Format").map(|f| f.trim().to_owned()),
    })
}

/// SAML 2.0 `Subject`: one `NameID` and one `SubjectConfirmation`.
fn read_subject_v20(
    doc: &Document,
    subject: NodeId,
    policy: &ValidationPolicy<'_>,
) -> Result<(NameId, Confirmation), Error> {
    let s = ns::SAML2;
    let mut name = None;
    let mut confirmations = Vec::new();
    for k in element_children(doc, subject)? {
        match doc.name(k) {
            n if n.is(s, "NameID") && name.is_none() => name = Some(read_name_id(doc, k)?),
            n if n.is(s, "SubjectConfirmation") => confirmations.push(k),
            n if n.is(s, "BaseID") || n.is(s, "EncryptedID") => {
                return Err(Error::unsupported("subject identifier other than NameID"))
            }
            _ => return Err(Error::malformed("Subject content")),
        }
    }
    let name = name.ok_or(Error::malformed("Subject without NameID"))?;
    let sc = match confirmations.as_slice() {
        [] => {
            return Err(Error::Confirmation {
                what: "no subject confirmation",
            })
        }
        [one] => *one,
        _ => return Err(Error::unsupported("several subject confirmations")),
    };
    let method = doc.attribute(sc, "", "Method").map(str::trim);
    let data = element_children(doc, sc)?;
    let data = match data.as_slice() {
        [] => None,
        [d] if doc.is(*d, s, "SubjectConfirmationData") => Some(*d),
        _ => return Err(Error::unsupported("SubjectConfirmation content")),
    };
    let confirmation = match method {
        Some(uri::CM_BEARER_2) => {
            if let Some(d) = data {
                if let Some(noa) = time_attr(doc, d, "NotOnOrAfter")? {
                    if policy.now_ms.saturating_sub(policy.skew_ms.max(0)) >= noa {
                        return Err(Error::Expired);
                    }
                }
            }
            Confirmation::Bearer
        }
        Some(uri::CM_HOLDER_OF_KEY_2) => {
            let d = data.ok_or(Error::Confirmation {
                what: "holder of key without SubjectConfirmationData",
            })?;
            let kis = element_children(doc, d)?;
            let [ki] = kis.as_slice() else {
                return Err(Error::unsupported(
                    "holder-of-key data with other than one KeyInfo",
                ));
            };
            if !doc.is(*ki, ns::DS, "KeyInfo") {
                return Err(Error::malformed("holder-of-key data without KeyInfo"));
            }
            read_key_info(doc, *ki, policy)?
        }
        _ => return Err(Error::unsupported("subject confirmation method")),
    };
    Ok((name, confirmation))
}

fn read_attribute_values(doc: &Document, attr: NodeId, s: &str) -> Result<Vec<String>, Error> {
    let mut values = Vec::new();
    for v in element_children(doc, attr)? {
        if !doc.is(v, s, "AttributeValue") {
            return Err(Error::malformed("Attribute content"));
        }
        values.push(simple_text(doc, v, "structured attribute value")?);
    }
    Ok(values)
}

/// Adds an attribute: the actor goes aside (one, with one value), the rest are claims.
fn add_attribute(
    claims: &mut Vec<Claim>,
    actor: &mut Option<String>,
    uri_: String,
    values: Vec<String>,
) -> Result<(), Error> {
    if uri_ == uri::ACTOR_CLAIM {
        let [value] = <[String; 1]>::try_from(values)
            .map_err(|_| Error::malformed("actor attribute with other than one value"))?;
        if actor.replace(value).is_some() {
            return Err(Error::malformed("two actor attributes"));
        }
        return Ok(());
    }
    claims.push(Claim { uri: uri_, values });
    Ok(())
}

fn read_v20(
    doc: &Document,
    a: NodeId,
    children: &[NodeId],
    policy: &ValidationPolicy<'_>,
) -> Result<Parts, Error> {
    let s = ns::SAML2;
    let issue_instant_ms = required_time(doc, a, "IssueInstant", "assertion without IssueInstant")?;
    let mut it = children.iter().copied().peekable();
    let issuer_node = it
        .next()
        .filter(|n| doc.is(*n, s, "Issuer"))
        .ok_or(Error::malformed("Issuer must come first"))?;
    if doc
        .attribute(issuer_node, "", "Format")
        .is_some_and(|f| f.trim() != uri::NAMEID_ENTITY)
    {
        return Err(Error::unsupported("issuer format other than entity"));
    }
    let issuer = simple_text(doc, issuer_node, "Issuer content")?;
    it.next(); // the signature, checked by the caller to be here
    let mut subject = None;
    let mut conditions = None;
    let mut authn = None;
    let mut claims = Vec::new();
    let mut actor = None;
    // Schema order: Subject?, Conditions?, Advice?, statements*.
    let mut stage = 0;
    for k in it {
        let n = doc.name(k);
        if n.ns != s {
            return Err(Error::malformed("assertion content"));
        }
        let order = match n.local {
            "Subject" => 1,
            "Conditions" => 2,
            "Advice" => 3,
            _ => 4,
        };
        if order < stage || (order == stage && order < 4) {
            return Err(Error::malformed("assertion children out of schema order"));
        }
        stage = order;
        match n.local {
            "Subject" => subject = Some(read_subject_v20(doc, k, policy)?),
            "Conditions" => conditions = Some(read_conditions(doc, k, SamlVersion::V20)?),
            "Advice" => {}
            "AuthnStatement" => {
                if authn.is_some() {
                    return Err(Error::unsupported("several authentication statements"));
                }
                let instant_ms = required_time(
                    doc,
                    k,
                    "AuthnInstant",
                    "AuthnStatement without AuthnInstant",
                )?;
                let method = match doc.child(k, s, "AuthnContext") {
                    Some(ctx) => match doc.child(ctx, s, "AuthnContextClassRef") {
                        Some(r) => AuthnMethod::from_uri(
                            SamlVersion::V20,
                            &simple_text(doc, r, "AuthnContextClassRef content")?,
                        ),
                        None => AuthnMethod::Unspecified,
                    },
                    None => return Err(Error::malformed("AuthnStatement without AuthnContext")),
                };
                authn = Some(AuthnStatement { method, instant_ms });
            }
            "AttributeStatement" => {
                for at in element_children(doc, k)? {
                    if doc.is(at, s, "EncryptedAttribute") {
                        return Err(Error::unsupported("encrypted attribute"));
                    }
                    if !doc.is(at, s, "Attribute") {
                        return Err(Error::malformed("AttributeStatement content"));
                    }
                    let name = doc
                        .attribute(at, "", "Name")
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                        .ok_or(Error::malformed("Attribute without Name"))?;
                    let values = read_attribute_values(doc, at, s)?;
                    add_attribute(&mut claims, &mut actor, name, values)?;
                }
            }
            _ => return Err(Error::unsupported("statement kind")),
        }
    }
    let (subject, confirmation) = subject.ok_or(Error::malformed("assertion without Subject"))?;
    let Conditions {
        not_before_ms,
        not_on_or_after_ms,
        restrictions,
    } = conditions.ok_or(Error::malformed("assertion without Conditions"))?;
    Ok(Parts {
        issuer,
        issue_instant_ms,
        subject,
        confirmation,
        not_before_ms,
        not_on_or_after_ms,
        restrictions,
        authn,
        claims,
        actor,
    })
}

/// SAML 1.1 `Subject` of a subject statement.
fn read_subject_v11(
    doc: &Document,
    subject: NodeId,
    policy: &ValidationPolicy<'_>,
) -> Result<(NameId, Confirmation), Error> {
    let s = ns::SAML1;
    let kids = element_children(doc, subject)?;
    let (name, sc) = match kids.as_slice() {
        [n, c] if doc.is(*n, s, "NameIdentifier") && doc.is(*c, s, "SubjectConfirmation") => {
            (*n, *c)
        }
        [n] if doc.is(*n, s, "NameIdentifier") => {
            return Err(Error::Confirmation {
                what: "no subject confirmation",
            })
        }
        _ => return Err(Error::malformed("Subject content")),
    };
    let name = read_name_id(doc, name)?;
    let parts = element_children(doc, sc)?;
    let mut methods = Vec::new();
    let mut key_info = None;
    for p in parts {
        match doc.name(p) {
            n if n.is(s, "ConfirmationMethod") => {
                methods.push(simple_text(doc, p, "ConfirmationMethod content")?)
            }
            n if n.is(ns::DS, "KeyInfo") && key_info.is_none() => key_info = Some(p),
            n if n.is(s, "SubjectConfirmationData") => {
                return Err(Error::unsupported("SubjectConfirmationData"))
            }
            _ => return Err(Error::malformed("SubjectConfirmation content")),
        }
    }
    let confirmation = match methods.as_slice() {
        [m] if m == uri::CM_BEARER_1 => Confirmation::Bearer,
        [m] if m == uri::CM_HOLDER_OF_KEY_1 => {
            let ki = key_info.ok_or(Error::Confirmation {
                what: "holder of key without KeyInfo",
            })?;
            read_key_info(doc, ki, policy)?
        }
        [_] => return Err(Error::unsupported("subject confirmation method")),
        _ => return Err(Error::unsupported("other than one confirmation method")),
    };
    Ok((name, confirmation))
}

fn read_v11(
    doc: &Document,
    a: NodeId,
    children: &[NodeId],
    policy: &ValidationPolicy<'_>,
) -> Result<Parts, Error> {
    let s = ns::SAML1;
    let issue_instant_ms = required_time(doc, a, "IssueInstant", "assertion without IssueInstant")?;
    let issuer = doc
        .attribute(a, "", "Issuer")
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .ok_or(Error::malformed("assertion without Issuer"))?;
    let body = children
        .split_last()
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let mut subject: Option<(NameId, Confirmation)> = None;
    let mut conditions = None;
    let mut authn = None;
    let mut claims = Vec::new();
    let mut actor = None;
    let mut statements = 0usize;
    let mut stage = 0;
    for k in body.iter().copied() {
        let n = doc.name(k);
        if n.ns != s {
            return Err(Error::malformed("assertion content"));
        }
        let order = match n.local {
            "Conditions" => 1,
            "Advice" => 2,
            _ => 3,
        };
        if order < stage || (order == stage && order < 3) {
            return Err(Error::malformed("assertion children out of schema order"));
        }
        stage = order;
        let statement_subject = match n.local {
            "Conditions" => {
                conditions = Some(read_conditions(doc, k, SamlVersion::V11)?);
                None
            }
            "Advice" => None,
            "AuthenticationStatement" => {
                if authn.is_some() {
                    return Err(Error::unsupported("several authentication statements"));
                }
                let method = doc
                    .attribute(k, "", "AuthenticationMethod")
                    .map(str::trim)
                    .ok_or(Error::malformed("AuthenticationStatement without method"))?;
                let instant_ms = required_time(
                    doc,
                    k,
                    "AuthenticationInstant",
                    "AuthenticationStatement without instant",
                )?;
                authn = Some(AuthnStatement {
                    method: AuthnMethod::from_uri(SamlVersion::V11, method),
                    instant_ms,
                });
                let mut kids = element_children(doc, k)?.into_iter();
                let subj = kids
                    .next()
                    .filter(|c| doc.is(*c, s, "Subject"))
                    .ok_or(Error::malformed("AuthenticationStatement without Subject"))?;
                for rest in kids {
                    if !(doc.is(rest, s, "SubjectLocality") || doc.is(rest, s, "AuthorityBinding"))
                    {
                        return Err(Error::malformed("AuthenticationStatement content"));
                    }
                }
                Some(subj)
            }
            "AttributeStatement" => {
                let mut kids = element_children(doc, k)?.into_iter();
                let subj = kids
                    .next()
                    .filter(|c| doc.is(*c, s, "Subject"))
                    .ok_or(Error::malformed("AttributeStatement without Subject"))?;
                for at in kids {
                    if !doc.is(at, s, "Attribute") {
                        return Err(Error::malformed("AttributeStatement content"));
                    }
                    let part = |name: &str| {
                        doc.attribute(at, "", name)
                            .map(str::trim)
                            .filter(|v| !v.is_empty())
                            .ok_or(Error::malformed("Attribute without name or namespace"))
                    };
                    let full = join_claim_uri(part("AttributeNamespace")?, part("AttributeName")?);
                    let values = read_attribute_values(doc, at, s)?;
                    add_attribute(&mut claims, &mut actor, full, values)?;
                }
                Some(subj)
            }
            _ => return Err(Error::unsupported("statement kind")),
        };
        if let Some(subj) = statement_subject {
            statements += 1;
            let (name, confirmation) = read_subject_v11(doc, subj, policy)?;
            match &subject {
                None => subject = Some((name, confirmation)),
                Some((n0, c0)) => {
                    if *n0 != name || !same_key(c0, &confirmation) {
                        return Err(Error::unsupported("statements about different subjects"));
                    }
                }
            }
        }
    }
    if statements == 0 {
        return Err(Error::malformed("assertion without statements"));
    }
    let (subject, confirmation) = subject.ok_or(Error::malformed("assertion without Subject"))?;
    let Conditions {
        not_before_ms,
        not_on_or_after_ms,
        restrictions,
    } = conditions.ok_or(Error::malformed("assertion without Conditions"))?;
    Ok(Parts {
        issuer,
        issue_instant_ms,
        subject,
        confirmation,
        not_before_ms,
        not_on_or_after_ms,
        restrictions,
        authn,
        claims,
        actor,
    })
}
